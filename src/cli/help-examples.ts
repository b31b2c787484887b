// Examples at the end of every command's --help, as kubectl prints them ("Examples:", a comment line,
// then the command), kept in one table so each command file stays about its behaviour.
import type { Command } from 'commander';

/** By command path (`proxy-config routes`): pairs of what it does and the command line. */
export const EXAMPLES: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  '': [
    [
      'Run the Bookinfo demo mesh (gateway on :8080, admin API on :15000)',
      'switchyard up --demo bookinfo',
    ],
    ['Check Istio YAML as the admission webhook would', 'switchyard validate -f samples/'],
    ['Enable shell completion in bash', 'source <(switchyard completion bash)'],
  ],
  validate: [
    ['Validate one file', 'switchyard validate -f virtual-service.yaml'],
    ['Validate a directory tree, JSON output', 'switchyard validate -R -f config/ -o json'],
    ['Validate from stdin', 'cat vs.yaml | switchyard validate -f -'],
  ],
  analyze: [
    ['Analyze files as istioctl analyze does', 'switchyard analyze samples/bookinfo/networking/'],
    ['Analyze the running mesh', 'switchyard analyze'],
    [
      'Fail only on errors and hide info messages',
      'switchyard analyze -f vs.yaml --output-threshold Warning',
    ],
  ],
  apply: [
    ['Apply a file to the running mesh', 'switchyard apply -f reviews-v2.yaml'],
    ['Apply from stdin', 'cat vs.yaml | switchyard apply -f -'],
  ],
  get: [
    ['List VirtualServices', 'switchyard get virtualservices'],
    ['One DestinationRule as YAML', 'switchyard get dr reviews -o yaml'],
    ['The proxies of the running mesh', 'switchyard get proxies'],
  ],
  patch: [
    [
      'Send all of reviews to v1 with a merge patch',
      `switchyard patch vs reviews --type merge -p '{"spec":{"http":[{"route":[{"destination":{"host":"reviews","subset":"v1"}}]}]}}'`,
    ],
  ],
  delete: [
    ['Delete a VirtualService by name', 'switchyard delete virtualservice reviews'],
    ['Delete what a file declares', 'switchyard delete -f reviews-v2.yaml'],
  ],
  'proxy-config': [
    ['Routes of the productpage sidecar', 'switchyard proxy-config routes productpage-v1'],
    [
      'Clusters of the ingress gateway, as JSON',
      'switchyard pc clusters istio-ingressgateway -o json',
    ],
  ],
  'proxy-config routes': [
    [
      'Route tables of a sidecar in the running mesh',
      'switchyard proxy-config routes productpage-v1',
    ],
    [
      'One route table, computed from files',
      'switchyard pc routes productpage-v1 -f bookinfo/ --name 9080',
    ],
    [
      'The virtual host names of route 9080, with jq (Envoy JSON as istioctl prints it)',
      "switchyard pc routes productpage-v1 --name 9080 -o json | jq '.[].virtualHosts[].name'",
    ],
  ],
  'proxy-config clusters': [
    ['Clusters of a sidecar', 'switchyard proxy-config clusters reviews-v1'],
    [
      'Only the reviews service clusters',
      'switchyard pc clusters productpage-v1 --fqdn reviews.default.svc.cluster.local',
    ],
  ],
  'proxy-config listeners': [
    ['Listeners of the ingress gateway', 'switchyard proxy-config listeners istio-ingressgateway'],
    ['Only the listener on port 9080', 'switchyard pc listeners productpage-v1 --port 9080'],
  ],
  'proxy-config endpoints': [
    ['Endpoints a sidecar balances over', 'switchyard proxy-config endpoints productpage-v1'],
    [
      'Endpoints of one cluster',
      `switchyard pc endpoints productpage-v1 --cluster 'outbound|9080||reviews.default.svc.cluster.local'`,
    ],
  ],
  'proxy-config eds': [
    [
      'The ClusterLoadAssignments a sidecar got over EDS',
      'switchyard proxy-config eds productpage-v1 -o json',
    ],
    [
      'Addresses of one cluster',
      `switchyard pc eds productpage-v1 --cluster 'outbound|9080||reviews.default.svc.cluster.local' -o json | jq -r '.[].endpoints[].lbEndpoints[].endpoint.address.socketAddress.address'`,
    ],
  ],
  'proxy-config secret': [
    [
      'The SDS secrets a sidecar holds in the running mesh',
      'switchyard proxy-config secret productpage-v1',
    ],
    [
      'Its root certificate, as PEM',
      'switchyard pc secret productpage-v1 -o json | jq -r \'.dynamicActiveSecrets[] | select(.name == "ROOTCA") | .secret.validationContext.trustedCa.inlineBytes\' | base64 -d',
    ],
  ],
  'proxy-config bootstrap': [
    [
      'The node id a sidecar connects to xDS with',
      'switchyard pc bootstrap productpage-v1 -f bookinfo/ -o json | jq -r .bootstrap.node.id',
    ],
  ],
  logs: [
    ['The access log of the productpage sidecar', 'switchyard logs productpage-v1'],
    ['The last 20 lines of the ingress gateway', 'switchyard logs istio-ingressgateway --tail 20'],
  ],
  up: [
    ['Run Bookinfo', 'switchyard up --demo bookinfo'],
    ['Run your own config, re-applied on every save', 'switchyard up -R -f ./mesh/'],
    [
      'Any free admin port; later commands find it through $SWITCHYARD_HOME/current',
      'switchyard up --demo bookinfo --admin-port 0',
    ],
    [
      "Local workloads, routed by a cluster's Istio config (list/watch)",
      'switchyard up -f workloads.yaml --kubeconfig ~/.kube/config',
    ],
  ],
  kubeconfig: [['Point kubectl at the running mesh', 'export KUBECONFIG=$(switchyard kubeconfig)']],
  workload: [['Run the ratings service on its own', 'switchyard workload ratings --port 9080']],
  load: [
    [
      '1000 requests over 8 connections',
      'switchyard load -c 8 -n 1000 http://127.0.0.1:8080/productpage',
    ],
    [
      '10 qps for 30 s from the productpage sidecar',
      'switchyard load -qps 10 -t 30s --from productpage-v1 http://reviews:9080/reviews/0',
    ],
  ],
  'envoy-stats': [
    ['Upstream counters of a sidecar', 'switchyard envoy-stats productpage-v1'],
    [
      'Only outlier detection counters',
      "switchyard envoy-stats reviews-v1 --filter 'outlier_detection'",
    ],
  ],
  'proxy-config all': [
    [
      'The Envoy config dump of the ingress gateway, from files',
      'switchyard proxy-config all istio-ingressgateway -f samples/bookinfo/ -o json',
    ],
    [
      'Cluster names from the running mesh, by the config dump path',
      "switchyard pc all productpage-v1 | jq -r '.configs[1].dynamic_active_clusters[].cluster.name'",
    ],
  ],
  'proxy-status': [
    ['The xDS sync state of every connected proxy', 'switchyard proxy-status'],
    ['Against a standalone control plane', 'switchyard proxy-status --xds-address 127.0.0.1:15010'],
  ],
  exec: [
    [
      'curl from the sleep pod, through its sidecar',
      'switchyard exec deploy/sleep -- curl -s http://productpage:9080/productpage',
    ],
    [
      'fortio load from the fortio pod',
      'switchyard exec deploy/fortio-deploy -c fortio -- fortio load -c 3 -qps 0 -n 30 http://httpbin:8000/get',
    ],
  ],
  'port-forward': [
    ['The product page on localhost:9080', 'switchyard port-forward svc/productpage 9080:9080'],
  ],
  'control-plane': [
    [
      'Serve Bookinfo config over xDS on the default port',
      'switchyard control-plane -f samples/bookinfo/',
    ],
    ['Any free port (printed at start)', 'switchyard control-plane -f mesh.yaml --xds-port 0'],
    [
      'Read config and endpoints from a cluster (list/watch; docs/control-plane-kubernetes.md)',
      'switchyard control-plane --kubeconfig ~/.kube/config',
    ],
    [
      "Watch another Switchyard's Kubernetes API",
      'switchyard control-plane --kubeconfig $(switchyard kubeconfig) --xds-port 0',
    ],
  ],
  bootstrap: [
    [
      'An Envoy bootstrap for the productpage sidecar',
      'switchyard bootstrap productpage-v1 > envoy.json',
    ],
  ],
  explain: [
    [
      "Why jason's request reaches reviews v2",
      "switchyard explain --from productpage-v1 http://reviews:9080/reviews/0 -H 'end-user: jason' -f samples/bookinfo/",
    ],
    [
      'A request at the ingress gateway of the running mesh',
      'switchyard explain --gateway istio-ingressgateway http://bookinfo.example.com/productpage',
    ],
  ],
  test: [
    [
      'Route tests in CI, with coverage and JUnit XML',
      'switchyard test -f mesh/ tests/ --coverage --junit report.xml',
    ],
  ],
  dashboard: [
    ['Open the live service graph of the running mesh', 'switchyard dashboard'],
    ['Only print its URL', 'switchyard dashboard --browser=false'],
  ],
  completion: [
    ['bash, for this shell', 'source <(switchyard completion bash)'],
    ['zsh, for this shell', 'source <(switchyard completion zsh)'],
    ['fish, for this shell', 'switchyard completion fish | source'],
  ],
};

/** The "Examples:" block of one command path, or '' when it has none. */
export function examplesText(path: string): string {
  const rows = EXAMPLES[path];
  if (!rows) return '';
  return `\nExamples:\n${rows.map(([what, line]) => `  # ${what}\n  ${line}`).join('\n\n')}\n`;
}

/** Adds each command's examples after its help, for the whole tree. */
export function addExamples(cmd: Command, path: string[] = []): void {
  const text = examplesText(path.join(' '));
  if (text) cmd.addHelpText('after', text);
  for (const sub of cmd.commands) addExamples(sub, [...path, sub.name()]);
}

// Finds the proxy a name designates, as istioctl proxy-config takes it: `<pod>.<namespace>`, a bare pod
// name, or a Deployment name prefix (`productpage-v1`), among the registry's workloads; the ingress
// gateway (`istio-ingressgateway`, labels `istio: ingressgateway` in istio-system) exists by default.
import type { ProxyIdentity } from '../model/index.js';
import type { Registry, Workload } from './types.js';

const DEFAULT_GATEWAY_LABELS = { app: 'istio-ingressgateway', istio: 'ingressgateway' };
// A placeholder outside the pod range used for config workloads.
const DEFAULT_GATEWAY_IP = '10.244.255.254';

/** Gateway workloads carry Istio's `istio: ingressgateway|egressgateway` label (Envoy node type router). */
export function isGatewayWorkload(labels: Readonly<Record<string, string>>): boolean {
  const v = labels.istio ?? '';
  // eastwestgateway: the label of Istio's multi-network gateway (samples/multicluster gen-eastwest-gateway.sh).
  return (
    v === 'ingressgateway' ||
    v === 'egressgateway' ||
    v === 'eastwestgateway' ||
    v === 'ingress' ||
    v === 'egress'
  );
}

export function identityOf(w: Workload): ProxyIdentity {
  return {
    kind: isGatewayWorkload(w.labels) ? 'router' : 'sidecar',
    id: `${w.podName}.${w.namespace}`,
    namespace: w.namespace,
    labels: w.labels,
    serviceAccount: w.serviceAccount,
    ip: w.address,
    ...(w.locality ? { locality: w.locality } : {}),
  };
}

/** Resolves a proxy name; undefined when nothing matches (the caller lists the candidates). */
export function resolveProxy(
  registry: Registry,
  name: string,
  defaultNamespace = 'default',
): ProxyIdentity | undefined {
  const candidates = registry.workloads.filter((w) => w.kind !== 'WorkloadEntry');
  const dot = name.lastIndexOf('.');
  const tries: { pod: string; ns: string | undefined }[] = [{ pod: name, ns: undefined }];
  if (dot > 0) tries.unshift({ pod: name.slice(0, dot), ns: name.slice(dot + 1) });
  for (const t of tries) {
    const inNs = candidates.filter((w) => (t.ns ? w.namespace === t.ns : true));
    const exact = inNs.find((w) => w.podName === t.pod);
    const byDeployment = inNs.find((w) => w.name === t.pod);
    const byPrefix = inNs.find((w) => w.podName.startsWith(`${t.pod}-`));
    const found = exact ?? byDeployment ?? byPrefix;
    if (found) {
      if (!t.ns && dot < 0) {
        // A bare name prefers the default namespace when several match.
        const pref = inNs.find(
          (w) =>
            w.namespace === defaultNamespace &&
            (w.podName === t.pod || w.name === t.pod || w.podName.startsWith(`${t.pod}-`)),
        );
        return identityOf(pref ?? found);
      }
      return identityOf(found);
    }
  }
  const base = dot > 0 ? name.slice(0, dot) : name;
  const ns = dot > 0 ? name.slice(dot + 1) : 'istio-system';
  if (base.startsWith('istio-ingressgateway') && ns === 'istio-system') {
    const gw = candidates.find(
      (w) => w.namespace === 'istio-system' && w.labels.istio === 'ingressgateway',
    );
    if (gw) return identityOf(gw);
    return {
      kind: 'router',
      id: `${base === 'istio-ingressgateway' ? 'istio-ingressgateway-0' : base}.istio-system`,
      namespace: 'istio-system',
      labels: DEFAULT_GATEWAY_LABELS,
      serviceAccount: 'istio-ingressgateway-service-account',
      ip: DEFAULT_GATEWAY_IP,
    };
  }
  return undefined;
}

/** Names proxy-config accepts offline, for error messages. */
export function proxyNames(registry: Registry): string[] {
  return registry.workloads
    .filter((w) => w.kind !== 'WorkloadEntry')
    .map((w) => `${w.podName}.${w.namespace}`);
}

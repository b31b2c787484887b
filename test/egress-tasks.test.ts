// Istio's egress task YAML (../shared/conformance/istio-samples/tasks: egress-control, egress-gateway,
// egress-tls-origination, wildcard-egress-hosts) loads, validates with no errors, and compiles into
// what the tasks rely on: REGISTRY_ONLY, DNS clusters for external hosts, the 3s timeout, the
// two-hop routes through istio-egressgateway, TLS origination on port 80 -> 443, wildcard hosts.
// docs/egress.md says which of them run as written and which need a stand-in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import {
  createConfigSnapshot,
  expandPaths,
  loadResources,
  meshConfigFrom,
  parseResources,
  validateResources,
  type Resource,
} from '../src/config/index.js';
import { compileProxy, type CompileWarning, type ProxySnapshot } from '../src/compile/index.js';
import { buildRegistry, resolveProxy, type LocalWorkload } from '../src/registry/index.js';
import { withEgressGatewayService } from '../src/mesh/egress-gateway-service.js';
import { routeRows } from './helpers/compile.js';
import { sharedFile, sharedSkipReason } from './helpers/shared.js';

const PARTS = ['conformance', 'istio-samples', 'tasks'];
const SLEEP: LocalWorkload = {
  name: 'sleep',
  namespace: 'default',
  labels: { app: 'sleep' },
  serviceAccount: 'sleep',
  address: '127.0.0.1',
  ports: {},
};
const EGRESS: LocalWorkload = {
  name: 'istio-egressgateway-0',
  namespace: 'istio-system',
  labels: { app: 'istio-egressgateway', istio: 'egressgateway' },
  serviceAccount: 'istio-egressgateway-service-account',
  address: '127.0.0.1',
  ports: { '80': 18080, '443': 18443 },
};

function load(task: string, ...files: string[]): { resources: Resource[]; mesh?: unknown } {
  const dir = join(sharedFile(...PARTS)!, task);
  const paths = files.length > 0 ? files.map((f) => join(dir, f)) : expandPaths([dir], false);
  const loaded = loadResources(paths);
  assert.deepEqual(
    loaded.diagnostics.filter((d) => d.level === 'Error'),
    [],
    task,
  );
  const errors = validateResources(loaded.resources).filter((d) => d.level === 'Error');
  assert.deepEqual(errors, [], task);
  return { resources: loaded.resources, mesh: loaded.meshConfig?.value };
}

function compile(
  resources: Resource[],
  proxy: string,
  mesh?: unknown,
): { snap: ProxySnapshot; warnings: CompileWarning[] } {
  const config = createConfigSnapshot(withEgressGatewayService(resources), meshConfigFrom(mesh));
  const registry = buildRegistry(config, { localWorkloads: [SLEEP, EGRESS] });
  const identity = resolveProxy(registry, proxy);
  assert.ok(identity, proxy);
  const warnings: CompileWarning[] = [];
  return { snap: compileProxy(config, registry, identity, { warnings }), warnings };
}

const skip = () => sharedSkipReason(...PARTS);

test('egress-control: REGISTRY_ONLY from the IstioOperator fragment, DNS ServiceEntries, timeout 3s', (t) => {
  if (skip()) return t.skip(String(skip()));
  const { resources, mesh } = load('egress-control');
  const { snap } = compile(resources, 'sleep.default', mesh);
  assert.equal(
    snap.listeners.find((l) => l.name === 'virtualOutbound')?.outboundTrafficPolicy,
    'REGISTRY_ONLY',
  );
  const httpbin = snap.clusters.get('outbound|80||httpbin.org');
  assert.equal(httpbin?.type, 'STRICT_DNS');
  assert.deepEqual(
    httpbin?.endpoints.map((e) => `${e.address}:${e.port}`),
    ['httpbin.org:80'],
  );
  assert.equal(snap.clusters.get('outbound|443||www.google.com')?.type, 'STRICT_DNS');
  const vh = snap.routeTables.get('80')?.virtualHosts.find((v) => v.name === 'httpbin.org:80');
  const action = vh?.routes[0]?.action;
  assert.equal(action?.type === 'forward' ? action.timeoutMs : undefined, 3000);
  assert.deepEqual(routeRows(snap, '80').at(-1), 'block_all / -> direct 502');
  // HTTPS to www.google.com: a TLS chain selected by SNI on port 443.
  const chain = snap.listeners
    .find((l) => l.name === '0.0.0.0_443')
    ?.filterChains.find((c) => c.serverNames.includes('www.google.com'));
  assert.equal(chain?.tcp?.routes[0]?.clusters[0]?.clusterName, 'outbound|443||www.google.com');
});

test('egress-gateway (HTTP): mesh route to the egress gateway subset, gateway route to the external host', (t) => {
  if (skip()) return t.skip(String(skip()));
  const { resources } = load(
    'egress-gateway',
    '01-http-serviceentry-cnn.yaml',
    '02-http-gateway-dr-vs.yaml',
  );
  const side = compile(resources, 'sleep.default');
  assert.ok(
    routeRows(side.snap, '80').includes(
      'edition.cnn.com:80 / -> outbound|80|cnn|istio-egressgateway.istio-system.svc.cluster.local',
    ),
    routeRows(side.snap, '80').join('\n'),
  );
  const cluster = side.snap.clusters.get(
    'outbound|80|cnn|istio-egressgateway.istio-system.svc.cluster.local',
  );
  assert.deepEqual(
    cluster?.endpoints.map((e) => `${e.address}:${e.port}`),
    ['127.0.0.1:18080'],
  );
  const gw = compile(resources, 'istio-egressgateway-0.istio-system');
  assert.ok(gw.snap.listeners.some((l) => l.name === '0.0.0.0_80' && l.direction === 'gateway'));
  assert.deepEqual(routeRows(gw.snap, 'http.80'), [
    'edition.cnn.com:80 / -> outbound|80||edition.cnn.com',
  ]);
});

test('egress-gateway (TLS passthrough) and wildcard-egress-hosts: SNI routes through the egress gateway', (t) => {
  if (skip()) return t.skip(String(skip()));
  const { resources } = load('egress-gateway', '03-https-passthrough.yaml');
  const side = compile(resources, 'sleep.default');
  const chain = side.snap.listeners
    .find((l) => l.name === '0.0.0.0_443')
    ?.filterChains.find((c) => c.serverNames.includes('edition.cnn.com'));
  assert.equal(
    chain?.tcp?.routes[0]?.clusters[0]?.clusterName,
    'outbound|443|cnn|istio-egressgateway.istio-system.svc.cluster.local',
  );
  const gw = compile(resources, 'istio-egressgateway-0.istio-system');
  const pass = gw.snap.listeners.find((l) => l.name === '0.0.0.0_443')?.filterChains[0];
  assert.equal(pass?.passthrough, true);
  assert.deepEqual(pass?.serverNames, ['edition.cnn.com']);
  assert.equal(pass?.tcp?.routes[0]?.clusters[0]?.clusterName, 'outbound|443||edition.cnn.com');

  const wild = load('wildcard-egress-hosts');
  const w = compile(wild.resources, 'istio-egressgateway-0.istio-system');
  const wchain = w.snap.listeners.find((l) => l.name === '0.0.0.0_443')?.filterChains[0];
  assert.deepEqual(wchain?.serverNames, ['*.wikipedia.org']);
  assert.equal(wchain?.tcp?.routes[0]?.clusters[0]?.clusterName, 'outbound|443||www.wikipedia.org');
  // resolution omitted = NONE: the wildcard host is an original-destination cluster at a sidecar.
  const ws = compile(wild.resources, 'sleep.default');
  assert.equal(ws.snap.clusters.get('outbound|443||*.wikipedia.org')?.type, 'ORIGINAL_DST');
});

test('egress-tls-origination: port 80 originates TLS to targetPort 443; MUTUAL origination reads its Secret', (t) => {
  if (skip()) return t.skip(String(skip()));
  const { resources } = load('egress-tls-origination', '02-tls-origination.yaml');
  const { snap, warnings } = compile(resources, 'sleep.default');
  assert.deepEqual(warnings, []);
  const c = snap.clusters.get('outbound|80||edition.cnn.com');
  assert.equal(c?.tls?.mode, 'SIMPLE');
  assert.equal(c?.tls?.sni, undefined, 'auto SNI from the Host');
  assert.deepEqual(
    c?.endpoints.map((e) => `${e.address}:${e.port}`),
    ['edition.cnn.com:443'],
  );
  assert.equal(snap.clusters.get('outbound|443||edition.cnn.com')?.tls, undefined);

  // 03: the task's nginx Service in mesh-external and the Secret default/client-credential.
  const mtls = load('egress-tls-origination', '03-mtls-origination-at-sidecar.yaml');
  const extra = parseResources(
    `apiVersion: v1
kind: Service
metadata: {name: my-nginx, namespace: mesh-external}
spec:
  ports: [{port: 443, name: https, protocol: TCP}]
  selector: {run: my-nginx}
---
apiVersion: v1
kind: Secret
metadata: {name: client-credential, namespace: default}
stringData: {tls.crt: CLIENT-CERT, tls.key: CLIENT-KEY, ca.crt: CA-CERT}
`,
    'nginx.yaml',
  ).resources;
  const m = compile([...mtls.resources, ...extra], 'sleep.default');
  const mc = m.snap.clusters.get('outbound|443||my-nginx.mesh-external.svc.cluster.local');
  assert.equal(mc?.tls?.mode, 'MUTUAL');
  assert.equal(mc?.tls?.sni, 'my-nginx.mesh-external.svc.cluster.local');
  assert.equal(mc?.tls?.certChain, 'CLIENT-CERT');
  assert.equal(mc?.tls?.privateKey, 'CLIENT-KEY');
  assert.equal(mc?.tls?.caCertificates, 'CA-CERT');
  // Port-level settings replace the DR level wholesale (istio/istio pilot/pkg/networking/util
  // mergeTrafficPolicy): the rule's ROUND_ROBIN does not reach port 443.
  assert.equal(mc?.lbPolicy, 'LEAST_REQUEST');
});

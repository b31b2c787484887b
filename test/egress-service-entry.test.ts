// ServiceEntry semantics in the compiler and a real proxy, with stand-ins on 127.0.0.x: resolution
// NONE (original destination: the Host's address), STATIC (endpoints), DNS (names resolved in the
// background; `localhost`), DNS_ROUND_ROBIN, targetPort, addresses as domains, workloadSelector,
// exportTo, location; outboundTrafficPolicy ALLOW_ANY (PassthroughCluster) and REGISTRY_ONLY (closed
// by BlackHoleCluster) from the mesh config and a Sidecar (block without mode = REGISTRY_ONLY).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createProxy, type Proxy } from '../src/proxy/index.js';
import type { ProxySnapshot } from '../src/compile/index.js';
import { compileFrom } from './helpers/compile.js';
import { startStandIn, type StandIn } from './helpers/external-stand-in.js';
import { get } from './helpers/mesh.js';

let a: StandIn;
let b: StandIn;
let local: StandIn;
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

before(async () => {
  a = await startStandIn('127.0.0.2');
  b = await startStandIn('127.0.0.6');
  local = await startStandIn('127.0.0.1');
  cleanups.push(
    () => a.close(),
    () => b.close(),
    () => local.close(),
  );
});

const SLEEP = {
  name: 'sleep',
  namespace: 'default',
  labels: { app: 'sleep' },
  serviceAccount: 'sleep',
  address: '127.0.0.1',
  ports: {},
};

/** A proxy serving `snapshot` on a virtualOutbound socket, with its access log lines. */
async function sidecar(
  snapshot: ProxySnapshot,
): Promise<{ port: number; logs: string[]; proxy: Proxy }> {
  const logs: string[] = [];
  const proxy = createProxy({
    name: 'sleep.default',
    accessLog: { encoding: 'TEXT', sink: (l) => logs.push(l) },
  });
  proxy.update(snapshot);
  cleanups.push(() => proxy.close(50));
  const { port } = await proxy.listen('virtualOutbound', { host: '127.0.0.1', port: 0 });
  return { port, logs, proxy };
}

function entries(): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: static-a, namespace: default}
spec:
  hosts: [static.example.com]
  location: MESH_EXTERNAL
  ports: [{number: 80, name: http, protocol: HTTP, targetPort: ${a.port}}]
  resolution: STATIC
  endpoints: [{address: 127.0.0.2}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: dns-local, namespace: default}
spec:
  hosts: [dns.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS
  endpoints: [{address: localhost, ports: {http: ${local.port}}}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: rr, namespace: default}
spec:
  hosts: [rr.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS_ROUND_ROBIN
  endpoints: [{address: 127.0.0.6, ports: {http: ${b.port}}}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: original-dst, namespace: default}
spec:
  hosts: [none.example.com]
  addresses: [127.0.0.2]
  ports: [{number: ${a.port}, name: http, protocol: HTTP}]
  resolution: NONE
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: hidden, namespace: other}
spec:
  hosts: [hidden.example.com]
  exportTo: ["."]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: 127.0.0.2}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: internal, namespace: default}
spec:
  hosts: [vm.internal.example]
  location: MESH_INTERNAL
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  workloadSelector: {labels: {app: vm}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-1, namespace: default}
spec:
  address: 127.0.0.6
  labels: {app: vm}
  ports: {http: ${b.port}}
`;
}

test('cluster types and endpoints: STATIC -> EDS with targetPort, DNS -> STRICT_DNS, DNS_ROUND_ROBIN -> LOGICAL_DNS, NONE -> ORIGINAL_DST', () => {
  const { snapshot } = compileFrom([entries()], 'sleep.default', { local: [SLEEP] });
  const c = (n: string) => snapshot.clusters.get(n);
  assert.equal(c('outbound|80||static.example.com')?.type, 'EDS');
  assert.deepEqual(
    c('outbound|80||static.example.com')?.endpoints.map((e) => `${e.address}:${e.port}`),
    [`127.0.0.2:${a.port}`],
  );
  assert.equal(c('outbound|80||dns.example.com')?.type, 'STRICT_DNS');
  assert.deepEqual(
    c('outbound|80||dns.example.com')?.endpoints.map((e) => `${e.address}:${e.port}`),
    [`localhost:${local.port}`],
  );
  assert.equal(c('outbound|80||rr.example.com')?.type, 'LOGICAL_DNS');
  assert.equal(c(`outbound|${a.port}||none.example.com`)?.type, 'ORIGINAL_DST');
  assert.equal(c(`outbound|${a.port}||none.example.com`)?.lbPolicy, 'PASSTHROUGH');
  // exportTo ".": the other namespace's entry is invisible to default.
  assert.equal(c('outbound|80||hidden.example.com'), undefined);
  // workloadSelector: the WorkloadEntry's named port.
  assert.deepEqual(
    c('outbound|80||vm.internal.example')?.endpoints.map((e) => `${e.address}:${e.port}`),
    [`127.0.0.6:${b.port}`],
  );
  // Gateways cannot use original-destination clusters: NONE becomes EDS there (cluster.go convertResolution).
  const gw = compileFrom([entries()], 'istio-egressgateway-0.istio-system', {
    local: [
      {
        name: 'istio-egressgateway-0',
        namespace: 'istio-system',
        labels: { istio: 'egressgateway' },
        serviceAccount: 'gw',
        address: '127.0.0.1',
        ports: {},
      },
    ],
  });
  assert.equal(gw.snapshot.clusters.get(`outbound|${a.port}||none.example.com`)?.type, 'EDS');
});

test('requests reach each resolution through the proxy', async () => {
  const { snapshot } = compileFrom([entries()], 'sleep.default', { local: [SLEEP] });
  const { port, logs } = await sidecar(snapshot);
  const call = async (host: string) => {
    const r = await get(`http://127.0.0.1:${port}/x`, { host });
    return {
      status: r.status,
      seen: r.status === 200 ? (JSON.parse(r.body) as { host: string }) : undefined,
    };
  };
  assert.equal((await call('static.example.com')).seen?.host, 'static.example.com');
  assert.equal(
    (await call('dns.example.com')).seen?.host,
    'dns.example.com',
    'localhost resolved in the background',
  );
  assert.equal((await call('rr.example.com')).status, 200);
  assert.equal((await call('vm.internal.example')).status, 200);
  // NONE: the original destination is the address the client asked for (the Host's), here an
  // address of the ServiceEntry.
  const none = await call(`127.0.0.2:${a.port}`);
  assert.equal(none.status, 200);
  assert.ok(
    logs.some(
      (l) =>
        l.includes(`outbound|${a.port}||none.example.com`) && l.includes(`"127.0.0.2:${a.port}"`),
    ),
    logs.join(''),
  );
});

test('ALLOW_ANY: an unregistered host goes to PassthroughCluster (the Host address); REGISTRY_ONLY from a Sidecar without mode: BlackHoleCluster closes the connection', async () => {
  const allow = compileFrom([entries()], 'sleep.default', { local: [SLEEP] });
  const open = await sidecar(allow.snapshot);
  const r = await get(`http://127.0.0.1:${open.port}/passthrough`, { host: `127.0.0.6:${b.port}` });
  assert.equal(r.status, 200);
  assert.equal(b.seen.at(-1)?.path, '/passthrough');
  assert.ok(
    open.logs.some((l) => / PassthroughCluster /.test(l) && l.includes('/passthrough')),
    open.logs.join(''),
  );

  // istio/api networking/v1alpha3/sidecar.proto: OutboundTrafficPolicy mode's zero value is REGISTRY_ONLY.
  const sidecarYaml = `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: default}
spec:
  outboundTrafficPolicy: {}
`;
  const closed = compileFrom([entries(), sidecarYaml], 'sleep.default', { local: [SLEEP] });
  const shut = await sidecar(closed.snapshot);
  const before = b.seen.length;
  // No listener on the port: virtualOutbound's default chain is a tcp_proxy to BlackHoleCluster,
  // which has no endpoints, so the connection closes without an answer (istio/istio
  // pilot/pkg/networking/core/listener_builder.go buildOutboundCatchAllNetworkFilterChains).
  await assert.rejects(
    get(`http://127.0.0.1:${shut.port}/blocked`, { host: `127.0.0.6:${b.port}` }),
  );
  assert.equal(b.seen.length, before, 'nothing left the proxy');
  const tcpLine = async (logs: string[]) => {
    for (let i = 0; i < 50; i++) {
      const line = logs.find((l) => / BlackHoleCluster /.test(l));
      if (line) return line;
      await new Promise((r) => setImmediate(r));
    }
    return logs.join('');
  };
  assert.match(await tcpLine(shut.logs), /"- - -" 0 UH .* BlackHoleCluster /);
  // Registered hosts still pass.
  assert.equal(
    (await get(`http://127.0.0.1:${shut.port}/x`, { host: 'static.example.com' })).status,
    200,
  );

  // The mesh config alone does the same.
  const meshWide = compileFrom([entries()], 'sleep.default', {
    local: [SLEEP],
    mesh: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } },
  });
  const m = await sidecar(meshWide.snapshot);
  await assert.rejects(get(`http://127.0.0.1:${m.port}/blocked`, { host: `127.0.0.6:${b.port}` }));
  assert.match(await tcpLine(m.logs), /"- - -" 0 UH .* BlackHoleCluster /);
});

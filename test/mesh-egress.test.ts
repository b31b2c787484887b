// Egress control end to end on `switchyard up`, with stand-ins for the external hosts on 127.0.0.x:
// REGISTRY_ONLY (502 block_all, or a closed connection and BlackHoleCluster in the access log on a port
// with no listener) until a ServiceEntry registers the host; a
// VirtualService `timeout: 3s` on the external host (504 UT); the egress-gateway two-hop for HTTP
// (the request appears in istio-egressgateway's access log); TLS origination (the plain-HTTP call
// reaches the external stand-in as HTTPS). The client is Istio's sleep sample (curlimages/curl).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fixture } from './helpers/shared.js';
import { createPki } from './helpers/certs.js';
import { startStandIn, type StandIn } from './helpers/external-stand-in.js';
import { get, startMesh, type RunningMesh } from './helpers/mesh.js';

let mesh: RunningMesh;
let httpbin: StandIn;
let cnn: StandIn;
let edition: StandIn;
let sleepInbound = '';

before(async () => {
  const pki = createPki();
  const cert = pki.issue(['edition.example.com']);
  httpbin = await startStandIn('127.0.0.2');
  edition = await startStandIn('127.0.0.3', cert);
  cnn = await startStandIn('127.0.0.5');
  // TLS origination with `mode: SIMPLE` and no CA verifies against the system roots, as Istio does
  // (VERIFY_CERTIFICATE_AT_CLIENT); the test CA joins them for the mesh process only.
  process.env.NODE_EXTRA_CA_CERTS = pki.ca.certFile;
  mesh = await startMesh([
    '-f',
    fixture('egress', 'mesh-registry-only.yaml'),
    '-f',
    fixture('egress', 'sleep.yaml'),
    '--no-watch',
  ]);
  delete process.env.NODE_EXTRA_CA_CERTS;
  const proxies = JSON.parse((await get(`${mesh.admin}/proxies`)).body) as {
    items: { name: string; listeners: string[] }[];
  };
  const sleep = proxies.items.find((p) => p.name.startsWith('sleep-'));
  const inbound = sleep?.listeners.find((l) => l.startsWith('inbound 80 -> '));
  assert.ok(inbound, JSON.stringify(proxies));
  sleepInbound = inbound.slice('inbound 80 -> '.length);
});

after(async () => {
  await mesh?.stop();
  await Promise.all([httpbin?.close(), edition?.close(), cnn?.close()]);
});

interface Fetched {
  status?: number;
  body?: string;
  error?: string;
}

/** `kubectl exec sleep -- curl URL`: the sleep workload calls through its sidecar. */
async function fetchFromSleep(url: string): Promise<Fetched> {
  const r = await get(`http://${sleepInbound}/fetch?url=${encodeURIComponent(url)}`);
  return JSON.parse(r.body) as Fetched;
}

function apply(yaml: string): void {
  const r = mesh.cli(['apply', '-f', '-'], yaml);
  assert.equal(r.status, 0, r.stderr + r.stdout);
}

async function until(what: string, fn: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

async function logOf(proxy: string): Promise<string> {
  return (await get(`${mesh.admin}/logs?proxy=${proxy}&tail=200`)).body;
}

test('REGISTRY_ONLY: 502 block_all, BlackHoleCluster closes an unknown port; a ServiceEntry makes it succeed; a VS timeout: 3s applies', async () => {
  // Port 80 has an outbound HTTP listener here (the sleep and istio-egressgateway Services): its
  // route table ends in Istio's `block_all` virtual host, a direct 502 (httproute.go
  // buildCatchAllVirtualHost), so the log shows route block_all and no cluster, as Envoy's does.
  const blocked = await fetchFromSleep('http://httpbin.example.com/headers');
  assert.equal(blocked.status, 502, JSON.stringify(blocked));
  // A port no service uses falls to virtualOutbound's default chain, a tcp_proxy to BlackHoleCluster
  // (no endpoints): the connection is closed without an answer (istio/istio
  // pilot/pkg/networking/core/listener_builder.go buildOutboundCatchAllNetworkFilterChains).
  const unknownPort = await fetchFromSleep('http://httpbin.example.com:8000/headers');
  assert.equal(unknownPort.status, undefined, JSON.stringify(unknownPort));
  assert.ok(unknownPort.error, JSON.stringify(unknownPort));
  await until('the blocked requests in the sleep log', async () =>
    (await logOf('sleep')).includes('BlackHoleCluster'),
  );
  const lines = (await logOf('sleep')).split('\n');
  const port80 = lines.find(
    (l) => l.includes('"GET /headers HTTP/1.1" 502') && l.includes('"httpbin.example.com"'),
  );
  assert.match(port80 ?? '', / 502 - direct_response .* block_all$/);
  const hole = lines.find((l) => l.includes('BlackHoleCluster'));
  assert.match(hole ?? '', /"- - -" 0 UH .*"-" BlackHoleCluster /);
  assert.equal(httpbin.seen.length, 0, 'nothing left the mesh');

  // Istio's egress-control ServiceEntry, with the stand-in as the DNS endpoint.
  apply(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin-ext, namespace: default}
spec:
  hosts: [httpbin.example.com]
  ports:
  - {number: 80, name: http, protocol: HTTP}
  resolution: DNS
  location: MESH_EXTERNAL
  endpoints:
  - address: 127.0.0.2
    ports: {http: ${httpbin.port}}
`);
  await until('the ServiceEntry to let the call through', async () => {
    const r = await fetchFromSleep('http://httpbin.example.com/headers');
    return r.status === 200;
  });
  assert.equal(httpbin.seen.at(-1)?.host, 'httpbin.example.com');
  const ok = (await logOf('sleep'))
    .split('\n')
    .filter((l) => l.includes('outbound|80||httpbin.example.com'));
  assert.ok(
    ok.some((l) => / 200 - via_upstream /.test(l)),
    ok.join('\n'),
  );

  apply(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin-ext, namespace: default}
spec:
  hosts: [httpbin.example.com]
  http:
  - timeout: 3s
    route:
    - destination: {host: httpbin.example.com}
      weight: 100
`);
  await until('the VirtualService in the sleep proxy', async () =>
    (await get(`${mesh.admin}/proxy-config/routes?proxy=sleep&name=80`)).body.includes(
      'httpbin-ext',
    ),
  );
  const slow = await fetchFromSleep('http://httpbin.example.com/hang');
  assert.equal(slow.status, 504, JSON.stringify(slow));
  assert.equal(slow.body, 'upstream request timeout');
  await until('the timeout in the sleep log', async () => / 504 UT /.test(await logOf('sleep')));
});

test('egress gateway (HTTP): sidecar -> istio-egressgateway -> external, seen in the gateway log', async () => {
  // Istio's egress-gateway task (01 + 02) with edition.cnn.com -> cnn.example.com on a stand-in.
  apply(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: cnn, namespace: default}
spec:
  hosts: [cnn.example.com]
  ports:
  - {number: 80, name: http-port, protocol: HTTP}
  - {number: 443, name: https, protocol: HTTPS}
  resolution: DNS
  endpoints:
  - address: 127.0.0.5
    ports: {http-port: ${cnn.port}}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: istio-egressgateway, namespace: default}
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [cnn.example.com]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: egressgateway-for-cnn, namespace: default}
spec:
  host: istio-egressgateway.istio-system.svc.cluster.local
  subsets:
  - name: cnn
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: direct-cnn-through-egress-gateway, namespace: default}
spec:
  hosts: [cnn.example.com]
  gateways: [istio-egressgateway, mesh]
  http:
  - match:
    - gateways: [mesh]
      port: 80
    route:
    - destination:
        host: istio-egressgateway.istio-system.svc.cluster.local
        subset: cnn
        port: {number: 80}
      weight: 100
  - match:
    - gateways: [istio-egressgateway]
      port: 80
    route:
    - destination:
        host: cnn.example.com
        port: {number: 80}
      weight: 100
`);
  await until('the call through the egress gateway', async () => {
    const r = await fetchFromSleep('http://cnn.example.com/politics');
    return r.status === 200;
  });
  assert.equal(cnn.seen.at(-1)?.host, 'cnn.example.com');
  assert.equal(cnn.seen.at(-1)?.path, '/politics');
  await until('the request in the egress gateway log', async () =>
    (await logOf('istio-egressgateway-0.istio-system')).includes('/politics'),
  );
  const gw = (await logOf('istio-egressgateway-0.istio-system'))
    .split('\n')
    .find((l) => l.includes('/politics'));
  assert.match(gw ?? '', /"cnn\.example\.com"/);
  assert.match(gw ?? '', /outbound\|80\|\|cnn\.example\.com/);
  assert.match(gw ?? '', / 200 - via_upstream /);
  // The istio-egressgateway port is named http2: the sidecar speaks HTTP/2 (h2c) to the gateway.
  assert.match(gw ?? '', /"GET \/politics HTTP\/2"/);
  const side = (await logOf('sleep')).split('\n').find((l) => l.includes('/politics'));
  assert.match(
    side ?? '',
    /outbound\|80\|cnn\|istio-egressgateway\.istio-system\.svc\.cluster\.local/,
  );
});

test('TLS origination: http://edition.example.com/ leaves the mesh as HTTPS (Istio task YAML, stand-in endpoint)', async () => {
  apply(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: edition-example-com, namespace: default}
spec:
  hosts: [edition.example.com]
  ports:
  - {number: 80, name: http-port, protocol: HTTP, targetPort: 443}
  - {number: 443, name: https-port, protocol: HTTPS}
  resolution: DNS
  endpoints:
  - address: 127.0.0.3
    ports: {http-port: ${edition.port}, https-port: ${edition.port}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: edition-example-com, namespace: default}
spec:
  host: edition.example.com
  trafficPolicy:
    portLevelSettings:
    - port: {number: 80}
      tls: {mode: SIMPLE}
`);
  await until('the TLS-originated call', async () => {
    const r = await fetchFromSleep('http://edition.example.com/politics');
    return r.status === 200;
  });
  const seen = edition.seen.at(-1);
  assert.equal(seen?.tls, true, 'the stand-in received HTTPS');
  assert.equal(seen?.servername, 'edition.example.com');
  assert.equal(seen?.host, 'edition.example.com');
});

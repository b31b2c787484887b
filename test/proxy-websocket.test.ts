// WebSocket (HTTP/1.1 Upgrade) through a sidecar and an ingress gateway (plain and TLS), with a real
// `ws` client and server; h2c and other upgrades refused as Envoy refuses them.
// Envoy/Istio behaviour under test:
// - Istio enables the websocket upgrade on every HTTP connection manager (istio/istio pilot/pkg/
//   networking/core/listener_builder.go: UpgradeConfigs [{UpgradeType: websocket}]);
// - the route timeout never starts for an upgraded stream (envoyproxy/envoy source/common/router/
//   router.cc onRequestComplete arms it at the request's end; source/common/http/http1/
//   codec_impl.cc onMessageCompleteImpl swallows that end for upgrades), while a plain request on
//   the same route times out (504 UT);
// - an upstream that answers the handshake with a non-101 status is an ordinary response;
// - another upgrade type on a routed request: 403, details upgrade_failed, connection closed
//   (envoyproxy/envoy source/common/http/conn_manager_impl.cc decodeHeaders, upgrade_rejected);
// - `Upgrade: h2c` is never honoured: the codec removes Upgrade, HTTP2-Settings and those Connection
//   tokens and serves the request as plain HTTP/1.1 (source/common/http/http1/codec_impl.cc).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { after, before, test } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { createProxy, type Proxy } from '../src/proxy/index.js';
import { createMeshCa } from '../src/mesh/mesh-ca.js';
import { ManualClock } from '../src/runtime/clock.js';
import { compileFrom } from './helpers/compile.js';
import { createPki, tlsSecretYaml, type TestPki } from './helpers/certs.js';
import { deadPort, startEcho, type EchoBackend } from './helpers/echo-backend.js';
import {
  cluster,
  endpoint,
  forward,
  outbound,
  route,
  routeTable,
  snapshot,
  vhost,
} from './helpers/snapshot-builder.js';

let backend: Server;
let wss: WebSocketServer;
let echo: EchoBackend;
let pki: TestPki;
const clock = new ManualClock();
const proxies: Proxy[] = [];
const logs: string[] = [];
const handshakes: IncomingMessage[] = [];
const slow: IncomingMessage[] = [];
const ports = { sidecar: 0, gateway: 0, gatewayTls: 0 };

before(async () => {
  wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws) => ws.on('message', (m, binary) => ws.send(m, { binary })));
  backend = createServer((req) => {
    // A plain request the upstream never answers (route timeout check).
    if (req.url === '/slow') slow.push(req);
  });
  backend.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    handshakes.push(req);
    if (req.url === '/deny') {
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 6\r\nconnection: close\r\n\r\ndenied');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  echo = await startEcho('echo');
  pki = createPki();
  const wsPort = (backend.address() as AddressInfo).port;
  const dead = await deadPort();
  const yaml = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: dead, namespace: default }
spec:
  hosts: [dead.internal]
  location: MESH_INTERNAL
  ports: [{ number: 8000, name: http, protocol: HTTP }]
  resolution: STATIC
  endpoints: [{ address: 127.0.0.1, ports: { http: ${dead} } }]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ws, namespace: default }
spec:
  hosts: [ws.internal]
  location: MESH_INTERNAL
  ports: [{ number: 8000, name: http, protocol: HTTP }]
  resolution: STATIC
  endpoints: [{ address: 127.0.0.1, ports: { http: ${wsPort} } }]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: plain, namespace: default }
spec:
  hosts: [plain.internal]
  location: MESH_INTERNAL
  ports: [{ number: 8000, name: http, protocol: HTTP }]
  resolution: STATIC
  endpoints: [{ address: 127.0.0.1, ports: { http: ${echo.port} } }]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: edge, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers:
    - port: { number: 8080, name: http, protocol: HTTP }
      hosts: ["*"]
    - port: { number: 8443, name: https, protocol: HTTPS }
      hosts: ["ws.example.com"]
      tls: { mode: SIMPLE, credentialName: ws-cred }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ws, namespace: default }
spec:
  hosts: [ws.internal, ws.example.com]
  gateways: [mesh, istio-system/edge]
  http:
    - timeout: 0.5s
      headers: { request: { set: { x-route: ws } } }
      route: [{ destination: { host: ws.internal, port: { number: 8000 } } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: plain, namespace: default }
spec:
  hosts: [plain.internal, plain.example.com]
  gateways: [mesh, istio-system/edge]
  http:
    - route: [{ destination: { host: plain.internal, port: { number: 8000 } } }]
`;
  const texts = [yaml, tlsSecretYaml('ws-cred', 'istio-system', pki.issue(['ws.example.com']))];
  const local = [
    {
      name: 'sleep',
      namespace: 'default',
      labels: { app: 'sleep' },
      serviceAccount: 'sleep',
      address: '127.0.0.1',
      ports: {},
    },
  ];
  const side = compileFrom(texts, 'sleep.default', { local }).snapshot;
  const gw = compileFrom(texts, 'istio-ingressgateway').snapshot;
  for (const [snap, name] of [
    [side, 'sidecar'],
    [gw, 'gateway'],
  ] as const) {
    const p = createProxy({
      name,
      clock,
      accessLog: { encoding: 'TEXT', sink: (l) => logs.push(l) },
    });
    p.update(snap);
    proxies.push(p);
  }
  ports.sidecar = (
    await proxies[0]!.listen('virtualOutbound', { host: '127.0.0.1', port: 0 })
  ).port;
  ports.gateway = (await proxies[1]!.listen('0.0.0.0_8080', { host: '127.0.0.1', port: 0 })).port;
  ports.gatewayTls = (
    await proxies[1]!.listen('0.0.0.0_8443', { host: '127.0.0.1', port: 0 })
  ).port;
});

after(async () => {
  for (const p of proxies) await p.close(100);
  for (const r of slow) r.socket.destroy();
  for (const c of wss.clients) c.terminate();
  await new Promise<void>((r) => backend.close(() => r()));
  backend.closeAllConnections();
  await echo.close();
});

function clients(path: string): [string, () => WebSocket][] {
  return [
    [
      'sidecar',
      () =>
        new WebSocket(`ws://127.0.0.1:${ports.sidecar}${path}`, {
          headers: { host: 'ws.internal:8000' },
        }),
    ],
    [
      'gateway',
      () =>
        new WebSocket(`ws://127.0.0.1:${ports.gateway}${path}`, {
          headers: { host: 'ws.example.com' },
        }),
    ],
    [
      'gateway TLS',
      () =>
        new WebSocket(`wss://127.0.0.1:${ports.gatewayTls}${path}`, {
          headers: { host: 'ws.example.com' },
          servername: 'ws.example.com',
          ca: pki.ca.cert,
        } as WebSocket.ClientOptions),
    ],
  ];
}

/** Waits (bounded) for a log line written when a connection closes on the proxy's side. */
async function logged(match: (l: string) => boolean, count = 1): Promise<string[]> {
  for (let i = 0; i < 500; i++) {
    const found = logs.filter(match);
    if (found.length >= count) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
  return logs.filter(match);
}

async function roundTrip(ws: WebSocket, text: string): Promise<string> {
  const reply = once(ws, 'message') as Promise<[Buffer]>;
  ws.send(text);
  const [m] = await reply;
  return m.toString();
}

test('WebSocket through a sidecar and a gateway (plain and TLS): 101, frames both ways, route filters applied', async () => {
  for (const [via, open] of clients('/chat')) {
    handshakes.length = 0;
    const ws = open();
    await once(ws, 'open');
    assert.equal(await roundTrip(ws, `hello ${via}`), `hello ${via}`, via);
    assert.equal(await roundTrip(ws, 'x'.repeat(100_000)), 'x'.repeat(100_000), via);
    const seen = handshakes[0];
    assert.equal(seen?.headers.upgrade, 'websocket', via);
    assert.equal(seen?.headers['x-route'], 'ws', via);
    assert.ok(seen?.headers['x-request-id'], via);
    ws.close();
    await once(ws, 'close');
  }
  // One access-log line per upgraded stream, written when it closes: 101 via_upstream.
  const lines = await logged((l) => l.includes('"GET /chat HTTP/1.1" 101 - via_upstream'), 3);
  assert.equal(lines.length, 3, logs.join(''));
  for (const l of lines) assert.match(l, / outbound\|8000\|\|ws\.internal /);
  // Envoy's HCM counts successful upgrades; none is open any more.
  assert.equal(proxies[1]!.stats().get('http.downstream_cx_upgrades_total'), 2);
  assert.equal(proxies[1]!.stats().get('http.downstream_cx_upgrades_active'), 0);
});

test('the route timeout does not cut an upgraded connection; a plain request on the route times out', async () => {
  const [, open] = clients('/chat')[0]!;
  const ws = open();
  await once(ws, 'open');
  clock.advance(10_000);
  assert.equal(await roundTrip(ws, 'still here'), 'still here');
  ws.close();
  await once(ws, 'close');
  // Same route, no upgrade: timeout 0.5s -> 504 UT.
  const sock = connect(ports.sidecar, '127.0.0.1');
  sock.write('GET /slow HTTP/1.1\r\nhost: ws.internal:8000\r\n\r\n');
  while (slow.length === 0) await new Promise((r) => setTimeout(r, 10));
  clock.advance(600);
  const [data] = (await once(sock, 'data')) as [Buffer];
  assert.match(data.toString(), /^HTTP\/1\.1 504 /);
  sock.destroy();
});

test('an upstream that refuses the handshake answers as an ordinary response', async () => {
  for (const [via, open] of clients('/deny')) {
    const ws = open();
    ws.on('error', () => undefined);
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
    assert.equal(res.statusCode, 403, via);
    const body: Buffer[] = [];
    for await (const c of res) body.push(c as Buffer);
    assert.equal(Buffer.concat(body).toString(), 'denied', via);
    ws.terminate();
  }
  const denied = await logged((l) => l.includes('"GET /deny HTTP/1.1" 403 - via_upstream'), 3);
  assert.equal(denied.length, 3, logs.join(''));
});

function rawExchange(port: number, text: string, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const s: Socket = connect(port, '127.0.0.1', () => s.write(text));
    let out = '';
    s.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (until.test(out)) {
        s.destroy();
        resolve(out);
      }
    });
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
}

test('an upgrade other than websocket: 403 upgrade_failed and the connection closes', async () => {
  const out = await rawExchange(
    ports.sidecar,
    'GET /chat HTTP/1.1\r\nhost: ws.internal:8000\r\nconnection: upgrade\r\nupgrade: foo\r\n\r\n',
    /^$/,
  );
  assert.match(out, /^HTTP\/1\.1 403 /);
  assert.match(out, /connection: close/i);
  const refused = await logged((l) => l.includes('"GET /chat HTTP/1.1" 403 - upgrade_failed'));
  assert.equal(refused.length, 1, logs.join(''));
  assert.equal(proxies[0]!.stats().get('http.downstream_rq_ws_on_non_ws_route'), 1);
});

test('Upgrade: h2c is stripped and the request served as plain HTTP/1.1 on the same connection', async () => {
  const h2cGet =
    'GET /first HTTP/1.1\r\nhost: plain.example.com\r\nconnection: Upgrade, HTTP2-Settings, keep-alive\r\n' +
    'upgrade: h2c\r\nhttp2-settings: AAMAAABkAAQCAAAAAAIAAAAA\r\nx-test: 1\r\n\r\n';
  const second = 'GET /second HTTP/1.1\r\nhost: plain.example.com\r\n\r\n';
  const out = await rawExchange(ports.gateway, h2cGet + second, /"url":"\/second"/);
  const responses = out.split(/(?=HTTP\/1\.1 )/);
  assert.equal(responses.length, 2, out);
  assert.match(responses[0]!, /^HTTP\/1\.1 200 /);
  assert.match(responses[1]!, /^HTTP\/1\.1 200 /);
  const first = echo.received.find((r) => r.url === '/first');
  assert.ok(first);
  assert.equal(first.headers['upgrade'], undefined);
  assert.equal(first.headers['http2-settings'], undefined);
  assert.equal(first.headers['x-test'], '1');
  assert.ok(echo.received.some((r) => r.url === '/second'));
});

// Sidecar to sidecar: the client sidecar originates ISTIO_MUTUAL, the server sidecar's inbound
// listener terminates mesh mTLS and upgrades there too (Istio's inbound HCM has the same
// upgrade_configs: istio/istio pilot/pkg/networking/core/listener_builder.go).
test('WebSocket between two sidecars over mesh mTLS', async () => {
  const ca = createMeshCa();
  const wsPort = (backend.address() as AddressInfo).port;
  const HOST = 'ws.mesh';
  const CLUSTER = outbound(8000, '', HOST);
  const client = createProxy({ name: 'ws-client', identity: () => ca.issue('default', 'sleep') });
  const serverLogs: string[] = [];
  const serverWithLog = createProxy({
    name: 'ws-server-logged',
    identity: () => ca.issue('default', 'ws'),
    accessLog: { encoding: 'TEXT', sink: (l) => serverLogs.push(l) },
  });
  try {
    serverWithLog.update(
      snapshot({
        inbound: {
          8000: routeTable('inbound|8000||', [
            vhost('inbound|http|8000', ['*'], [route('default', forward('inbound|8000||'))]),
          ]),
        },
        clusters: [
          cluster('inbound|8000||', [endpoint('127.0.0.1', wsPort)], { direction: 'inbound' }),
        ],
      }),
    );
    const inbound = await serverWithLog.listen(
      'virtualInbound',
      { host: '127.0.0.1', port: 0 },
      { destinationPort: 8000 },
    );
    client.update(
      snapshot({
        outbound: {
          8000: routeTable('8000', [
            vhost(HOST, [HOST, `${HOST}:8000`], [route('default', forward(CLUSTER))]),
          ]),
        },
        clusters: [
          cluster(CLUSTER, [endpoint('127.0.0.1', inbound.port)], {
            tls: {
              mode: 'ISTIO_MUTUAL',
              insecureSkipVerify: false,
              subjectAltNames: ['spiffe://cluster.local/ns/default/sa/ws'],
            },
          }),
        ],
      }),
    );
    const out = await client.listen('virtualOutbound', { host: '127.0.0.1', port: 0 });
    const ws = new WebSocket(`ws://127.0.0.1:${out.port}/mesh`, {
      headers: { host: `${HOST}:8000` },
    });
    await once(ws, 'open');
    assert.equal(await roundTrip(ws, 'over mtls'), 'over mtls');
    ws.close();
    await once(ws, 'close');
    assert.ok((serverWithLog.stats().get('listener.0.0.0.0_15006.ssl.handshake') ?? 0) >= 1);
    for (let i = 0; i < 500 && !serverLogs.some((l) => l.includes('" 101 ')); i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.ok(
      serverLogs.some((l) => l.includes('"GET /mesh HTTP/1.1" 101 - via_upstream')),
      serverLogs.join(''),
    );
  } finally {
    await client.close(100);
    await serverWithLog.close(100);
  }
});

// envoyproxy/envoy source/common/router/router.cc onUpstreamReset: a connect failure before the
// response is 503 UF with upstream_reset_before_response_started{remote_connection_failure|<transport failure reason>}.
test('a WebSocket handshake to an unreachable upstream gets 503 UF', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${ports.sidecar}/x`, {
    headers: { host: 'dead.internal:8000' },
  });
  ws.on('error', () => undefined);
  const [, res] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
  assert.equal(res.statusCode, 503);
  res.resume();
  ws.terminate();
  const failed = await logged((l) =>
    l.includes(
      '"GET /x HTTP/1.1" 503 UF upstream_reset_before_response_started{remote_connection_failure|delayed_connect_error:_Connection_refused}',
    ),
  );
  assert.equal(failed.length, 1, logs.join(''));
});

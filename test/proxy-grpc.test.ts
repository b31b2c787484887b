// gRPC through a sidecar (h2c, virtualOutbound) and an ingress gateway (plain h2c and TLS h2) to a
// real @grpc/grpc-js server, with a real @grpc/grpc-js client: unary, server-, client- and
// bidirectional streaming; status and trailers end to end; the access log and Istio's
// grpc_response_status label.
// Envoy/Istio behaviour under test:
// - a port named/appProtocol `grpc` gets an HTTP/2 upstream (istio/istio pilot/pkg/networking/core/
//   cluster_builder.go setUpstreamProtocol: port.Protocol.IsHTTP2() => setH2Options);
// - end of an HTTP/2 request is the protocol's END_STREAM, never content-length (gRPC sends none)
//   (envoyproxy/envoy source/common/http/http2/codec_impl.cc);
// - response trailers (grpc-status, grpc-message, custom metadata) reach an HTTP/2 client
//   (envoyproxy/envoy source/common/router/upstream_request.cc decodeTrailers);
// - TE: trailers is kept (envoyproxy/envoy source/common/http/conn_manager_utility.cc sanitizeTEHeader);
// - grpc_response_status is the trailers' grpc-status, else the headers', else the HTTP code mapped
//   (istio/proxy source/extensions/filters/http/istio_stats/istio_stats.cc; envoy
//   source/common/grpc/common.cc getGrpcStatus).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { createProxy, formatGrpcStatus, type Proxy } from '../src/proxy/index.js';
import { IstioStats } from '../src/telemetry/index.js';
import { compileFrom } from './helpers/compile.js';
import { createPki, tlsSecretYaml, type TestPki } from './helpers/certs.js';

const ser = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
const de = (b: Buffer): unknown => JSON.parse(b.toString()) as unknown;
const method = (name: string, requestStream: boolean, responseStream: boolean) => ({
  path: `/test.Echo/${name}`,
  requestStream,
  responseStream,
  requestSerialize: ser,
  requestDeserialize: de,
  responseSerialize: ser,
  responseDeserialize: de,
});
const ECHO = {
  unary: method('Unary', false, false),
  serverStream: method('ServerStream', false, true),
  clientStream: method('ClientStream', true, false),
  bidi: method('Bidi', true, true),
} satisfies grpc.ServiceDefinition;
const EchoClient = grpc.makeGenericClientConstructor(ECHO, 'Echo');
type Msg = { text?: string; fail?: boolean; n?: number };

let server: grpc.Server;
let pki: TestPki;
const proxies: Proxy[] = [];
const logs: string[] = [];
const stats: IstioStats[] = [];
let sidecarPort = 0;
let gatewayPort = 0;
let gatewayTlsPort = 0;

function startServer(): Promise<number> {
  server = new grpc.Server();
  server.addService(ECHO, {
    unary: (call: grpc.ServerUnaryCall<Msg, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      if (call.request.fail) {
        const md = new grpc.Metadata();
        md.set('x-detail', 'gone');
        return cb({ code: grpc.status.NOT_FOUND, details: 'no such thing', metadata: md });
      }
      cb(null, { length: (call.request.text ?? '').length, proto: 'h2' });
    },
    serverStream: (call: grpc.ServerWritableStream<Msg, unknown>) => {
      for (let i = 0; i < (call.request.n ?? 0); i++) call.write({ i });
      call.end();
    },
    clientStream: (
      call: grpc.ServerReadableStream<Msg, unknown>,
      cb: grpc.sendUnaryData<unknown>,
    ) => {
      let sum = 0;
      call.on('data', (m: Msg) => (sum += m.n ?? 0));
      call.on('end', () => cb(null, { sum }));
    },
    bidi: (call: grpc.ServerDuplexStream<Msg, unknown>) => {
      call.on('data', (m: Msg) => call.write({ echo: m.text }));
      call.on('end', () => call.end());
    },
  });
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  );
}

before(async () => {
  const port = await startServer();
  pki = createPki();
  const cert = pki.issue(['greeter.example.com']);
  const yaml = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: greeter, namespace: default }
spec:
  hosts: [greeter.internal]
  location: MESH_INTERNAL
  ports: [{ number: 50051, name: grpc, protocol: GRPC }]
  resolution: STATIC
  endpoints: [{ address: 127.0.0.1, ports: { grpc: ${port} } }]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: auto, namespace: default }
spec:
  hosts: [auto.internal]
  location: MESH_INTERNAL
  ports: [{ number: 50052, name: auto }]
  resolution: STATIC
  endpoints: [{ address: 127.0.0.1, ports: { auto: ${port} } }]
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
      hosts: ["greeter.example.com"]
      tls: { mode: SIMPLE, credentialName: greeter-cred }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: greeter, namespace: istio-system }
spec:
  hosts: ["*"]
  gateways: [edge]
  http:
    - route: [{ destination: { host: greeter.internal, port: { number: 50051 } } }]
`;
  const texts = [yaml, tlsSecretYaml('greeter-cred', 'istio-system', cert)];
  const side = compileFrom(texts, 'sleep.default', {
    local: [
      {
        name: 'sleep',
        namespace: 'default',
        labels: { app: 'sleep' },
        serviceAccount: 'sleep',
        address: '127.0.0.1',
        ports: {},
      },
    ],
  }).snapshot;
  const gw = compileFrom(texts, 'istio-ingressgateway').snapshot;
  for (const [snap, name] of [
    [side, 'sidecar'],
    [gw, 'gateway'],
  ] as const) {
    const p = createProxy({ name, accessLog: { encoding: 'TEXT', sink: (l) => logs.push(l) } });
    const s = new IstioStats({ identity: snap.proxy, workload: name });
    p.observe((ctx) => s.record(ctx));
    stats.push(s);
    p.update(snap);
    proxies.push(p);
  }
  sidecarPort = (await proxies[0]!.listen('virtualOutbound', { host: '127.0.0.1', port: 0 })).port;
  gatewayPort = (await proxies[1]!.listen('0.0.0.0_8080', { host: '127.0.0.1', port: 0 })).port;
  gatewayTlsPort = (await proxies[1]!.listen('0.0.0.0_8443', { host: '127.0.0.1', port: 0 })).port;
});

after(async () => {
  for (const p of proxies) await p.close(100);
  await new Promise<void>((r) => server.tryShutdown(() => r()));
});

type Client = InstanceType<typeof EchoClient>;
function clients(): [string, Client][] {
  const opts = (authority: string): grpc.ClientOptions => ({ 'grpc.default_authority': authority });
  return [
    [
      'sidecar',
      new EchoClient(
        `127.0.0.1:${sidecarPort}`,
        grpc.credentials.createInsecure(),
        opts('greeter.internal:50051'),
      ),
    ],
    [
      'gateway h2c',
      new EchoClient(
        `127.0.0.1:${gatewayPort}`,
        grpc.credentials.createInsecure(),
        opts('greeter.example.com'),
      ),
    ],
    [
      'gateway TLS h2',
      new EchoClient(
        `127.0.0.1:${gatewayTlsPort}`,
        grpc.credentials.createSsl(Buffer.from(pki.ca.cert)),
        {
          ...opts('greeter.example.com'),
          'grpc.ssl_target_name_override': 'greeter.example.com',
        },
      ),
    ],
  ];
}

function unary(c: Client, req: Msg): Promise<{ err: grpc.ServiceError | null; res: unknown }> {
  return new Promise((resolve) =>
    (
      c as unknown as {
        unary(r: Msg, cb: (e: grpc.ServiceError | null, v: unknown) => void): void;
      }
    ).unary(req, (err, res) => resolve({ err, res })),
  );
}

test('unary gRPC (no content-length, body larger than one DATA frame) reaches the server whole', async () => {
  const text = 'x'.repeat(200_000);
  for (const [via, c] of clients()) {
    const { err, res } = await unary(c, { text });
    assert.equal(err, null, `${via}: ${err?.message}`);
    assert.deepEqual(res, { length: text.length, proto: 'h2' }, via);
    c.close();
  }
});

test('gRPC errors: grpc-status, grpc-message and trailing metadata reach the client', async () => {
  for (const [via, c] of clients()) {
    const { err } = await unary(c, { fail: true });
    assert.equal(err?.code, grpc.status.NOT_FOUND, `${via}: ${err?.details}`);
    assert.equal(err?.details, 'no such thing', via);
    assert.deepEqual(err?.metadata.get('x-detail'), ['gone'], via);
    c.close();
  }
});

test('server, client and bidirectional streaming pass with their statuses', async () => {
  for (const [via, c] of clients()) {
    const api = c as unknown as {
      serverStream(r: Msg): grpc.ClientReadableStream<{ i: number }>;
      clientStream(
        cb: (e: grpc.ServiceError | null, v: unknown) => void,
      ): grpc.ClientWritableStream<Msg>;
      bidi(): grpc.ClientDuplexStream<Msg, { echo: string }>;
    };
    const got: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const s = api.serverStream({ n: 5 });
      s.on('data', (m: { i: number }) => got.push(m.i));
      s.on('status', (st: grpc.StatusObject) =>
        st.code === 0 ? resolve() : reject(new Error(st.details)),
      );
      s.on('error', reject);
    });
    assert.deepEqual(got, [0, 1, 2, 3, 4], via);
    const sum = await new Promise<unknown>((resolve, reject) => {
      const w = api.clientStream((e, v) => (e ? reject(e) : resolve(v)));
      for (const n of [1, 2, 3, 4]) w.write({ n });
      w.end();
    });
    assert.deepEqual(sum, { sum: 10 }, via);
    // Bidi: each reply arrives before the next message is sent (a real interleaved stream).
    const echoes: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const d = api.bidi();
      const words = ['a', 'b', 'c'];
      d.on('data', (m: { echo: string }) => {
        echoes.push(m.echo);
        const next = words[echoes.length];
        if (next) d.write({ text: next });
        else d.end();
      });
      d.on('status', (st: grpc.StatusObject) =>
        st.code === 0 ? resolve() : reject(new Error(st.details)),
      );
      d.on('error', reject);
      d.write({ text: words[0] });
    });
    assert.deepEqual(echoes, ['a', 'b', 'c'], via);
    c.close();
  }
});

test('access log and istio_requests_total carry the gRPC outcome', async () => {
  const [, c] = clients()[0]!;
  await unary(c, { fail: true });
  c.close();
  const line = logs.find((l) => l.includes('"POST /test.Echo/Unary HTTP/2" 200'));
  assert.ok(line, logs.join(''));
  assert.match(line, / outbound\|50051\|\|greeter\.internal /);
  const sidecar = stats[0]!.render();
  assert.match(sidecar, /request_protocol="grpc",response_code="200",grpc_response_status="5"/);
  assert.match(sidecar, /request_protocol="grpc",response_code="200",grpc_response_status="0"/);
  const gateway = stats[1]!.render();
  assert.match(gateway, /request_protocol="grpc",response_code="200",grpc_response_status="5"/);
});

test('%GRPC_STATUS% renders as Envoy: camel-case name, number, nothing for non-gRPC', async () => {
  const captured: string[] = [];
  const stop = proxies[0]!.observe((ctx) => {
    captured.push(`${formatGrpcStatus(ctx) ?? '-'} ${formatGrpcStatus(ctx, 'NUMBER') ?? '-'}`);
  });
  const [, c] = clients()[0]!;
  await unary(c, { fail: true });
  await unary(c, { text: 'ok' });
  c.close();
  stop();
  assert.deepEqual(captured, ['NotFound 5', 'OK 0']);
});

// envoyproxy/envoy source/common/http/utility.cc prepareLocalReply: a local reply to a gRPC request
// is Trailers-Only, HTTP 200 with grpc-status from the HTTP status (503 -> 14 UNAVAILABLE) and the
// body as grpc-message.
test('a local reply to a gRPC call is a gRPC status: connect failure -> UNAVAILABLE, logged as 200 UF', async () => {
  // ALLOW_ANY passthrough to a port nothing listens on.
  const c = new EchoClient(`127.0.0.1:${sidecarPort}`, grpc.credentials.createInsecure(), {
    'grpc.default_authority': '127.0.0.1:1',
  });
  const { err } = await unary(c, { text: 'x' });
  c.close();
  assert.equal(err?.code, grpc.status.UNAVAILABLE, err?.details);
  assert.match(err?.details ?? '', /^upstream connect error or disconnect\/reset before headers/);
  assert.ok(
    logs.some((l) => / "POST \/test\.Echo\/Unary HTTP\/2" 200 UF /.test(l)),
    logs.join(''),
  );
});

// istio/istio pilot/pkg/networking/core/cluster_builder.go setUpstreamProtocol: a sidecar's cluster
// for a port with no protocol uses the downstream protocol (USE_DOWNSTREAM_PROTOCOL), so gRPC (h2)
// to it goes upstream over HTTP/2.
test('gRPC to a port without a protocol: the sidecar speaks the downstream HTTP/2 upstream', async () => {
  const c = new EchoClient(`127.0.0.1:${sidecarPort}`, grpc.credentials.createInsecure(), {
    'grpc.default_authority': 'auto.internal:50052',
  });
  const { err, res } = await unary(c, { text: 'auto' });
  c.close();
  assert.equal(err, null, err?.message);
  assert.deepEqual(res, { length: 4, proto: 'h2' });
  assert.ok(
    logs.some((l) => l.includes(' outbound|50052||auto.internal ')),
    logs.join(''),
  );
});

// Envoy's edge limits on every protocol a downstream can speak, not only plaintext HTTP/1 (that is
// test/proxy-connection-limits.test.ts): HTTP/1.1 over TLS on SIMPLE and MUTUAL gateway servers,
// HTTP/2 over TLS (ALPN h2) and h2c, HTTP inside a CONNECT tunnel and the CONNECT head itself, the
// connection budget for TLS connections, and the admin API's own request headers timeout. Real
// sockets, real certificates; sources are cited per test.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as h2connect, type ClientHttp2Session } from 'node:http2';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { createAdminServer } from '../src/admin/server.js';
import { createProxy, type Proxy } from '../src/proxy/index.js';
import { ManualClock } from '../src/runtime/clock.js';
import { testStore } from './admin-test-support.js';
import { createPki, tlsSecretYaml, type Pem, type TestPki } from './helpers/certs.js';
import { compileFrom } from './helpers/compile.js';
import { startEcho, type EchoBackend } from './helpers/echo-backend.js';
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

const GW = 'istio-ingressgateway';
const H = 'productpage.default.svc.cluster.local';
const HEADERS_TIMEOUT_MS = 300;

let pki: TestPki;
let certs: Record<string, Pem>;
let echo: EchoBackend;
let gwClock: ManualClock;
let gw: Proxy;
let gwPort: number;
const gwLines: string[] = [];
let scClock: ManualClock;
let sc: Proxy;
let scPort: number;
const scLines: string[] = [];
const cleanups: (() => Promise<void>)[] = [];

function gatewayConfig(): string[] {
  return [
    `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: backend, namespace: default }
spec:
  hosts: [backend.internal]
  location: MESH_INTERNAL
  ports: [{ number: 8000, name: http, protocol: HTTP }]
  resolution: STATIC
  endpoints: [{ address: 127.0.0.1, ports: { http: ${echo.port} } }]
`,
    tlsSecretYaml('simple-cred', 'istio-system', certs.simple!),
    tlsSecretYaml('mtls-cred', 'istio-system', certs.mtls!, pki.ca.cert),
    `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: edge, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers:
    - port: { number: 443, name: https, protocol: HTTPS }
      hosts: [simple.example.com]
      tls: { mode: SIMPLE, credentialName: simple-cred }
    - port: { number: 443, name: https-mtls, protocol: HTTPS }
      hosts: [mtls.example.com]
      tls: { mode: MUTUAL, credentialName: mtls-cred }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: edge, namespace: default }
spec:
  hosts: [simple.example.com, mtls.example.com]
  gateways: [istio-system/edge]
  http:
    - route: [{ destination: { host: backend.internal } }]
`,
  ];
}

before(async () => {
  pki = createPki();
  certs = {
    simple: pki.issue(['simple.example.com']),
    mtls: pki.issue(['mtls.example.com']),
    client: pki.issue(['client.partner'], { client: true }),
  };
  echo = await startEcho('backend');
  cleanups.push(() => echo.close());
  const { snapshot: gwSnap } = compileFrom(gatewayConfig(), GW);
  gwClock = new ManualClock(Date.UTC(2026, 11, 2, 10, 0, 0));
  gw = createProxy({
    name: GW,
    clock: gwClock,
    requestHeadersTimeoutMs: HEADERS_TIMEOUT_MS,
    accessLog: { encoding: 'TEXT', sink: (l) => gwLines.push(l) },
  });
  cleanups.push(() => gw.close(50));
  gw.update(gwSnap);
  gwPort = (await gw.listen('0.0.0.0_443', { host: '127.0.0.1', port: 0 })).port;

  const C = outbound(9080, 'v1', H);
  scClock = new ManualClock(Date.UTC(2026, 11, 2, 10, 0, 0));
  sc = createProxy({
    name: 'limits-sidecar',
    clock: scClock,
    requestHeadersTimeoutMs: HEADERS_TIMEOUT_MS,
    accessLog: { encoding: 'TEXT', sink: (l) => scLines.push(l) },
  });
  cleanups.push(() => sc.close(50));
  sc.update(
    snapshot({
      outbound: {
        9080: routeTable('9080', [
          vhost(`${H}:9080`, ['productpage:9080'], [route('pp', forward(C))]),
        ]),
      },
      clusters: [cluster(C, [endpoint('127.0.0.1', echo.port)])],
    }),
  );
  scPort = (await sc.listen('virtualOutbound', { host: '127.0.0.1', port: 0 })).port;
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** `n` extra headers of one byte each (`x-h-<i>: v`). */
const extra = (n: number): string[] => Array.from({ length: n }, (_, i) => `x-h-${i}: v`);

/** An HTTP/1.1 request with Host, `headers` and Connection: close (2 + headers.length in all). */
function http1(host: string, headers: string[], method = 'GET'): string {
  return `${method} /h HTTP/1.1\r\nHost: ${host}\r\n${headers.map((h) => h + '\r\n').join('')}Connection: close\r\n\r\n`;
}

/** The TLS options of a client of one gateway server (MUTUAL presents a CA-signed client cert). */
function tlsClient(server: 'simple' | 'mtls'): ConnectionOptions {
  const servername = `${server}.example.com`;
  return {
    host: '127.0.0.1',
    port: gwPort,
    servername,
    ca: pki.ca.cert,
    ...(server === 'mtls' ? { cert: certs.client!.cert, key: certs.client!.key } : {}),
  };
}

/** Writes `text` after the handshake and resolves with everything read until the proxy closes. */
function overTls(server: 'simple' | 'mtls', text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ ...tlsClient(server), ALPNProtocols: ['http/1.1'] }, () =>
      s.write(text),
    );
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString('latin1')));
    s.on('close', () => resolve(out));
    s.on('error', reject);
    // Only a safety net against a hung test, far above any deadline the tests use.
    s.setTimeout(20_000, () => s.destroy());
  });
}

/** Writes `text` on a plain connection and resolves with everything read until the proxy closes. */
function overTcp(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(text));
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString('latin1')));
    s.on('close', () => resolve(out));
    s.on('error', reject);
    s.setTimeout(20_000, () => s.destroy());
  });
}

async function lineMatching(lines: string[], re: RegExp): Promise<string | undefined> {
  for (let i = 0; i < 400; i++) {
    const l = lines.find((x) => re.test(x));
    if (l) return l;
    await new Promise((r) => setTimeout(r, 5));
  }
  return undefined;
}

// envoyproxy/envoy source/common/http/http1/codec_impl.cc completeLastHeader / checkMaxHeadersSize
// run on the decrypted bytes exactly as on plaintext: > 100 headers or > 60 KiB is a 431 with details
// http1.too_many_headers / http1.headers_too_large (Node's TLS fallback once stopped at 16 KiB and
// answered with no access-log line).
for (const server of ['simple', 'mtls'] as const) {
  test(`HTTP/1.1 over TLS (${server}): 100 headers and 59 KiB pass, 101 headers and 61 KiB are 431`, async () => {
    const host = `${server}.example.com`;
    const before = echo.received.length;
    assert.match(await overTls(server, http1(host, extra(98))), /^HTTP\/1\.1 200 /);
    assert.match(
      await overTls(server, http1(host, [`x-big: ${'a'.repeat(59 * 1024)}`])),
      /^HTTP\/1\.1 200 /,
    );
    assert.equal(echo.received.length, before + 2);
    const many = await overTls(server, http1(host, extra(99)));
    assert.match(many, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    const big = await overTls(server, http1(host, [`x-big: ${'a'.repeat(61 * 1024)}`]));
    assert.match(big, /^HTTP\/1\.1 431 /);
    const huge = await overTls(server, http1(host, [`x-big: ${'a'.repeat(200 * 1024)}`]));
    assert.match(huge, /^HTTP\/1\.1 431 /);
    assert.equal(echo.received.length, before + 2, 'refused requests never reach the upstream');
    const logged = gwLines.filter((l) => l.includes(` ${host} `) || l.includes(`"${host}"`));
    assert.ok(logged.some((l) => / 431 DPE http1\.too_many_headers /.test(l)));
    assert.ok(logged.some((l) => / 431 DPE http1\.headers_too_large /.test(l)));
  });
}

// envoyproxy/envoy source/common/http/conn_manager_impl.cc onRequestHeaderTimeout: 408 over TLS too
// (Node's TLS fallback server once kept its own 60 s default and never checked it: it never listens).
test('HTTP/1.1 over TLS: an incomplete head is answered 408 within the request headers timeout', async () => {
  const before = gw.stats().get('http.downstream_rq_header_timeout') ?? 0;
  for (const server of ['simple', 'mtls'] as const) {
    const out = await overTls(server, `GET /h HTTP/1.1\r\nHost: ${server}.example.com\r\nx-p: `);
    assert.match(out, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.match(out, /\r\n\r\nrequest header timeout$/);
  }
  assert.equal(gw.stats().get('http.downstream_rq_header_timeout'), before + 2);
  assert.ok(await lineMatching(gwLines, /" 408 - request_header_timeout /));
});

/** Sends a request whose body stops short and returns what the proxy answers as time passes. */
async function stalledBody(
  proxy: Proxy,
  clock: ManualClock,
  write: (text: string) => Promise<string>,
  text: string,
): Promise<string> {
  let done = false;
  const out = write(text).finally(() => (done = true));
  // The clock moves only once the proxy holds the request (earlier it would also fire the sniffing
  // and handshake timeouts of the connection still opening); then whole idle periods pass until the
  // proxy gives up (the first may still have seen the body's first bytes arrive).
  for (let i = 0; i < 2000 && !done && !(proxy.stats().get('http.downstream_rq_active')! > 0); i++)
    await new Promise((r) => setTimeout(r, 5));
  for (let i = 0; i < 100 && !done; i++) {
    clock.advance(300_000);
    await new Promise((r) => setTimeout(r, 20));
  }
  return out;
}

// envoyproxy/envoy source/common/http/conn_manager_impl.cc onIdleTimeout: stream_idle_timeout (5 min)
// applies to the stream whatever carries it: 408 SI over TLS.
test('HTTP/1.1 over TLS: a request body that stalls for 5 minutes is answered 408 SI', async () => {
  const out = await stalledBody(
    gw,
    gwClock,
    (t) => overTls('simple', t),
    'POST /idle HTTP/1.1\r\nHost: simple.example.com\r\nContent-Length: 10\r\n\r\nabc',
  );
  assert.match(out, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.match(out, /\r\n\r\nstream timeout$/);
  assert.ok(await lineMatching(gwLines, /"POST \/idle HTTP\/1\.1" 408 SI stream_idle_timeout /));
});

/** An HTTP/2 session to the gateway over TLS (ALPN h2) or to the sidecar as h2c. */
function h2session(kind: 'tls' | 'h2c'): ClientHttp2Session {
  const session =
    kind === 'h2c'
      ? h2connect(`http://127.0.0.1:${scPort}`)
      : h2connect(`https://simple.example.com:${gwPort}`, {
          createConnection: () => tlsConnect({ ...tlsClient('simple'), ALPNProtocols: ['h2'] }),
        });
  session.on('error', () => undefined);
  return session;
}

/** One HTTP/2 request; resolves with its status, or the RST_STREAM code when the stream was reset. */
function h2request(
  session: ClientHttp2Session,
  headers: Record<string, string>,
): Promise<{ status?: number; rst?: number; body: string }> {
  return new Promise((resolve) => {
    const req = session.request(headers);
    let status: number | undefined;
    let body = '';
    req.on('response', (h) => (status = Number(h[':status'])));
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('close', () =>
      resolve(status === undefined ? { rst: req.rstCode, body } : { status, body }),
    );
    req.on('error', () => undefined);
    req.end();
  });
}

function h2headers(authority: string, n: number, value = 'v'): Record<string, string> {
  const h: Record<string, string> = { ':path': '/h2', ':authority': authority };
  for (let i = 0; i < n; i++) h[`x-h-${i}`] = value;
  return h;
}

// envoyproxy/envoy source/common/http/http2/codec_impl.cc saveHeader: more than max_headers_count
// (100, pseudo-headers included) or max_request_headers_kb (60) of HPACK-decoded headers resets the
// stream (header_overflow, details http2.too_many_headers); conn_manager_impl.cc onResetStream logs
// it with DPE. Node's own defaults (128 pairs, 64 KiB list) once decided instead.
for (const kind of ['tls', 'h2c'] as const) {
  test(`HTTP/2 (${kind}): 100 headers and 59 KiB pass; 101 headers and 61 KiB reset the stream, logged DPE`, async () => {
    const proxy = kind === 'tls' ? gw : sc;
    const lines = kind === 'tls' ? gwLines : scLines;
    const authority = kind === 'tls' ? 'simple.example.com' : 'productpage:9080';
    const session = h2session(kind);
    const before = echo.received.length;
    // :method, :scheme, :path and :authority + 96 = 100 headers.
    assert.equal((await h2request(session, h2headers(authority, 96))).status, 200);
    const big = { ...h2headers(authority, 0), 'x-big': 'a'.repeat(59 * 1024) };
    assert.equal((await h2request(session, big)).status, 200);
    assert.equal(echo.received.length, before + 2);
    const overflow = proxy.stats().get('http2.header_overflow') ?? 0;
    const many = await h2request(session, h2headers(authority, 97));
    assert.equal(many.status, undefined, 'no response, a reset');
    assert.equal(many.rst, 2, 'RST_STREAM INTERNAL_ERROR');
    const over = await h2request(session, {
      ...h2headers(authority, 0),
      'x-big': 'a'.repeat(61 * 1024),
    });
    assert.equal(over.rst, 2);
    assert.equal(echo.received.length, before + 2, 'refused streams never reach the upstream');
    assert.equal(proxy.stats().get('http2.header_overflow'), overflow + 2);
    // The session survives a stream reset: the next request on it is served.
    assert.equal((await h2request(session, h2headers(authority, 1))).status, 200);
    session.close();
    assert.ok(await lineMatching(lines, /"GET \/h2 HTTP\/2" 0 DPE http2\.too_many_headers /));
  });

  // conn_manager_impl.cc onIdleTimeout: an HTTP/2 stream whose body stalls gets the 408 local reply
  // on that stream (the response had not started), flag SI.
  test(`HTTP/2 (${kind}): a request body that stalls for 5 minutes is answered 408 SI on its stream`, async () => {
    const proxy = kind === 'tls' ? gw : sc;
    const clock = kind === 'tls' ? gwClock : scClock;
    const lines = kind === 'tls' ? gwLines : scLines;
    const authority = kind === 'tls' ? 'simple.example.com' : 'productpage:9080';
    const session = h2session(kind);
    const result = await stalledBody(
      proxy,
      clock,
      async () => {
        const req = session.request({
          ':method': 'POST',
          ':path': '/idle2',
          ':authority': authority,
          'content-length': '10',
        });
        req.write('abc');
        req.on('error', () => undefined);
        const [headers] = (await once(req, 'response')) as [Record<string, unknown>];
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => (body += c));
        await once(req, 'close');
        return `${String(headers[':status'])} ${body}`;
      },
      '',
    );
    session.close();
    assert.equal(result, '408 stream timeout');
    assert.ok(await lineMatching(lines, /"POST \/idle2 HTTP\/2" 408 SI stream_idle_timeout /));
  });
}

// A CONNECT head is an HTTP/1 request like any other (codec_impl.cc): over the limits it is a 431,
// never a tunnel. HTTP inside a tunnel runs the listener's HCM with the same limits and timeout.
test('CONNECT: a head over 100 headers is 431, not a tunnel; HTTP inside a tunnel keeps the 431 and 408 limits', async () => {
  const connectHead = (headers: string[]) =>
    `CONNECT productpage:9080 HTTP/1.1\r\nHost: productpage:9080\r\n${headers.map((h) => h + '\r\n').join('')}\r\n`;
  // Host + 100 = 101 headers.
  const refused = await overTcp(scPort, connectHead(extra(100)));
  assert.match(refused, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  assert.ok(
    await lineMatching(
      scLines,
      /"CONNECT productpage:9080 HTTP\/1\.1" 431 DPE http1\.too_many_headers /,
    ),
  );

  /** Opens a tunnel, then sends `inner` through it; resolves with what came back after the 200. */
  const tunnel = (inner: string) =>
    overTcp(scPort, connectHead([]) + inner).then((out) => {
      assert.match(out, /^HTTP\/1\.1 200 OK\r\n\r\n/);
      return out.slice(out.indexOf('\r\n\r\n') + 4);
    });
  assert.match(await tunnel(http1('productpage:9080', extra(98))), /^HTTP\/1\.1 200 /);
  assert.match(await tunnel(http1('productpage:9080', extra(99))), /^HTTP\/1\.1 431 /);
  assert.match(
    await tunnel(http1('productpage:9080', [`x-big: ${'a'.repeat(59 * 1024)}`])),
    /^HTTP\/1\.1 200 /,
  );
  const slow = await tunnel('GET /h HTTP/1.1\r\nHost: productpage:9080\r\nx-p: ');
  assert.match(slow, /^HTTP\/1\.1 408 Request Timeout\r\n/);
});

/** Opens a TLS connection and resolves once the handshake is done or the connection is gone. */
async function openTls(
  port: number,
): Promise<{ socket: Socket; closed: () => boolean; ok: boolean }> {
  const socket = tlsConnect({ ...tlsClient('simple'), port, ALPNProtocols: ['http/1.1'] });
  let closed = false;
  // events.once would reject on the 'error' a refused handshake emits: listen by hand.
  const ok = await new Promise<boolean>((resolve) => {
    socket.once('secureConnect', () => resolve(true));
    socket.on('error', () => resolve(false));
    socket.once('close', () => {
      closed = true;
      resolve(false);
    });
  });
  return { socket, closed: () => closed, ok };
}

// envoyproxy/envoy source/common/network/tcp_listener_impl.cc onSocketEvent: max_connections is
// checked at accept, before any handshake: a TLS gateway at its limit closes the new socket.
test('connection budget over TLS: a gateway at max 2 closes a third TLS connection at accept', async () => {
  const { snapshot: snap } = compileFrom(gatewayConfig(), GW);
  const limited = createProxy({ name: `${GW}-limited`, maxDownstreamConnections: 2 });
  cleanups.push(() => limited.close(50));
  limited.update(snap);
  const { port } = await limited.listen('0.0.0.0_443', { host: '127.0.0.1', port: 0 });
  const a = await openTls(port);
  const b = await openTls(port);
  const c = await openTls(port);
  assert.equal(a.ok && b.ok, true);
  assert.equal(c.ok, false, 'no handshake over the budget');
  assert.equal(limited.stats().get('listener.0.0.0.0_443.downstream_cx_overflow'), 1);
  a.socket.write(http1('simple.example.com', []));
  let text = '';
  a.socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  await once(a.socket, 'close');
  assert.match(text, /^HTTP\/1\.1 200 /);
  b.socket.destroy();
});

// The admin API shares the process: a connection that sends nothing, an HTTP/0.9 line or half a head
// must not hold a socket for Node's 60 s default, plaintext or TLS (its port serves both).
test('admin API: silent, HTTP/0.9 and incomplete-head connections are closed within the request headers timeout', async () => {
  const admin = createAdminServer({
    store: testStore(),
    token: 't',
    port: 0,
    requestHeadersTimeoutMs: HEADERS_TIMEOUT_MS,
  });
  const { port } = await admin.listen();
  cleanups.push(() => admin.close());
  // Silent: closed without a byte.
  assert.equal(await overTcp(port, ''), '');
  assert.match(await overTcp(port, 'GET /ready\r\n'), /^HTTP\/1\.1 408 /);
  assert.match(await overTcp(port, 'GET /ready HTTP/1.1\r\nHost: x'), /^HTTP\/1\.1 408 /);
  // Over TLS (first byte 0x16 goes to the TLS server), an incomplete head.
  const tls = await new Promise<string>((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () =>
      s.write('GET /ready HTTP/1.1\r\nHost: x'),
    );
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString('latin1')));
    s.on('close', () => resolve(out));
    s.on('error', reject);
    s.setTimeout(20_000, () => s.destroy());
  });
  assert.match(tls, /^HTTP\/1\.1 408 /);
  // A complete request is still served.
  assert.match(
    await overTcp(port, 'GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'),
    /^HTTP\/1\.1 \d{3} /,
  );
});

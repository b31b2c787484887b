// Envoy's edge limits on what a downstream sends before routing, on real sockets: at most 100
// request headers and 60 KiB of them (431), and a request head complete within the request headers
// timeout (408). Sources are cited per test.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as h2connect } from 'node:http2';
import { connect, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { ConnectionBudget, createProxy } from '../src/proxy/index.js';
import type { Proxy } from '../src/proxy/proxy.js';
import { ManualClock } from '../src/runtime/clock.js';
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

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const H = 'productpage.default.svc.cluster.local';

/** Writes `text` on a raw connection and resolves with everything read until the proxy closes it. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(text));
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('close', () => resolve(out));
    s.on('error', reject);
    // Only a safety net against a hung test, far above any deadline the tests use.
    s.setTimeout(20_000, () => s.destroy());
  });
}

async function start(
  name: string,
  extra: {
    requestHeadersTimeoutMs?: number;
    clock?: ManualClock;
    listenerFiltersTimeoutMs?: number;
    maxDownstreamConnections?: number;
    globalConnections?: ConnectionBudget;
    connectionIdleTimeoutMs?: number;
  } = {},
): Promise<{ proxy: Proxy; port: number; app: EchoBackend; lines: string[] }> {
  const app = await startEcho(name);
  cleanups.push(() => app.close());
  const C = outbound(9080, 'v1', H);
  const lines: string[] = [];
  const proxy = createProxy({
    name,
    accessLog: { encoding: 'TEXT', sink: (l) => lines.push(l) },
    ...extra,
  });
  cleanups.push(() => proxy.close(50));
  proxy.update(
    snapshot({
      outbound: {
        9080: routeTable('9080', [
          vhost(`${H}:9080`, ['productpage:9080'], [route('pp', forward(C))]),
        ]),
      },
      clusters: [cluster(C, [endpoint('127.0.0.1', app.port)])],
    }),
  );
  const { port } = await proxy.listen('virtualOutbound', { host: '127.0.0.1', port: 0 });
  return { proxy, port, app, lines };
}

function request(headers: string[]): string {
  return `GET /h HTTP/1.1\r\nHost: productpage:9080\r\n${headers.map((h) => h + '\r\n').join('')}Connection: close\r\n\r\n`;
}

async function logged(lines: string[], n: number): Promise<void> {
  for (let i = 0; i < 200 && lines.length < n; i++) await new Promise((r) => setTimeout(r, 5));
}

// envoyproxy/envoy source/common/http/http1/codec_impl.cc completeLastHeader / checkMaxHeadersSize:
// more than max_request_headers_count (100, api/envoy/config/core/v3/protocol.proto) headers, or
// names + values over max_request_headers_kb (60, http_connection_manager.proto), is a 431 with
// details http1.too_many_headers / http1.headers_too_large, flag DPE, and the connection closes.
test('request headers: 100 pass, 101 and 2000 are 431 too_many_headers, before routing', async () => {
  const { proxy, port, app, lines } = await start('limits-count');
  // Host + 98 + Connection = 100 headers.
  const hundred = Array.from({ length: 98 }, (_, i) => `x-h-${i}: v`);
  const ok = await raw(port, request(hundred));
  assert.match(ok, /^HTTP\/1\.1 200 /);
  assert.equal(app.received.length, 1);
  assert.equal(app.received[0]?.headers['x-h-97'], 'v');

  for (const n of [99, 2000]) {
    const over = await raw(port, request(Array.from({ length: n }, (_, i) => `x-h-${i}: v`)));
    assert.match(over, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    assert.match(over, /\r\n\r\nRequest Header Fields Too Large$/);
  }
  assert.equal(app.received.length, 1, 'refused requests never reach the upstream');
  await logged(lines, 3);
  assert.match(lines[1] ?? '', /"GET \/h HTTP\/1\.1" 431 DPE http1\.too_many_headers /);
  assert.match(lines[2] ?? '', /"GET \/h HTTP\/1\.1" 431 DPE http1\.too_many_headers /);
  assert.equal(proxy.stats().get('http.downstream_cx_protocol_error'), 2);
});

test('request headers: 59 KiB pass (Node alone stops at 16 KiB), over 60 KiB is 431 headers_too_large', async () => {
  const { proxy, port, app, lines } = await start('limits-size');
  const ok = await raw(port, request([`x-big: ${'a'.repeat(59 * 1024)}`]));
  assert.match(ok, /^HTTP\/1\.1 200 /);
  assert.equal(app.received[0]?.headers['x-big']?.length, 59 * 1024);

  const over = await raw(port, request([`x-big: ${'a'.repeat(61 * 1024)}`]));
  assert.match(over, /^HTTP\/1\.1 431 /);
  await logged(lines, 2);
  assert.match(lines[1] ?? '', /"GET \/h HTTP\/1\.1" 431 DPE http1\.headers_too_large /);

  // A head beyond what the parser holds at all is refused by it: still a logged 431, not a crash.
  const huge = await raw(port, request([`x-big: ${'a'.repeat(200 * 1024)}`]));
  assert.match(huge, /^HTTP\/1\.1 431 /);
  await logged(lines, 3);
  assert.match(lines[2] ?? '', /" 431 DPE http1\.headers_too_large /);
  assert.equal(app.received.length, 1);
  assert.equal(proxy.stats().get('http.downstream_cx_protocol_error'), 2);
});

// envoyproxy/envoy source/common/http/conn_manager_impl.cc onRequestHeaderTimeout: 408 (the request
// is not complete), body "request header timeout", details request_header_timeout, counter
// downstream_rq_header_timeout. Edge guidance (docs/root/configuration/best_practices/_include/edge.yaml):
// request_headers_timeout 10s; the test injects 200 ms.
test('request headers timeout: an incomplete head is answered 408 and closed', async () => {
  const { proxy, port, app, lines } = await start('limits-timeout', {
    requestHeadersTimeoutMs: 200,
  });
  const slow = await raw(port, 'GET /h HTTP/1.1\r\nHost: productpage:9080\r\nx-partial: ');
  assert.match(slow, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.match(slow, /\r\n\r\nrequest header timeout$/);
  assert.equal(app.received.length, 0);
  await logged(lines, 1);
  assert.match(lines[0] ?? '', /" 408 - request_header_timeout /);
  assert.equal(proxy.stats().get('http.downstream_rq_header_timeout'), 1);
  // A complete head in time is served as usual.
  const ok = await raw(port, request([]));
  assert.match(ok, /^HTTP\/1\.1 200 /);
});

// Envoy's request header timer belongs to a stream and is disarmed once its headers arrive
// (conn_manager_impl.cc decodeHeaders): an idle keep-alive connection after a response is not
// answered 408 (its limit is the connection idle_timeout).
test('request headers timeout: an idle keep-alive connection after a response gets no 408', async () => {
  const { port } = await start('limits-idle', { requestHeadersTimeoutMs: 200 });
  const out = await new Promise<string>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () =>
      s.write('GET /h HTTP/1.1\r\nHost: productpage:9080\r\n\r\n'),
    );
    let text = '';
    s.on('data', (d) => {
      text += d.toString('latin1');
      // Past several timeout periods after the response, the connection has seen nothing more.
      if (text.includes('\r\n\r\n')) setTimeout(() => s.destroy(), 1000);
    });
    s.on('close', () => resolve(text));
    s.on('error', reject);
  });
  assert.match(out, /^HTTP\/1\.1 200 /);
  assert.doesNotMatch(out, /408/);
});

// envoyproxy/envoy source/common/http/conn_manager_impl.cc onIdleTimeout: no activity on a stream
// for stream_idle_timeout (default 5 mins, http_connection_manager.proto) while the request is not
// complete is a 408 "stream timeout", flag SI, details stream_idle_timeout, downstream_rq_idle_timeout.
test('stream idle timeout: a request body that stalls for 5 minutes is answered 408 SI', async () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 2, 10, 0, 0));
  const { proxy, port, lines } = await start('limits-idle-body', { clock });
  let done = false;
  const out = new Promise<string>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () =>
      s.write('POST /h HTTP/1.1\r\nHost: productpage:9080\r\nContent-Length: 10\r\n\r\nabc'),
    );
    let text = '';
    s.on('data', (d) => (text += d.toString('latin1')));
    s.on('close', () => {
      done = true;
      resolve(text);
    });
    s.on('error', reject);
    s.setTimeout(20_000, () => s.destroy());
  });
  // Once the request is being forwarded (its body 7 bytes short), let whole idle periods pass until
  // the proxy gives up (the first period may still have seen the body's first bytes arrive).
  for (let i = 0; i < 2000 && !proxy.endpoints().some((e) => e.active > 0); i++)
    await new Promise((r) => setTimeout(r, 5));
  for (let i = 0; i < 100 && !done; i++) {
    clock.advance(300_000);
    await new Promise((r) => setTimeout(r, 20));
  }
  const text = await out;
  assert.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.match(text, /\r\n\r\nstream timeout$/);
  await logged(lines, 1);
  assert.match(lines[0] ?? '', /"POST \/h HTTP\/1\.1" 408 SI stream_idle_timeout /);
  assert.equal(proxy.stats().get('http.downstream_rq_idle_timeout'), 1);
});

// envoyproxy/envoy source/extensions/filters/listener/http_inspector/http_inspector.cc: bytes that
// are still a prefix of the HTTP/2 preface ask for more data; only the whole preface is HTTP/2.
test('protocol sniffing: a POST whose first read is the single byte P is HTTP/1, not HTTP/2', async () => {
  const { port, app } = await start('sniff-p');
  const out = await new Promise<string>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      s.setNoDelay(true);
      s.write('P');
      setTimeout(
        () =>
          s.write(
            'OST /h HTTP/1.1\r\nHost: productpage:9080\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi',
          ),
        100,
      );
    });
    let text = '';
    s.on('data', (d) => (text += d.toString('latin1')));
    s.on('close', () => resolve(text));
    s.on('error', reject);
    s.setTimeout(20_000, () => s.destroy());
  });
  assert.match(out, /^HTTP\/1\.1 200 /);
  assert.equal(app.received[0]?.method, 'POST');
});

// envoyproxy/envoy api/envoy/config/listener/v3/listener.proto listener_filters_timeout (15 s): a
// socket whose protocol is not known in time is closed without a connection (downstream_pre_cx_timeout).
test('protocol sniffing: a connection that sends nothing, or half a preface, is closed at the listener filters timeout', async () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 2, 10, 0, 0));
  const { proxy, port } = await start('sniff-silent', { clock });
  for (const first of ['', 'PRI * HTTP']) {
    let closed = false;
    const s = connect(port, '127.0.0.1', () => {
      if (first) s.write(first);
    });
    s.on('close', () => (closed = true));
    s.on('error', () => undefined);
    s.resume();
    await new Promise((r) => s.once('connect', r));
    for (let i = 0; i < 200 && !closed; i++) {
      await new Promise((r) => setTimeout(r, 10));
      clock.advance(15_000);
    }
    assert.ok(closed, `closed (${first || 'silent'})`);
  }
  assert.equal(proxy.stats().get('listener.0.0.0.0_15001.downstream_pre_cx_timeout'), 2);
});

/** Opens a TCP connection and resolves once connected; `closed` tells whether the proxy closed it. */
async function open(
  port: number,
): Promise<{ socket: Socket; closed: () => boolean; gone: Promise<unknown> }> {
  const socket = connect(port, '127.0.0.1');
  let closed = false;
  const gone = once(socket, 'close').then(() => (closed = true));
  socket.on('error', () => undefined);
  socket.resume();
  await once(socket, 'connect');
  return { socket, closed: () => closed, gone };
}

// envoyproxy/envoy source/common/network/tcp_listener_impl.cc onSocketEvent: a listener at
// max_connections closes the new socket (downstream_cx_overflow); the overload manager's
// global_downstream_max_connections does the same for the process (downstream_global_cx_overflow).
test('connection limits: over a proxy max or the shared global budget, a new connection is closed at accept; open ones keep working', async () => {
  const { proxy, port } = await start('limits-max', { maxDownstreamConnections: 2 });
  const a = await open(port);
  const b = await open(port);
  const c = await open(port);
  await c.gone; // refused without a byte
  assert.equal(a.closed() || b.closed(), false);
  assert.equal(proxy.stats().get('listener.0.0.0.0_15001.downstream_cx_overflow'), 1);
  a.socket.write('GET /h HTTP/1.1\r\nHost: productpage:9080\r\nConnection: close\r\n\r\n');
  let text = '';
  a.socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  await a.gone;
  assert.match(text, /^HTTP\/1\.1 200 /);
  b.socket.destroy();

  const global = new ConnectionBudget(2);
  const one = await start('limits-global-1', { globalConnections: global });
  const two = await start('limits-global-2', { globalConnections: global });
  const x = await open(one.port);
  const y = await open(two.port);
  const z = await open(one.port);
  await z.gone;
  assert.equal(x.closed() || y.closed(), false);
  assert.equal(one.proxy.stats().get('listener.0.0.0.0_15001.downstream_global_cx_overflow'), 1);
  x.socket.destroy();
  y.socket.destroy();
  await Promise.all([x.gone, y.gone]);
  for (let i = 0; i < 200 && global.active > 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(global.active, 0, 'closed connections give their budget back');
});

// envoyproxy/envoy api/envoy/config/core/v3/protocol.proto HttpProtocolOptions.idle_timeout (1 h):
// no request in flight for that long closes the connection; HTTP/2 gets GOAWAY first.
test('connection idle timeout: an idle HTTP/1 keep-alive connection and an idle HTTP/2 session are closed', async () => {
  const { port } = await start('limits-cx-idle', { connectionIdleTimeoutMs: 300 });
  const h1 = await open(port);
  h1.socket.write('GET /h HTTP/1.1\r\nHost: productpage:9080\r\n\r\n');
  await h1.gone;
  const session = h2connect(`http://127.0.0.1:${port}`);
  session.on('error', () => undefined);
  const goaway = once(session, 'goaway');
  const req = session.request({ ':path': '/h', ':authority': 'productpage:9080' });
  req.resume();
  const [headers] = (await once(req, 'response')) as [Record<string, unknown>];
  assert.equal(headers[':status'], 200);
  await goaway;
  await once(session, 'close');
});

// Envoy's HTTP/1 codecs serve HTTP/1.0 and 1.1 only: a request line without a version is a codec
// error answered 400 and closed at once, not held until the request headers timeout.
test('an HTTP/0.9 request line is answered 400 and closed at once', async () => {
  const { port, app, lines } = await start('limits-http09');
  const out = await raw(port, 'GET /h\r\n');
  assert.match(out, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.equal(app.received.length, 0);
  await logged(lines, 1);
  assert.match(lines[0] ?? '', / 400 DPE http1\.codec_error /);
});

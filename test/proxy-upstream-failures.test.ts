// A dying or broken upstream never hangs a client and never crashes the proxy. A response that
// breaks HTTP/1.1 framing is an upstream protocol error: Envoy's router answers 502 with flag UPE and
// details upstream_reset_before_response_started{protocol_error}, discards the connection, and retries
// it only under 5xx / gateway-error / reset, never as a connect failure
// (envoyproxy/envoy source/common/router/router.cc onUpstreamReset, streamResetReasonToResponseFlag;
// source/common/http/http1/codec_impl.cc onHeadersComplete; source/common/router/retry_state_impl.cc).
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, test } from 'node:test';
import type { RetryPolicy } from '../src/compile/snapshot.js';
import { createProxy } from '../src/proxy/index.js';
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

const OK_TAIL = 'content-length: 0\r\n\r\n';
/** Raw responses that break HTTP/1.1 framing, each a protocol error in Envoy's HTTP/1 codec. */
const malformed: Record<string, string> = {
  'invalid status line': 'HTTP/1.1 abc\r\n\r\n',
  'invalid HTTP version': 'HTTP/9.9 200 OK\r\n' + OK_TAIL,
  'not HTTP at all': 'hello\r\n\r\n',
  'invalid header name': 'HTTP/1.1 200 OK\r\nx y: a\r\n' + OK_TAIL,
  'NUL in a header value': 'HTTP/1.1 200 OK\r\nx: a\0b\r\n' + OK_TAIL,
  'conflicting Content-Length':
    'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nabc',
  'Content-Length with Transfer-Encoding':
    'HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  'unsupported transfer-coding':
    'HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
};
const other: Record<string, (s: Socket) => void> = {
  // Connection: close and fewer body bytes than Content-Length: a cut connection, not bad framing.
  shortclose: (s) =>
    s.end('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 100\r\n\r\nabc'),
  // Headers pass, then the body breaks framing: the response has started.
  badchunk: (s) => s.end('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n'),
  close: (s) => s.destroy(),
  midbody: (s) => {
    s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nabc');
    setImmediate(() => s.destroy());
  },
};

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A raw TCP server on port 0 answering each request by its x-case header; counts connections and requests. */
async function rawUpstream() {
  const stats = { connections: 0, requests: 0 };
  const up = createServer((s) => {
    stats.connections++;
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => {
      stats.requests++;
      const name = decodeURIComponent(/x-case: ([^\r\n]+)/i.exec(d.toString())?.[1] ?? 'close');
      const raw = malformed[name];
      if (raw !== undefined) s.end(raw);
      else (other[name] ?? other.close!)(s);
    });
  });
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
  cleanups.push(() => void up.close());
  return { port: (up.address() as AddressInfo).port, stats };
}

async function proxyTo(upPort: number, retry?: RetryPolicy) {
  const C = outbound(80, '', 'u');
  const logs: Record<string, unknown>[] = [];
  const proxy = createProxy({
    name: 'failures',
    accessLog: {
      encoding: 'JSON',
      sink: (l) => logs.push(JSON.parse(l) as Record<string, unknown>),
    },
  });
  cleanups.push(() => proxy.close(100));
  proxy.update(
    snapshot({
      outbound: { 80: routeTable('80', [vhost('u', ['u'], [route('r', forward(C, { retry }))])]) },
      clusters: [cluster(C, [endpoint('127.0.0.1', upPort)])],
    }),
  );
  const { port } = await proxy.listen('virtualOutbound', { host: '127.0.0.1', port: 0 });
  const get = (name: string) =>
    new Promise<{ status: string; body: string }>((resolve) => {
      const req = request(
        {
          port,
          host: '127.0.0.1',
          path: '/',
          headers: { host: 'u', 'x-case': encodeURIComponent(name) },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: String(res.statusCode), body }));
          res.on('error', () => resolve({ status: 'reset', body }));
        },
      );
      req.on('error', () => resolve({ status: 'reset', body: '' }));
      req.end();
    });
  const logAt = async (i: number) => {
    for (let n = 0; n < 100 && logs.length <= i; n++) await new Promise((r) => setImmediate(r));
    return logs[i] ?? {};
  };
  return { proxy, get, logAt, C };
}

test('malformed upstream responses: 502 UPE protocol_error, connection discarded', async () => {
  const up = await rawUpstream();
  const p = await proxyTo(up.port);
  let i = 0;
  for (const name of Object.keys(malformed)) {
    const r = await p.get(name);
    assert.equal(r.status, '502', name);
    assert.equal(
      r.body,
      'upstream connect error or disconnect/reset before headers. reset reason: protocol error',
      name,
    );
    const log = await p.logAt(i++);
    assert.equal(log.response_flags, 'UPE', name);
    assert.equal(
      log.response_code_details,
      'upstream_reset_before_response_started{protocol_error}',
      name,
    );
    assert.equal(log.upstream_transport_failure_reason, null, name);
    // The connection was made: %UPSTREAM_LOCAL_ADDRESS% is its local ip:port.
    assert.match(String(log.upstream_local_address), /^127\.0\.0\.1:\d+$/, name);
  }
  // Every broken exchange discarded its connection: one new connection per request.
  assert.equal(up.stats.connections, Object.keys(malformed).length);
  assert.equal(p.proxy.stats().get(`cluster.${p.C}.upstream_rq_active`), 0);
  assert.equal(p.proxy.stats().get(`cluster.${p.C}.upstream_cx_connect_fail`) ?? 0, 0);
  assert.equal(
    p.proxy.stats().get(`cluster.${p.C}.upstream_cx_protocol_error`),
    Object.keys(malformed).length,
  );
});

test('a closed or cut upstream: 503 UC before headers; after them a downstream reset (UC, or UPE for broken framing)', async () => {
  const up = await rawUpstream();
  const p = await proxyTo(up.port);
  const closed = await p.get('close');
  assert.equal(closed.status, '503');
  assert.equal(
    closed.body,
    'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
  );
  const l0 = await p.logAt(0);
  assert.equal(l0.response_flags, 'UC');
  assert.equal(
    l0.response_code_details,
    'upstream_reset_before_response_started{connection_termination}',
  );
  assert.equal((await p.get('midbody')).status, 'reset');
  const l1 = await p.logAt(1);
  assert.equal(l1.response_code, 200);
  assert.equal(l1.response_flags, 'UC');
  assert.equal(
    l1.response_code_details,
    'upstream_reset_after_response_started{connection_termination}',
  );
  assert.equal((await p.get('shortclose')).status, 'reset');
  const short = await p.logAt(2);
  assert.equal(short.response_flags, 'UC');
  assert.equal(
    short.response_code_details,
    'upstream_reset_after_response_started{connection_termination}',
  );
  // A body that breaks chunked framing after the headers went out: reset, UPE.
  assert.equal((await p.get('badchunk')).status, 'reset');
  const l2 = await p.logAt(3);
  assert.equal(l2.response_flags, 'UPE');
  assert.equal(l2.response_code_details, 'upstream_reset_after_response_started{protocol_error}');
});

test('a protocol error is not a connect failure: Istio default retryOn does not retry it, reset does', async () => {
  const istioDefault: RetryPolicy = {
    numRetries: 2,
    retryOn: [
      'connect-failure',
      'refused-stream',
      'unavailable',
      'cancelled',
      'retriable-status-codes',
    ],
    retriableStatusCodes: [503],
    retryIgnorePreviousHosts: false,
    backoffBaseMs: 1,
  };
  const up = await rawUpstream();
  const p = await proxyTo(up.port, istioDefault);
  assert.equal((await p.get('invalid status line')).status, '502');
  assert.equal(up.stats.requests, 1);
  assert.equal((await p.logAt(0)).response_flags, 'UPE');

  const up2 = await rawUpstream();
  const p2 = await proxyTo(up2.port, { ...istioDefault, retryOn: ['reset'] });
  const r = await p2.get('invalid status line');
  assert.equal(r.status, '502');
  assert.equal(up2.stats.requests, 3);
  assert.equal(
    r.body,
    'upstream connect error or disconnect/reset before headers. retried and the latest reset reason: protocol error',
  );
  assert.equal((await p2.logAt(0)).response_flags, 'URX,UPE');
});

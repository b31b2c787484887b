// The raw HTTP/1 downstream codec (src/proxy/listener/http1-connection.ts) on a real proxy, written
// to with raw sockets: pipelined requests answered in order, Expect: 100-continue answered by the
// proxy, HTTP/1.0 keep-alive only when asked, a response without a length sent chunked (HTTP/1.1)
// or to the close (HTTP/1.0), HEAD without a body, and the same answers with http1Codec 'node'.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createProxy } from '../src/proxy/index.js';
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

const H = 'app.default.svc.cluster.local';

/** Decodes a complete chunked body (RFC 9112 section 7.1); throws on a framing error. */
function dechunk(wire: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = wire.indexOf('\r\n', at);
    assert.ok(eol > at, `chunk size line at ${at}: ${JSON.stringify(wire)}`);
    const size = parseInt(wire.slice(at, eol), 16);
    assert.ok(Number.isInteger(size), `chunk size: ${JSON.stringify(wire)}`);
    at = eol + 2;
    if (size === 0) {
      assert.equal(wire.slice(at), '\r\n', 'last-chunk then the end of the message');
      return out;
    }
    out += wire.slice(at, at + size);
    at += size;
    assert.equal(wire.slice(at, at + 2), '\r\n', 'CRLF after chunk data');
    at += 2;
  }
}

async function start(codec: 'raw' | 'node'): Promise<{ port: number; app: EchoBackend }> {
  const app = await startEcho(`codec-${codec}`, (req, res) => {
    // /stream answers without a length: the proxy chooses the downstream framing.
    if (req.url !== '/stream') return false;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('hello ');
    res.end('world');
    return true;
  });
  cleanups.push(() => app.close());
  const C = outbound(80, '', H);
  const proxy = createProxy({ name: `codec-${codec}`, http1Codec: codec });
  cleanups.push(() => proxy.close(50));
  proxy.update(
    snapshot({
      outbound: { 80: routeTable('80', [vhost('a', ['*'], [route('r', forward(C))])]) },
      clusters: [cluster(C, [endpoint('127.0.0.1', app.port)])],
    }),
  );
  const { port } = await proxy.listen('virtualOutbound', { host: '127.0.0.1', port: 0 });
  return { port, app };
}

/** Writes `parts` (with a pause between them) and resolves with all bytes read until the close. */
function exchange(port: number, parts: string[], gapMs = 50): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', async () => {
      for (const [i, p] of parts.entries()) {
        if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
        s.write(p);
      }
    });
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString('latin1')));
    s.on('close', () => resolve(out));
    s.on('error', reject);
    s.setTimeout(10_000, () => s.destroy());
  });
}

const statuses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);

for (const codec of ['raw', 'node'] as const) {
  test(`${codec}: pipelined requests are answered in order on one connection`, async () => {
    const { port, app } = await start(codec);
    const out = await exchange(port, [
      'GET /one HTTP/1.1\r\nHost: a\r\n\r\n' +
        'POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc' +
        'GET /three HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    ]);
    assert.deepEqual(statuses(out), ['200', '200', '200']);
    assert.deepEqual(
      app.received.map((r) => [r.url, r.bodyLength]),
      [
        ['/one', 0],
        ['/two', 3],
        ['/three', 0],
      ],
    );
    assert.ok(out.indexOf('"/one"') < out.indexOf('"/two"'));
    assert.ok(out.indexOf('"/two"') < out.indexOf('"/three"'));
  });

  test(`${codec}: Expect: 100-continue is answered before the body is sent`, async () => {
    const { port, app } = await start(codec);
    const out = await exchange(port, [
      'POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n',
      'hello',
    ]);
    assert.match(out, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    assert.equal(app.received[0]?.bodyLength, 5);
    // Expect is not forwarded (the proxy answered it).
    assert.equal(app.received[0]?.headers['expect'], undefined);
  });

  test(`${codec}: a response without a length is chunked on HTTP/1.1, close-delimited on HTTP/1.0`, async () => {
    const { port } = await start(codec);
    const v11 = await exchange(port, [
      'GET /stream HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    ]);
    assert.match(v11, /transfer-encoding: chunked\r\n/i);
    // Chunk boundaries follow the reads from the upstream (Node 24's server sends both writes in
    // one packet, Node 20's often in two): check the framing and the decoded body, not the sizes.
    assert.equal(dechunk(v11.slice(v11.indexOf('\r\n\r\n') + 4)), 'hello world');
    const v10 = await exchange(port, ['GET /stream HTTP/1.0\r\nHost: a\r\n\r\n']);
    assert.doesNotMatch(v10, /transfer-encoding/i);
    assert.match(v10, /\r\n\r\nhello world$/);
  });

  test(`${codec}: HTTP/1.0 keeps the connection only with Connection: keep-alive; HEAD has no body`, async () => {
    const { port, app } = await start(codec);
    const out = await exchange(port, [
      'HEAD /h HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n',
      'GET /g HTTP/1.0\r\nHost: a\r\n\r\n',
    ]);
    assert.deepEqual(statuses(out), ['200', '200']);
    assert.deepEqual(
      app.received.map((r) => r.method),
      ['HEAD', 'GET'],
    );
    const [headPart] = out.split(/HTTP\/1\.1 200/).slice(1);
    // The HEAD answer ends with its head: the next response starts right after the blank line.
    assert.match(headPart ?? '', /content-length: \d+\r\n(?:.*\r\n)*\r\n$/i);
  });
}

// The same requests through both downstream codecs: the status each answers and what reaches the
// upstream (method, target, body length) agree. Refusals only the raw codec makes are listed in
// docs/http1-codec.md and left out here.
test('raw and node codecs agree on a corpus of valid, malformed and smuggling-prone requests', async () => {
  const corpus = [
    'GET /a?x=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    'POST /cl HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nConnection: close\r\n\r\nabcd',
    'POST /ch HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nab\r\n3;e=1\r\ncde\r\n0\r\nx-t: 1\r\n\r\n',
    'GET http://a/abs HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n',
    'GET /ten HTTP/1.0\r\n\r\n',
    'DELETE /d HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
    'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\r\nX : b\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n',
    'GET / HTTP/1.1\nHost: a\n\n',
    'GET / HTTP/1.1\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n\r\n',
  ];
  const results: Record<string, string[]> = {};
  for (const codec of ['raw', 'node'] as const) {
    const { port, app } = await start(codec);
    results[codec] = [];
    for (const c of corpus) {
      const before = app.received.length;
      const out = await exchange(port, [c]);
      const got = app.received.slice(before).map((r) => `${r.method} ${r.url} ${r.bodyLength}`);
      results[codec].push(`${statuses(out)[0] ?? 'closed'} ${got.join(',')}`);
    }
  }
  assert.deepEqual(results['raw'], results['node']);
});

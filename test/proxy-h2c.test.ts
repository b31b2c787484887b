// h2c on both sides: an HTTP/2 (prior knowledge) client through the proxy to an HTTP/1.1 backend,
// and to an HTTP/2 backend for an `http2` cluster.
import assert from 'node:assert/strict';
import { connect, createServer as createH2Server, type ClientHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { createProxy } from '../src/proxy/index.js';
import { startEcho } from './helpers/echo-backend.js';
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

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function h2get(
  session: ClientHttp2Session,
  authority: string,
  path: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = session.request({
      ':method': 'GET',
      ':path': path,
      ':authority': authority,
      'x-test': '1',
    });
    let status = 0;
    let headers: Record<string, unknown> = {};
    let body = '';
    req.on('response', (h) => {
      status = Number(h[':status']);
      headers = h;
    });
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => resolve({ status, headers, body }));
    req.on('error', reject);
    req.end();
  });
}

test('h2c downstream to an HTTP/1.1 upstream, and to an h2c upstream for an http2 cluster', async () => {
  const h1 = await startEcho('h1');
  cleanups.push(() => h1.close());
  const h2seen: string[] = [];
  const h2backend = createH2Server((req, res) => {
    h2seen.push(
      `${req.httpVersion} ${req.headers[':authority'] ?? ''} ${req.headers['x-test'] ?? ''}`,
    );
    res.writeHead(200, { 'content-type': 'text/plain', 'x-backend': 'h2' });
    res.end('from h2');
  });
  await new Promise<void>((r) => h2backend.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => h2backend.close(() => r())));
  const C1 = outbound(80, 'h1', 'svc.default.svc.cluster.local');
  const C2 = outbound(80, 'h2', 'svc.default.svc.cluster.local');
  const proxy = createProxy({ name: 'h2c' });
  proxy.update(
    snapshot({
      outbound: {
        80: routeTable('80', [
          vhost(
            'svc',
            ['svc'],
            [
              route('h1', forward(C1), { path: { kind: 'prefix', value: '/h1' } }),
              route('h2', forward(C2)),
            ],
          ),
        ]),
      },
      clusters: [
        cluster(C1, [endpoint('127.0.0.1', h1.port)]),
        cluster(C2, [endpoint('127.0.0.1', (h2backend.address() as AddressInfo).port)], {
          protocol: 'http2',
        }),
      ],
    }),
  );
  const { port } = await proxy.listen('virtualOutbound', { host: '127.0.0.1', port: 0 });
  cleanups.push(() => proxy.close(100));
  const session = connect(`http://127.0.0.1:${port}`);
  cleanups.unshift(() => void session.close());
  const r1 = await h2get(session, 'svc', '/h1/x');
  assert.equal(r1.status, 200);
  assert.equal(r1.headers['x-backend'], 'h1');
  assert.equal(h1.received[0]?.headers['x-test'], '1');
  assert.equal(h1.received[0]?.headers.host, 'svc');
  const r2 = await h2get(session, 'svc', '/other');
  assert.equal(r2.status, 200);
  assert.equal(r2.body, 'from h2');
  assert.deepEqual(h2seen, ['2.0 svc 1']);
  const nr = await h2get(session, 'unknown', '/');
  assert.equal(nr.status, 404);
});

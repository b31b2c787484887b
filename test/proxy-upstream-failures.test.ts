// A dying or broken upstream never hangs a client and never crashes the proxy: each failure ends
// in Envoy's local reply and response flag (UPE, UC), or a downstream reset once headers are sent.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, test } from 'node:test';
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

const modes: Record<string, (s: Socket) => void> = {
  garbage: (s) => s.end('HTTP/1.1 abc\r\n\r\n'),
  badheader: (s) => s.end('HTTP/1.1 200 OK\r\nx: a\0b\r\ncontent-length: 0\r\n\r\n'),
  close: (s) => s.destroy(),
  midbody: (s) => {
    s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nabc');
    setTimeout(() => s.destroy(), 20);
  },
};
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test('broken upstream responses: UPE / UC local replies, or a reset after headers', async () => {
  const up = createServer((s) =>
    s.once('data', (d: Buffer) => modes[/x-mode: (\w+)/i.exec(d.toString())?.[1] ?? 'close']?.(s)),
  );
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
  cleanups.push(() => void up.close());
  const C = outbound(80, '', 'u');
  const lines: string[] = [];
  const proxy = createProxy({
    name: 'failures',
    accessLog: { encoding: 'TEXT', sink: (l) => lines.push(l) },
  });
  cleanups.push(() => proxy.close(100));
  proxy.update(
    snapshot({
      outbound: { 80: routeTable('80', [vhost('u', ['u'], [route('r', forward(C))])]) },
      clusters: [cluster(C, [endpoint('127.0.0.1', (up.address() as AddressInfo).port)])],
    }),
  );
  const { port } = await proxy.listen('virtualOutbound', { host: '127.0.0.1', port: 0 });
  const get = (mode: string) =>
    new Promise<string>((resolve) => {
      const req = request(
        { port, host: '127.0.0.1', path: '/', headers: { host: 'u', 'x-mode': mode } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.statusCode)));
          res.on('error', () => resolve('reset'));
        },
      );
      req.on('error', () => resolve('reset'));
      req.end();
    });
  assert.equal(await get('garbage'), '503');
  assert.equal(await get('badheader'), '503');
  assert.equal(await get('close'), '503');
  assert.equal(await get('midbody'), 'reset');
  for (let i = 0; i < 20 && lines.length < 4; i++) await new Promise((r) => setImmediate(r));
  const flags = lines.map((l) => l.split('"')[2]?.trim().split(' ').slice(0, 3).join(' '));
  assert.deepEqual(flags, [
    '503 UPE upstream_reset_before_response_started{protocol_error}',
    '503 UPE upstream_reset_before_response_started{protocol_error}',
    '503 UC upstream_reset_before_response_started{connection_termination}',
    '200 UC upstream_reset_after_response_started{connection_termination}',
  ]);
  assert.equal(proxy.stats().get(`cluster.${C}.upstream_rq_active`), 0);
});

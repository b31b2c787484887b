// The raw keep-alive upstream pool against a real server on port 0: LIFO reuse, the request cap
// (Envoy's max_requests_per_connection closes after the N-th request), the idle timeout (Envoy's
// idle_timeout, here on an injected clock), and idle connections dropped on half-close or on
// unsolicited bytes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { ManualClock } from '../../runtime/clock.js';
import { HeadError } from './head-error.js';
import { parseResponseHead } from './head-parser.js';
import { UpstreamPool, type UpstreamConnection, type UpstreamUser } from './upstream-pool.js';

let server: Server;
let port = 0;
const sockets: Socket[] = [];
const RESPONSE = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';

before(async () => {
  server = createServer((s) => {
    sockets.push(s);
    s.on('data', () => s.write(RESPONSE));
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
after(() => {
  for (const s of sockets) s.destroy();
  server.close();
});

/** Sends one request on a pooled connection and resolves with the connection once the response is read. */
function exchange(pool: UpstreamPool, release = true): Promise<UpstreamConnection> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const user: UpstreamUser = {
      onUpstreamData(conn, chunk) {
        buf = Buffer.concat([buf, chunk]);
        const h = parseResponseHead(buf, 'GET');
        if (h instanceof HeadError) return reject(h);
        if (h && buf.length >= h.headLength + h.contentLength) {
          if (release) pool.release(conn, h.keepAlive);
          resolve(conn);
        }
      },
      onUpstreamEnd: () => reject(new Error('upstream ended')),
      onUpstreamClose: (_c, e) => reject(e ?? new Error('upstream closed')),
    };
    const conn = pool.acquire('127.0.0.1', port, user);
    conn.socket.write('GET / HTTP/1.1\r\nhost: a\r\n\r\n');
  });
}

const pool = (max = 0, idle = 0, clock = new ManualClock()) =>
  new UpstreamPool({ maxRequestsPerConnection: max, idleTimeoutMs: idle, clock });

test('reuses a released connection, the most recently released first (LIFO)', async () => {
  const p = pool();
  const [a, b] = await Promise.all([exchange(p, false), exchange(p, false)]);
  assert.notEqual(a, b);
  p.release(a, true);
  p.release(b, true);
  assert.equal(p.idleCount('127.0.0.1', port), 2);
  const again = await exchange(p);
  assert.equal(again, b);
  assert.equal(again.requests, 2);
  assert.equal(p.opened, 2);
  p.close();
});

test('max requests per connection: closed after the N-th request, the next one opens anew', async () => {
  const p = pool(2);
  const first = await exchange(p);
  assert.equal(await exchange(p), first);
  assert.ok(first.socket.destroyed);
  const third = await exchange(p);
  assert.notEqual(third, first);
  assert.equal(p.opened, 2);
  p.close();
});

test('idle timeout: an idle connection is closed when the timeout passes', async () => {
  const clock = new ManualClock();
  const p = pool(0, 1000, clock);
  const conn = await exchange(p);
  clock.advance(999);
  assert.equal(p.idleCount('127.0.0.1', port), 1);
  clock.advance(1);
  assert.equal(p.idleCount('127.0.0.1', port), 0);
  assert.ok(conn.socket.destroyed);
});

test('an idle connection the upstream half-closes is dropped, not reused', async () => {
  const p = pool();
  const conn = await exchange(p);
  const before = sockets.length;
  sockets.at(-1)!.end();
  await once(conn.socket, 'close');
  assert.equal(p.idleCount('127.0.0.1', port), 0);
  await exchange(p);
  assert.equal(sockets.length, before + 1);
  p.close();
});

test('unsolicited bytes on an idle connection drop it', async () => {
  const p = pool();
  const conn = await exchange(p);
  sockets.at(-1)!.write('HTTP/1.1 408 Request Timeout\r\nconnection: close\r\n\r\n');
  await once(conn.socket, 'close');
  assert.equal(p.idleCount('127.0.0.1', port), 0);
  p.close();
});

test('a connection that cannot connect reports the failure to its user, not connected', async () => {
  const p = pool();
  const closed = new Promise<[boolean, Error | undefined]>((resolve) => {
    const conn = p.acquire('127.0.0.1', 1, {
      onUpstreamData: () => {},
      onUpstreamEnd: () => {},
      onUpstreamClose: (c, e) => resolve([c.connected, e]),
    });
    void conn;
  });
  const [connected, error] = await closed;
  assert.equal(connected, false);
  assert.equal((error as NodeJS.ErrnoException | undefined)?.code, 'ECONNREFUSED');
});

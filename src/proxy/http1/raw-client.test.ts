// The raw HTTP/1.1 upstream client against scripted servers on port 0: the callbacks the router
// relies on (undici's handler API), keep-alive reuse, chunked bodies decoded, 1xx heads skipped,
// `Connection: close` ending reuse, a streamed request body chunk-encoded, and protocol errors
// reported as undici reports them (HTTPParserError, so the router answers 502/503 UPE).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { systemClock } from '../../runtime/clock.js';
import { RawHttp1Client } from './raw-client.js';

interface Result {
  status: number;
  headers: Record<string, unknown>;
  body: string;
  error?: Error;
}

/**
 * A server that answers each whole request with `reply(requestText, n)`; a reply starting with
 * `END:` is written and the connection ended after it (a close-delimited or cut body).
 */
async function scripted(reply: (req: string, n: number) => string) {
  const seen: string[] = [];
  let conns = 0;
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    conns++;
    sockets.push(s);
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.slice(0, end);
      const chunked = /transfer-encoding: chunked/i.test(head);
      const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      const bodyDone = chunked ? buf.endsWith('0\r\n\r\n') : buf.length >= end + 4 + len;
      if (!bodyDone) return;
      seen.push(buf);
      buf = '';
      const text = reply(seen[seen.length - 1]!, seen.length);
      if (text.startsWith('END:')) s.end(text.slice(4));
      else s.write(text);
    });
    s.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    seen,
    conns: () => conns,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

function client(port: number) {
  return new RawHttp1Client(
    { host: '127.0.0.1', port, connectTimeoutMs: 5000, idleTimeoutMs: 60_000, clock: systemClock },
    { onConnect: () => undefined, onDisconnect: () => undefined },
  );
}

function send(c: RawHttp1Client, o: Partial<Dispatcher.DispatchOptions> = {}): Promise<Result> {
  return new Promise((resolve) => {
    const r: Result = { status: 0, headers: {}, body: '' };
    c.dispatch(
      { path: '/', method: 'GET', headers: ['host', 'a'], ...o } as Dispatcher.DispatchOptions,
      {
        onResponseStart(_c, status, headers) {
          r.status = status;
          r.headers = headers;
        },
        onResponseData(_c, chunk) {
          r.body += chunk.toString('latin1');
        },
        onResponseEnd() {
          resolve(r);
        },
        onResponseError(_c, error) {
          r.error = error;
          resolve(r);
        },
      },
    );
  });
}

test('keep-alive: a second request reuses the connection; repeated fields become arrays', async () => {
  const s = await scripted(
    () => 'HTTP/1.1 200 OK\r\nset-cookie: a=1\r\nset-cookie: b=2\r\ncontent-length: 2\r\n\r\nok',
  );
  const c = client(s.port);
  const a = await send(c);
  const b = await send(c);
  assert.equal(a.status, 200);
  assert.equal(b.body, 'ok');
  assert.deepEqual(a.headers['set-cookie'], ['a=1', 'b=2']);
  assert.equal(s.conns(), 1);
  assert.equal(c.reusable, true);
  await c.destroy();
  s.close();
});

test('a chunked response is decoded; 100 Continue before it is skipped', async () => {
  const s = await scripted(
    () =>
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n' +
      '3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n',
  );
  const c = client(s.port);
  const r = await send(c);
  assert.equal(r.status, 201);
  assert.equal(r.body, 'abcde');
  assert.equal(c.reusable, true);
  await c.destroy();
  s.close();
});

test('Connection: close ends reuse; a close-delimited body ends with the connection', async () => {
  const s = await scripted((_r, n) => {
    return n === 1
      ? 'HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 1\r\n\r\nx'
      : 'END:HTTP/1.1 200 OK\r\n\r\nto-the-close';
  });
  const c = client(s.port);
  const a = await send(c);
  assert.equal(a.body, 'x');
  assert.equal(c.reusable, false);
  // The second response has no length: its body ends when the server closes.
  const b = await send(c);
  s.close();
  assert.equal(b.error, undefined);
  assert.equal(b.body, 'to-the-close');
  assert.equal(s.conns(), 2);
  await c.destroy();
});

test('a streamed body without Content-Length goes chunked; a Buffer body gets its length', async () => {
  const s = await scripted(() => 'HTTP/1.1 204 No Content\r\n\r\n');
  const c = client(s.port);
  await send(c, { method: 'POST', body: Readable.from([Buffer.from('hello'), Buffer.from('!')]) });
  await send(c, { method: 'PUT', body: Buffer.from('abc') });
  await send(c, { method: 'POST', body: null });
  assert.match(s.seen[0]!, /transfer-encoding: chunked\r\n\r\n5\r\nhello\r\n1\r\n!\r\n0\r\n\r\n$/);
  assert.match(s.seen[1]!, /content-length: 3\r\n\r\nabc$/);
  assert.match(s.seen[2]!, /content-length: 0\r\n\r\n$/);
  await c.destroy();
  s.close();
});

test('a response the strict parser refuses is an HTTPParserError; a cut body a socket error', async () => {
  const s = await scripted((_r, n) =>
    n === 1
      ? 'HTTP/1.1 200 OK\r\ncontent-length: 1\r\ntransfer-encoding: chunked\r\n\r\n'
      : 'END:HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc',
  );
  const c = client(s.port);
  const a = await send(c);
  assert.equal(a.error?.name, 'HTTPParserError');
  assert.equal(c.reusable, false);
  const b = await send(c);
  s.close();
  assert.equal(b.status, 200);
  assert.equal((b.error as { code?: string } | undefined)?.code, 'UND_ERR_SOCKET');
  await c.destroy();
});

test('a refused connection reports its errno (the router reports UF with the strerror text)', async () => {
  const s = await scripted(() => '');
  const port = s.port;
  s.close();
  const c = client(port);
  const r = await send(c);
  assert.equal((r.error as { code?: string } | undefined)?.code, 'ECONNREFUSED');
});

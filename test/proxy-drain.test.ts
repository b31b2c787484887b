// Shutdown drain on real sockets: a keep-alive client with a request in flight gets its response,
// marked `Connection: close`; an idle keep-alive connection is closed at once; HTTP/2 clients get
// GOAWAY and their streams in flight complete; close() returns when the last request is done, well
// before its cap. Envoy: the drain manager makes the HCM add `connection: close` and send GOAWAY
// (envoyproxy/envoy source/common/http/conn_manager_impl.cc, source/server/drain_manager_impl.cc).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as h2connect } from 'node:http2';
import { connect, type Socket } from 'node:net';
import { after, test } from 'node:test';
import type { ServerResponse } from 'node:http';
import { createProxy } from '../src/proxy/index.js';
import type { Proxy } from '../src/proxy/proxy.js';
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

/** A backend that holds /slow until release() and answers everything else at once. */
async function start(name: string): Promise<{
  proxy: Proxy;
  port: number;
  app: EchoBackend;
  held: () => Promise<void>;
  release: () => void;
}> {
  const waiting: ServerResponse[] = [];
  let arrived: (() => void) | undefined;
  const app = await startEcho(name, (req, res) => {
    if (req.url !== '/slow') return false;
    waiting.push(res);
    arrived?.();
    return true;
  });
  cleanups.push(() => app.close());
  const C = outbound(9080, 'v1', H);
  const proxy = createProxy({ name });
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
  return {
    proxy,
    port,
    app,
    held: () => (waiting.length > 0 ? Promise.resolve() : new Promise<void>((r) => (arrived = r))),
    release: () => {
      for (const res of waiting.splice(0))
        res.writeHead(200, { 'content-length': '4' }).end('done');
    },
  };
}

/** A raw keep-alive HTTP/1.1 connection: everything read, and whether the proxy closed it. */
function keepAlive(
  port: number,
  path: string,
): { socket: Socket; text: () => string; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1', () =>
    socket.write(`GET ${path} HTTP/1.1\r\nHost: productpage:9080\r\n\r\n`),
  );
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  socket.on('error', () => undefined);
  return { socket, text: () => text, closed: once(socket, 'close').then(() => undefined) };
}

test(
  'drain: the in-flight keep-alive request completes with Connection: close, the idle connection closes at once, close() ends with the last request',
  { timeout: 60_000 },
  async () => {
    const { proxy, port, held, release } = await start('drain-h1');
    const idle = keepAlive(port, '/fast');
    for (let i = 0; i < 400 && !idle.text().includes('\r\n\r\n'); i++)
      await new Promise((r) => setTimeout(r, 5));
    assert.match(idle.text(), /^HTTP\/1\.1 200 /);
    const busy = keepAlive(port, '/slow');
    await held();

    let closedAll = false;
    // The cap is far away: drain has to end because the last request ended, not because of it.
    const closing = proxy.close(50_000).then(() => (closedAll = true));
    await idle.closed; // an idle keep-alive connection is closed at once
    assert.equal(closedAll, false, 'the request in flight holds the drain open');
    release();
    await busy.closed;
    assert.match(busy.text(), /^HTTP\/1\.1 200 /);
    assert.match(busy.text(), /\r\nconnection: close\r\n/i);
    assert.match(busy.text(), /\r\n\r\ndone$/);
    await closing;
  },
);

test(
  'drain: an HTTP/2 client gets GOAWAY and its stream in flight completes',
  { timeout: 60_000 },
  async () => {
    const { proxy, port, held, release } = await start('drain-h2');
    const session = h2connect(`http://127.0.0.1:${port}`);
    session.on('error', () => undefined);
    const goaway = once(session, 'goaway');
    const stream = session.request({ ':path': '/slow', ':authority': 'productpage:9080' });
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => (body += d));
    const response = once(stream, 'response') as Promise<[Record<string, string | number>]>;
    await held();
    const closing = proxy.close(50_000);
    await goaway;
    release();
    const [headers] = await response;
    assert.equal(headers[':status'], 200);
    await once(stream, 'end');
    assert.equal(body, 'done');
    session.close();
    await closing;
  },
);

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { ConfigStore, parseResources } from '../config/index.js';
import { ServiceProxy } from './service-proxy.js';

function backend(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end(name));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({ server, port: typeof a === 'object' && a ? a.port : 0 });
    }),
  );
}

function viaProxy(proxy: string, url: string): Promise<string> {
  const [host, port] = proxy.split(':');
  return new Promise((resolve, reject) => {
    const req = request(
      { host, port: Number(port), path: url, headers: { host: new URL(url).host } },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

// An uninjected pod's calls go where kube-proxy sends them: round robin over the Service's ready
// endpoints, with no VirtualService applied (Istio's "my VirtualService is ignored" without a sidecar).
test('a Service call round-robins over ready endpoints and ignores routing rules', async () => {
  const store = new ConfigStore();
  store.apply(
    parseResources(
      `apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http: [{route: [{destination: {host: reviews, subset: v1}}]}]
`,
      'r.yaml',
    ).resources,
  );
  const v1 = await backend('v1');
  const v2 = await backend('v2');
  const down = await backend('down');
  const ep = (version: string, port: number, ready: boolean) => ({
    namespace: 'default',
    labels: { app: 'reviews', version },
    ready,
    ports: new Map([[9080, { host: '127.0.0.1', port }]]),
  });
  const proxy = new ServiceProxy(store, () => [
    ep('v1', v1.port, true),
    ep('v2', v2.port, true),
    ep('v3', down.port, false),
  ]);
  const address = await proxy.listen('127.0.0.1');
  try {
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await viaProxy(address, 'http://reviews:9080/reviews/0'));
    assert.deepEqual(seen.sort(), ['200 v1', '200 v1', '200 v2', '200 v2']);
    assert.match(
      await viaProxy(address, 'http://nothing:80/'),
      /^502 no Service nothing.default:80/,
    );
  } finally {
    await proxy.close();
    for (const b of [v1, v2, down]) b.server.close();
  }
});

test('CONNECT svc:port is a plain TCP connection to an endpoint; half-closes pass through', async () => {
  const store = new ConfigStore();
  store.apply(
    parseResources(
      `apiVersion: v1
kind: Service
metadata: {name: tcp-echo, namespace: default}
spec:
  selector: {app: tcp-echo}
  ports: [{name: tcp, port: 9000}]
`,
      't.yaml',
    ).resources,
  );
  // Answers only once the client's input has ended (a FIN that must not close the way back).
  const echo = createNetServer({ allowHalfOpen: true }, (s) => {
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('end', () => s.end(`one ${got}`));
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  const echoPort = (echo.address() as AddressInfo).port;
  const proxy = new ServiceProxy(store, () => [
    {
      namespace: 'default',
      labels: { app: 'tcp-echo' },
      ready: true,
      ports: new Map([[9000, { host: '127.0.0.1', port: echoPort }]]),
    },
  ]);
  const address = await proxy.listen('127.0.0.1');
  try {
    const tunnel = (target: string) =>
      new Promise<{ status: number; socket: Socket }>((resolve, reject) => {
        const [host, port] = address.split(':');
        const req = request({ host, port: Number(port), method: 'CONNECT', path: target });
        req.on('connect', (res, socket) => resolve({ status: res.statusCode ?? 0, socket }));
        req.on('error', reject);
        req.end();
      });
    const { status, socket } = await tunnel('tcp-echo:9000');
    assert.equal(status, 200);
    let reply = '';
    socket.on('data', (d: Buffer) => (reply += d.toString()));
    socket.end('hello\n');
    await new Promise((r) => socket.once('close', r));
    assert.equal(reply, 'one hello\n');
    assert.equal((await tunnel('nothing:1')).status, 502);
  } finally {
    await proxy.close();
    echo.close();
  }
});

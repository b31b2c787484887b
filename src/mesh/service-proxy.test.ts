import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
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

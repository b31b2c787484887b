// Gateway AUTO_PASSTHROUGH (Istio's east-west pattern): the SNI `outbound_.<port>_.<subset>_.<host>`
// names the cluster, no VirtualService is bound, and the client sees the backend's own certificate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createTlsServer, connect as tlsConnect } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createProxy } from '../src/proxy/index.js';
import { sniClusterName } from '../src/proxy/tls/tcp-proxy.js';
import { compileFrom } from './helpers/compile.js';
import { createPki } from './helpers/certs.js';

const config = `
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec:
  selector: {app: reviews}
  ports: [{name: tls, port: 9080}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  subsets: [{name: v2, labels: {version: v2}}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: cross-network-gateway, namespace: istio-system}
spec:
  selector: {istio: eastwestgateway}
  servers:
  - port: {number: 15443, name: tls, protocol: TLS}
    tls: {mode: AUTO_PASSTHROUGH}
    hosts: ["*.local"]
`;

test('the SNI names the cluster: outbound_.9080_.v2_.host -> outbound|9080|v2|host', () => {
  assert.equal(
    sniClusterName('outbound_.9080_.v2_.reviews.default.svc.cluster.local'),
    'outbound|9080|v2|reviews.default.svc.cluster.local',
  );
  assert.equal(
    sniClusterName('outbound_.9080_._.reviews.default.svc.cluster.local'),
    'outbound|9080||reviews.default.svc.cluster.local',
  );
  assert.equal(sniClusterName('reviews.default.svc.cluster.local'), undefined);
});

test('AUTO_PASSTHROUGH forwards the TLS connection to the subset the SNI names', async () => {
  const pki = createPki();
  const leaf = pki.issue(['reviews.default.svc.cluster.local']);
  const backend = createTlsServer({ cert: leaf.cert, key: leaf.key }, (s) => s.end('v2 says hi'));
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  const backendPort = (backend.address() as AddressInfo).port;
  const { snapshot } = compileFrom([config], 'eastwest', {
    local: [
      {
        name: 'reviews-v2-0',
        namespace: 'default',
        labels: { app: 'reviews', version: 'v2' },
        serviceAccount: 'reviews',
        address: '127.0.0.1',
        ports: { '9080': backendPort },
      },
      {
        name: 'eastwest-0',
        namespace: 'istio-system',
        labels: { istio: 'eastwestgateway' },
        serviceAccount: 'eastwest',
        address: '127.0.0.1',
        ports: {},
      },
    ],
  });
  const chain = snapshot.listeners.find((l) => l.name === '0.0.0.0_15443')?.filterChains[0];
  assert.equal(chain?.autoPassthrough, true);
  const lines: string[] = [];
  const proxy = createProxy({
    name: 'eastwest',
    accessLog: { encoding: 'TEXT', sink: (l) => lines.push(l) },
  });
  proxy.update(snapshot);
  const { port } = await proxy.listen('0.0.0.0_15443', { host: '127.0.0.1', port: 0 });
  try {
    const got = await new Promise<{ body: string; cn: string }>((resolve, reject) => {
      const sock = tlsConnect({
        host: '127.0.0.1',
        port,
        servername: 'outbound_.9080_.v2_.reviews.default.svc.cluster.local',
        ca: pki.ca.cert,
        checkServerIdentity: () => undefined,
      });
      let body = '';
      sock.setEncoding('utf8');
      sock.on('data', (d: string) => (body += d));
      sock.on('end', () => resolve({ body, cn: String(sock.getPeerCertificate().subject?.CN) }));
      sock.on('error', reject);
      sock.setTimeout(5000, () => sock.destroy(new Error('no answer through the gateway')));
    });
    assert.equal(got.body, 'v2 says hi');
    assert.equal(
      got.cn,
      'reviews.default.svc.cluster.local',
      "the client sees the backend's certificate",
    );
    await proxy.close(1000);
    assert.ok(
      lines.some((l) => l.includes('outbound|9080|v2|reviews.default.svc.cluster.local')),
      lines.join('\n'),
    );
  } finally {
    await proxy.close(100);
    backend.close();
    backend.unref();
  }
});

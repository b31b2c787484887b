// Workload certificates rotate before expiry while the proxy runs, as istio-agent does
// (istio/istio security/pkg/nodeagent/cache/secretcache.go rotateTime: at SECRET_GRACE_PERIOD_RATIO 0.5
// of the 24h lifetime, pilot/cmd/pilot-agent/options/options.go) and Envoy serves the new SDS secret to
// the next handshake without a restart. The CA runs on a ManualClock started 13h in the past, so after
// advancing it by 12h every certificate is still valid for OpenSSL's real-time checks.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:tls';
import { ManualClock } from '../src/runtime/clock.js';
import { createMeshCa, type WorkloadIdentity } from '../src/mesh/mesh-ca.js';
import { createProxy, type Proxy } from '../src/proxy/index.js';
import type { MeshIdentity } from '../src/proxy/tls/mesh-identity.js';
import type { LocalWorkload } from '../src/registry/index.js';
import { compileFrom } from './helpers/compile.js';
import { startEcho, type EchoBackend } from './helpers/echo-backend.js';

const HOUR = 3600 * 1000;
const clock = new ManualClock(Date.now() - 13 * HOUR);
const ca = createMeshCa({ clock });
let app: EchoBackend;
let clientId: WorkloadIdentity;
let serverId: WorkloadIdentity;
let client: Proxy;
let server: Proxy;
let inboundPort = 0;
let outboundPort = 0;
const peers: (string | undefined)[] = [];

before(async () => {
  app = await startEcho('reviews');
  clientId = ca.workloadIdentity('default', 'bookinfo-productpage');
  serverId = ca.workloadIdentity('default', 'bookinfo-reviews');
  await Promise.all([clientId.ready(), serverId.ready()]);
  server = createProxy({ name: 'reviews-v1-0.default', identity: serverId.get });
  client = createProxy({ name: 'productpage-v1-0.default', identity: clientId.get });
  inboundPort = (
    await server.listen('virtualInbound', { host: '127.0.0.1', port: 0 }, { destinationPort: 9080 })
  ).port;
  outboundPort = (await client.listen('virtualOutbound', { host: '127.0.0.1', port: 0 })).port;
  const local: LocalWorkload[] = [
    {
      name: 'reviews-v1-0',
      namespace: 'default',
      labels: { app: 'reviews' },
      serviceAccount: 'bookinfo-reviews',
      address: '127.0.0.1',
      ports: { '9080': inboundPort },
      appPorts: { '9080': app.port },
    },
    {
      name: 'productpage-v1-0',
      namespace: 'default',
      labels: { app: 'productpage' },
      serviceAccount: 'bookinfo-productpage',
      address: '127.0.0.1',
      ports: {},
    },
  ];
  // STRICT: every request below must be mutual TLS.
  const yaml = `
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: default }
spec:
  selector: { app: reviews }
  ports: [{ name: http, port: 9080 }]
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: default }
spec: { mtls: { mode: STRICT } }
`;
  server.update(compileFrom([yaml], 'reviews-v1-0.default', { local }).snapshot);
  client.update(compileFrom([yaml], 'productpage-v1-0.default', { local }).snapshot);
  server.observe((ctx) => peers.push(ctx.downstreamPeerUriSan));
});

after(async () => {
  await client?.close(100);
  await server?.close(100);
  clientId?.close();
  serverId?.close();
  await app?.close();
});

/** The certificate the reviews sidecar serves to a new mTLS handshake. */
async function servedCertificate(as: MeshIdentity): Promise<{ serial: string; validFrom: number }> {
  const sock = connect({
    host: '127.0.0.1',
    port: inboundPort,
    servername: 'outbound_.9080_._.reviews.default.svc.cluster.local',
    cert: as.certChain,
    key: as.privateKey,
    ca: as.rootCert,
    checkServerIdentity: () => undefined,
  });
  await once(sock, 'secureConnect');
  const cert = sock.getPeerCertificate();
  sock.destroy();
  return { serial: cert.serialNumber, validFrom: Date.parse(cert.valid_from) };
}

function viaSidecar(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: outboundPort,
        path: 'http://reviews:9080/reviews/0',
        headers: { host: 'reviews:9080' },
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('a new certificate is served after half its lifetime, without restarting the proxy', async () => {
  const before = await servedCertificate(clientId.get());
  assert.equal(await viaSidecar(), 200);
  const serverRotated = new Promise<MeshIdentity>((resolve) => serverId.onRotate(resolve));
  const clientRotated = new Promise<MeshIdentity>((resolve) => clientId.onRotate(resolve));
  clock.advance(12 * HOUR);
  const [newServer, newClient] = await Promise.all([serverRotated, clientRotated]);
  assert.equal(serverId.get(), newServer);
  const afterRotation = await servedCertificate(newClient);
  assert.notEqual(afterRotation.serial, before.serial, 'a different certificate');
  assert.ok(afterRotation.validFrom > before.validFrom, 'issued later');
  // The same proxies, same sockets, still STRICT mTLS with the rotated identities.
  assert.equal(await viaSidecar(), 200);
  assert.deepEqual(peers, [
    'spiffe://cluster.local/ns/default/sa/bookinfo-productpage',
    'spiffe://cluster.local/ns/default/sa/bookinfo-productpage',
  ]);
});

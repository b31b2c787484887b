// A Gateway server with `tls.mode: ISTIO_MUTUAL` terminates with the gateway's own mesh workload
// certificate and requires a client certificate from the mesh CA (real handshakes, node:tls).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createMeshCa } from '../src/mesh/mesh-ca.js';
import type { ProxySnapshot } from '../src/compile/index.js';
import { ManualClock } from '../src/runtime/clock.js';
import { createProxy, type Proxy } from '../src/proxy/index.js';
import { uriSans } from '../src/proxy/tls/mesh-identity.js';
import { compileFrom } from './helpers/compile.js';
import { startEcho, type EchoBackend } from './helpers/echo-backend.js';
import { httpGet, tlsRequest } from './helpers/tls-clients.js';
import { connect } from 'node:tls';
import { once } from 'node:events';

const GW = 'istio-ingressgateway';
const ca = createMeshCa();
let echo: EchoBackend;
let proxy: Proxy;
let port = 0;
let gatewaySnapshot: ProxySnapshot;

before(async () => {
  echo = await startEcho('backend');
  const yaml = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: backend, namespace: default }
spec:
  hosts: [backend.internal]
  location: MESH_INTERNAL
  ports: [{ number: 8000, name: http, protocol: HTTP }]
  resolution: STATIC
  endpoints: [{ address: 127.0.0.1, ports: { http: ${echo.port} } }]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: mesh-edge, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers:
    - port: { number: 443, name: https-mesh, protocol: HTTPS }
      hosts: ["*"]
      tls: { mode: ISTIO_MUTUAL }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: backend, namespace: istio-system }
spec:
  hosts: ["*"]
  gateways: [mesh-edge]
  http:
    - route: [{ destination: { host: backend.internal, port: { number: 8000 } } }]
`;
  const { snapshot } = compileFrom([yaml], GW);
  gatewaySnapshot = snapshot;
  proxy = createProxy({
    name: GW,
    identity: () => ca.issue('istio-system', 'istio-ingressgateway-service-account'),
  });
  proxy.update(snapshot);
  port = (await proxy.listen('0.0.0.0_443', { host: '127.0.0.1', port: 0 })).port;
});

after(async () => {
  await proxy?.close(100);
  await echo?.close();
});

test('ISTIO_MUTUAL gateway server: mesh client certificate accepted, the gateway presents its SPIFFE identity', async () => {
  const client = ca.issue('default', 'sleep');
  const sock = connect({
    host: '127.0.0.1',
    port,
    cert: client.certChain,
    key: client.privateKey,
    ca: client.rootCert,
    checkServerIdentity: () => undefined,
  });
  await once(sock, 'secureConnect');
  assert.ok(sock.authorized, String(sock.authorizationError));
  assert.deepEqual(uriSans(sock.getPeerCertificate()), [
    'spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
  ]);
  sock.destroy();
  const r = await tlsRequest(port, {
    cert: client.certChain,
    key: client.privateKey,
    ca: client.rootCert,
    checkServerIdentity: () => undefined,
    request: httpGet('backend.internal', '/hello'),
  });
  assert.ok(r.ok, r.error);
  assert.match(r.response ?? '', /^HTTP\/1\.1 200/);
});

test('ISTIO_MUTUAL gateway server: no client certificate or one from another CA is refused', async () => {
  const none = await tlsRequest(port, {
    ca: ca.rootCert,
    checkServerIdentity: () => undefined,
    request: httpGet('backend.internal', '/hello'),
  });
  assert.doesNotMatch(none.response ?? '', /HTTP\/1\.1 200/);
  const stranger = createMeshCa().issue('default', 'sleep');
  const foreign = await tlsRequest(port, {
    cert: stranger.certChain,
    key: stranger.privateKey,
    rejectUnauthorized: false,
    request: httpGet('backend.internal', '/hello'),
  });
  assert.doesNotMatch(foreign.response ?? '', /HTTP\/1\.1 200/);
  const stats = proxy.stats();
  assert.ok((stats.get('listener.0.0.0.0_443.ssl.connection_error') ?? 0) >= 1);
});

test('ISTIO_MUTUAL gateway server: a rotated workload certificate is served without a restart (istio-agent rotates at half the lifetime)', async () => {
  // The CA's clock starts 13h in the past so both certificates are valid in real time for OpenSSL.
  const clock = new ManualClock(Date.now() - 13 * 3600 * 1000);
  const rotating = createMeshCa({ clock });
  const wid = rotating.workloadIdentity('istio-system', 'istio-ingressgateway-service-account');
  await wid.ready();
  const gw = createProxy({ name: GW, identity: wid.get });
  gw.update(gatewaySnapshot);
  const gwPort = (await gw.listen('0.0.0.0_443', { host: '127.0.0.1', port: 0 })).port;
  const client = rotating.issue('default', 'sleep');
  const served = async (): Promise<string> => {
    const sock = connect({
      host: '127.0.0.1',
      port: gwPort,
      cert: client.certChain,
      key: client.privateKey,
      ca: client.rootCert,
      checkServerIdentity: () => undefined,
    });
    await once(sock, 'secureConnect');
    const serial = sock.getPeerCertificate().serialNumber;
    sock.destroy();
    return serial;
  };
  try {
    const first = await served();
    const rotated = new Promise((resolve) => wid.onRotate(resolve));
    clock.advance(12 * 3600 * 1000);
    await rotated;
    assert.notEqual(await served(), first);
  } finally {
    wid.close();
    await gw.close(100);
  }
});

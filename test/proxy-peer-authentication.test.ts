// Mesh mTLS as Istio does it by default, between two real proxies (productpage's and reviews' sidecars)
// with workload certificates from the mesh CA:
// - auto mTLS (meshConfig.enableAutoMtls, default true): with no DestinationRule the client sidecar talks
//   mTLS to endpoints with a sidecar (tlsMode istio) and plaintext to others
//   (istio/istio pilot/pkg/networking/core/cluster_tls.go buildUpstreamTLSSettings, applyUpstreamTLSSettings);
// - PeerAuthentication STRICT / PERMISSIVE / DISABLE per mesh, namespace, workload and port
//   (pilot/pkg/security/authn/policy_applier.go ComposePeerAuthentication), enforced by the inbound
//   filter chains (pilot/pkg/networking/core/filterchain_options.go): plaintext to STRICT matches no
//   chain and is closed, so a client sidecar answers 503 UC "upstream connect error or
//   disconnect/reset before headers. reset reason: connection termination".
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect as netConnect } from 'node:net';
import { createMeshCa, type WorkloadIdentity } from '../src/mesh/mesh-ca.js';
import { createProxy, type Proxy } from '../src/proxy/index.js';
import type { RequestContext } from '../src/proxy/context/request-context.js';
import type { LocalWorkload } from '../src/registry/index.js';
import { compileFrom } from './helpers/compile.js';
import { startEcho, type EchoBackend } from './helpers/echo-backend.js';

const ca = createMeshCa();
const PRODUCTPAGE = 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage';
const REVIEWS = 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews';
let app: EchoBackend;
let clientId: WorkloadIdentity;
let serverId: WorkloadIdentity;

const SERVICE = `
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: default }
spec:
  selector: { app: reviews }
  ports: [{ name: http, port: 9080 }]
`;

before(async () => {
  app = await startEcho('reviews');
  clientId = ca.workloadIdentity('default', 'bookinfo-productpage');
  serverId = ca.workloadIdentity('default', 'bookinfo-reviews');
  await Promise.all([clientId.ready(), serverId.ready()]);
});

after(async () => {
  clientId?.close();
  serverId?.close();
  await app?.close();
});

interface Mesh {
  client: Proxy;
  server: Proxy;
  /** The reviews sidecar's inbound socket. */
  inboundPort: number;
  outboundPort: number;
  /** What the reviews sidecar saw of each request. */
  inbound: RequestContext[];
  close(): Promise<void>;
}

/** Starts both sidecars on port 0 and compiles them from SERVICE plus `yaml`. */
async function mesh(yaml: string, opts: { reviewsSidecar?: boolean } = {}): Promise<Mesh> {
  const server = createProxy({ name: 'reviews-v1-0.default', identity: serverId.get });
  const client = createProxy({ name: 'productpage-v1-0.default', identity: clientId.get });
  const inboundPort = (
    await server.listen('virtualInbound', { host: '127.0.0.1', port: 0 }, { destinationPort: 9080 })
  ).port;
  const outboundPort = (await client.listen('virtualOutbound', { host: '127.0.0.1', port: 0 }))
    .port;
  const local: LocalWorkload[] = [
    {
      name: 'reviews-v1-0',
      namespace: 'default',
      labels: { app: 'reviews', version: 'v1' },
      serviceAccount: 'bookinfo-reviews',
      address: '127.0.0.1',
      ports: { '9080': inboundPort },
      appPorts: { '9080': app.port },
      ...(opts.reviewsSidecar === false ? { sidecar: false } : {}),
    },
    {
      name: 'productpage-v1-0',
      namespace: 'default',
      labels: { app: 'productpage', version: 'v1' },
      serviceAccount: 'bookinfo-productpage',
      address: '127.0.0.1',
      ports: {},
    },
  ];
  server.update(compileFrom([SERVICE, yaml], 'reviews-v1-0.default', { local }).snapshot);
  client.update(compileFrom([SERVICE, yaml], 'productpage-v1-0.default', { local }).snapshot);
  const inbound: RequestContext[] = [];
  server.observe((ctx) => inbound.push(ctx));
  return {
    client,
    server,
    inboundPort,
    outboundPort,
    inbound,
    close: async () => {
      await client.close(100);
      await server.close(100);
    },
  };
}

interface Reply {
  status: number;
  body: string;
}

/** A request from the productpage application through its sidecar (proxy-form, as HTTP_PROXY does). */
function viaSidecar(m: Mesh, path = '/reviews/0'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: m.outboundPort,
        path: `http://reviews:9080${path}`,
        headers: { host: 'reviews:9080' },
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A plaintext HTTP/1.1 client (no sidecar) straight to the reviews sidecar's inbound socket. */
function plaintextDirect(port: number): Promise<{ answer: string; closed: boolean }> {
  return new Promise((resolve) => {
    const sock = netConnect(port, '127.0.0.1');
    let answer = '';
    sock.on('connect', () => sock.write('GET /reviews/0 HTTP/1.1\r\nhost: reviews\r\n\r\n'));
    sock.on('data', (d: Buffer) => {
      answer += d.toString();
      if (answer.includes('\r\n\r\n') && answer.includes('}')) sock.destroy();
    });
    sock.on('error', () => undefined);
    sock.on('close', () => resolve({ answer, closed: !answer }));
  });
}

test('auto mTLS: with no DestinationRule the sidecar talks mTLS to a destination with a sidecar', async () => {
  const m = await mesh('');
  try {
    const cluster = m.client
      .snapshot()
      ?.clusters.get('outbound|9080||reviews.default.svc.cluster.local');
    assert.equal(cluster?.tls?.mode, 'ISTIO_MUTUAL');
    assert.equal(cluster?.tls?.autoMtls, true, 'transport_socket_matches tlsMode-istio');
    assert.deepEqual(cluster?.tls?.subjectAltNames, [REVIEWS]);
    assert.equal(cluster?.endpoints[0]?.tlsMode, 'istio');
    const r = await viaSidecar(m);
    assert.equal(r.status, 200, r.body);
    assert.equal(m.inbound[0]?.downstreamPeerUriSan, PRODUCTPAGE, 'mTLS with productpage identity');
    // PERMISSIVE (the default): a plaintext client without a sidecar still gets in.
    const plain = await plaintextDirect(m.inboundPort);
    assert.match(plain.answer, /^HTTP\/1\.1 200/);
    assert.equal(m.inbound[1]?.downstreamPeerUriSan, undefined);
  } finally {
    await m.close();
  }
});

test('auto mTLS: plaintext to an endpoint without a sidecar (tlsMode-disabled transport socket)', async () => {
  const m = await mesh('', { reviewsSidecar: false });
  try {
    const cluster = m.client
      .snapshot()
      ?.clusters.get('outbound|9080||reviews.default.svc.cluster.local');
    assert.equal(cluster?.tls?.autoMtls, true);
    assert.equal(cluster?.endpoints[0]?.tlsMode, undefined);
    const r = await viaSidecar(m);
    assert.equal(r.status, 200, r.body);
    assert.equal(m.inbound[0]?.downstreamPeerUriSan, undefined, 'plaintext');
  } finally {
    await m.close();
  }
});

test('meshConfig.enableAutoMtls false: plaintext without a DestinationRule', () => {
  const { snapshot } = compileFrom([SERVICE], 'productpage-v1-0.default', {
    mesh: { enableAutoMtls: false },
    local: [
      {
        name: 'productpage-v1-0',
        namespace: 'default',
        labels: { app: 'productpage' },
        serviceAccount: 'bookinfo-productpage',
        address: '127.0.0.1',
        ports: {},
      },
    ],
  });
  assert.equal(
    snapshot.clusters.get('outbound|9080||reviews.default.svc.cluster.local')?.tls,
    undefined,
  );
});

const STRICT_NS = `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: default }
spec: { mtls: { mode: STRICT } }
`;

test('namespace STRICT: mTLS passes, a plaintext client is closed without an answer', async () => {
  const m = await mesh(STRICT_NS);
  try {
    const chain = m.server.snapshot()?.listeners.find((l) => l.name === 'virtualInbound');
    assert.equal(chain?.filterChains[0]?.mtlsMode, 'STRICT');
    const r = await viaSidecar(m);
    assert.equal(r.status, 200, r.body);
    assert.equal(m.inbound[0]?.downstreamPeerUriSan, PRODUCTPAGE);
    const plain = await plaintextDirect(m.inboundPort);
    assert.equal(plain.answer, '', 'no HTTP answer: the connection is closed');
    assert.equal(plain.closed, true);
    assert.equal(m.server.stats().get('listener.0.0.0.0_15006.no_filter_chain_match'), 1);
    assert.equal(app.received.filter((x) => x.url === '/reviews/0').length >= 1, true);
  } finally {
    await m.close();
  }
});

test('DestinationRule tls DISABLE to a STRICT workload: the client sidecar answers 503 UC, connection termination', async () => {
  const m = await mesh(`${STRICT_NS}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: default }
spec:
  host: reviews
  trafficPolicy: { tls: { mode: DISABLE } }
`);
  const flags: string[][] = [];
  m.client.observe((ctx) => flags.push([...ctx.flags]));
  try {
    assert.equal(
      m.client.snapshot()?.clusters.get('outbound|9080||reviews.default.svc.cluster.local')?.tls,
      undefined,
    );
    const r = await viaSidecar(m);
    assert.equal(r.status, 503);
    assert.equal(
      r.body,
      'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
    );
    assert.deepEqual(flags[0], ['UC']);
    assert.equal(m.inbound.length, 0, 'the reviews sidecar served nothing');
  } finally {
    await m.close();
  }
});

test('mesh STRICT in the root namespace, namespace PERMISSIVE overrides it; a workload port PERMISSIVE overrides a STRICT workload', async () => {
  const meshStrict = `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: istio-system }
spec: { mtls: { mode: STRICT } }
`;
  let m = await mesh(meshStrict);
  try {
    assert.equal((await plaintextDirect(m.inboundPort)).closed, true, 'mesh-wide STRICT');
  } finally {
    await m.close();
  }
  m = await mesh(`${meshStrict}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: default }
spec: { mtls: { mode: PERMISSIVE } }
`);
  try {
    assert.match((await plaintextDirect(m.inboundPort)).answer, /^HTTP\/1\.1 200/);
  } finally {
    await m.close();
  }
  m = await mesh(`
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: reviews, namespace: default }
spec:
  selector: { matchLabels: { app: reviews } }
  mtls: { mode: STRICT }
  portLevelMtls: { "9080": { mode: PERMISSIVE } }
`);
  try {
    assert.match((await plaintextDirect(m.inboundPort)).answer, /^HTTP\/1\.1 200/);
  } finally {
    await m.close();
  }
});

test('workload DISABLE: plaintext only; auto mTLS (namespace-level only) still sends mTLS and fails until a DestinationRule disables it', async () => {
  const disable = `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: reviews, namespace: default }
spec:
  selector: { matchLabels: { app: reviews } }
  mtls: { mode: DISABLE }
`;
  let m = await mesh(disable);
  const flags: string[][] = [];
  m.client.observe((ctx) => flags.push([...ctx.flags]));
  try {
    assert.match((await plaintextDirect(m.inboundPort)).answer, /^HTTP\/1\.1 200/);
    // BestEffortInferServiceMTLSMode reads namespace/mesh policies only: the client keeps auto mTLS,
    // the DISABLE chain has no TLS match, and the handshake is a connect failure.
    const r = await viaSidecar(m);
    assert.equal(r.status, 503);
    assert.match(r.body, /^upstream connect error or disconnect\/reset before headers\. /);
    assert.ok(flags[0]?.includes('UF'), String(flags[0]));
  } finally {
    await m.close();
  }
  m = await mesh(`${disable}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: default }
spec:
  host: reviews
  trafficPolicy: { tls: { mode: DISABLE } }
`);
  try {
    assert.equal((await viaSidecar(m)).status, 200);
  } finally {
    await m.close();
  }
});

test('namespace DISABLE: auto mTLS infers it and the client sends plaintext', async () => {
  const m = await mesh(`
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: default }
spec: { mtls: { mode: DISABLE } }
`);
  try {
    assert.equal(
      m.client.snapshot()?.clusters.get('outbound|9080||reviews.default.svc.cluster.local')?.tls,
      undefined,
    );
    const r = await viaSidecar(m);
    assert.equal(r.status, 200, r.body);
    assert.equal(m.inbound[0]?.downstreamPeerUriSan, undefined);
  } finally {
    await m.close();
  }
});

test('a mirrored request is mTLS too (the mirror sends the cluster ISTIO_MUTUAL SNI, as Envoy shadows on the cluster)', async () => {
  const m = await mesh(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http:
    - route: [{ destination: { host: reviews } }]
      mirror: { host: reviews }
      mirrorPercentage: { value: 100 }
`);
  try {
    const r = await viaSidecar(m);
    assert.equal(r.status, 200, r.body);
    // The mirror is fire-and-forget: wait for the reviews sidecar to log it.
    for (let i = 0; i < 200 && m.inbound.length < 2; i++)
      await new Promise((done) => setTimeout(done, 25));
    assert.deepEqual(
      m.inbound.map((c) => c.downstreamPeerUriSan),
      [PRODUCTPAGE, PRODUCTPAGE],
    );
  } finally {
    await m.close();
  }
});

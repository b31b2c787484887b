// The ADS server's stream rules, driven by a wire-level SotW client as Envoy speaks it
// (envoyproxy/envoy api/envoy/service/discovery/v3/discovery.proto, docs api-docs/xds_protocol):
// node identity on the first request, per-type version and nonce, ACK, NACK keeping the last good
// config (istio/istio pilot/pkg/xds/ads.go, pkg/xds/server.go ShouldRespond), istiod's push order
// CDS -> EDS -> LDS -> RDS, and pushes only to the proxies a change affects; istioctl's syncz view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proxyNames } from '../src/registry/index.js';
import { DEBUG_SYNCZ, meshFromFiles, TYPE, XdsServer, type ProtoObject } from '../src/xds/index.js';
import { adsClient, sidecarNode, type AdsClient } from './helpers/ads-client.js';
import { repoRoot } from './helpers/shared.js';

const BOOKINFO = join(repoRoot, 'test/fixtures/compile/bookinfo.yaml');
const FEATURES = join(repoRoot, 'test/fixtures/xds/features.yaml');

function state(extra = '') {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-ads-'));
  try {
    const file = join(dir, 'extra.yaml');
    writeFileSync(file, extra || '# none\n');
    const { state: s, errors } = meshFromFiles([BOOKINFO, FEATURES, file]);
    assert.deepEqual(errors, []);
    return s!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withServer(fn: (server: XdsServer, port: number) => Promise<void>): Promise<void> {
  const server = new XdsServer({ port: 0, debounceMs: 0 });
  server.setState(state());
  const port = await server.start();
  try {
    await fn(server, port);
  } finally {
    await server.stop();
  }
}

const POD =
  (proxyNames(state().registry).find((n) => n.startsWith('productpage')) ?? '').split('.')[0] ?? '';

async function subscribe(c: AdsClient, typeUrl: string, names: string[] = [], node?: ProtoObject) {
  c.send({ ...(node ? { node } : {}), type_url: typeUrl, resource_names: names });
  const r = await c.next(typeUrl);
  c.send({
    type_url: typeUrl,
    resource_names: names,
    version_info: r.version_info,
    response_nonce: r.nonce,
  });
  return r;
}

async function syncz(port: number): Promise<ProtoObject[]> {
  const c = adsClient(port);
  c.send({ type_url: DEBUG_SYNCZ });
  const r = await c.next(DEBUG_SYNCZ);
  c.close();
  return r.resources;
}

function statusOf(configs: ProtoObject[], proxy: string): Record<string, string> {
  const cc = configs.find((c) => (c.node as ProtoObject).id === proxy);
  assert.ok(cc, `${proxy} in syncz`);
  const out: Record<string, string> = {};
  for (const g of cc.generic_xds_configs as ProtoObject[])
    out[String(g.type_url).split('.').at(-1)!] = String(g.config_status);
  return out;
}

/** A round trip on the stream (an unknown type gets an empty answer): every earlier push has arrived. */
async function flush(c: AdsClient): Promise<void> {
  c.send({ type_url: 'type.googleapis.com/switchyard.test.Flush' });
  await c.next('type.googleapis.com/switchyard.test.Flush');
}

test('a stream whose first request has no node.id is refused with INVALID_ARGUMENT (istiod pkg/xds/server.go)', async () => {
  await withServer(async (_s, port) => {
    const c = adsClient(port);
    c.send({ type_url: TYPE.cluster });
    const status = await c.closed;
    assert.equal(status.code, 3);
    assert.match(status.details, /node\.id is required/);
    c.close();
  });
});

test('an unknown type URL gets an empty response, not a crash', async () => {
  await withServer(async (_s, port) => {
    const c = adsClient(port);
    c.send({ node: sidecarNode(POD, 'default'), type_url: 'type.googleapis.com/no.such.Type' });
    const r = await c.next();
    assert.equal(r.type_url, 'type.googleapis.com/no.such.Type');
    assert.deepEqual(r.resources, []);
    c.close();
  });
});

test('CDS then EDS by name; ACKs make syncz SYNCED; a NACK is STALE with its error and is not answered', async () => {
  await withServer(async (_s, port) => {
    const c = adsClient(port);
    const cds = await subscribe(c, TYPE.cluster, [], sidecarNode(POD, 'default'));
    const names = cds.resources.map((r) => String(r.name));
    assert.ok(
      names.includes('outbound|9080|v1|reviews.default.svc.cluster.local'),
      names.join(' '),
    );
    assert.ok(cds.version_info !== '' && cds.nonce !== '');
    const eds = await subscribe(c, TYPE.endpoint, [
      'outbound|9080|v1|reviews.default.svc.cluster.local',
    ]);
    assert.deepEqual(
      eds.resources.map((r) => r.cluster_name),
      ['outbound|9080|v1|reviews.default.svc.cluster.local'],
    );
    await flush(c);
    let status = statusOf(await syncz(port), `${POD}.default`);
    assert.deepEqual(status, {
      Cluster: 'SYNCED',
      Listener: 'NOT_SENT',
      ClusterLoadAssignment: 'SYNCED',
      RouteConfiguration: 'NOT_SENT',
      TypedExtensionConfig: 'NOT_SENT',
    });
    // NACK: same nonce, the previous good version, error_detail (discovery.proto).
    c.send({ type_url: TYPE.listener, resource_names: [] });
    const lds = await c.next(TYPE.listener);
    c.send({
      type_url: TYPE.listener,
      version_info: '',
      response_nonce: lds.nonce,
      error_detail: { code: 3, message: 'listener 0.0.0.0_9080: bad filter' },
    });
    await flush(c);
    assert.deepEqual(c.pending(), [], 'a NACK is not answered');
    const configs = await syncz(port);
    status = statusOf(configs, `${POD}.default`);
    assert.equal(status.Listener, 'STALE');
    const cc = configs.find((x) => (x.node as ProtoObject).id === `${POD}.default`)!;
    const ldsState = (cc.generic_xds_configs as ProtoObject[]).find(
      (g) => g.type_url === TYPE.listener,
    )!;
    assert.equal(
      (ldsState.error_state as ProtoObject).details,
      'listener 0.0.0.0_9080: bad filter',
    );
    c.close();
  });
});

test('a config change is pushed CDS before RDS, and only to the proxies it affects', async () => {
  await withServer(async (server, port) => {
    const sidecar = adsClient(port);
    const gateway = adsClient(port);
    const gwNode = {
      id: 'router~127.0.0.1~istio-ingressgateway-0.istio-system~istio-system.svc.cluster.local',
    };
    for (const [c, node] of [
      [sidecar, sidecarNode(POD, 'default')],
      [gateway, gwNode],
    ] as const) {
      await subscribe(c, TYPE.cluster, [], node);
      await subscribe(c, TYPE.listener);
    }
    await subscribe(sidecar, TYPE.route, ['9080']);
    await subscribe(gateway, TYPE.route, ['http.8080']);
    await flush(sidecar);
    await flush(gateway);
    // A VirtualService for details changes only the sidecar's route table 9080 (the gateway's
    // http.8080 routes only /productpage, and no cluster changes).
    const extra = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: details, namespace: default }
spec:
  hosts: [details]
  http:
    - route: [{ destination: { host: details, subset: v2 } }]
      timeout: 3s
`;
    server.update(state(extra));
    const pushed = await sidecar.next();
    assert.equal(pushed.type_url, TYPE.route, 'only the routes changed for the sidecar');
    const details = (pushed.resources[0]?.virtual_hosts as ProtoObject[]).find(
      (v) => v.name === 'details.default.svc.cluster.local:9080',
    );
    assert.equal(
      ((details?.routes as ProtoObject[])[0]?.route as ProtoObject).cluster,
      'outbound|9080|v2|details.default.svc.cluster.local',
    );
    await flush(gateway);
    assert.deepEqual(gateway.pending(), [], 'the gateway is not pushed');
    // A new ServiceEntry adds a cluster and a virtual host: CDS is pushed before RDS (make before break).
    server.update(
      state(`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: extra, namespace: default }
spec:
  hosts: [extra.example.com]
  ports: [{ number: 9080, name: http, protocol: HTTP }]
  resolution: STATIC
  endpoints: [{ address: 10.1.2.3 }]
`),
    );
    const first = await sidecar.next();
    await flush(sidecar);
    const order = [first.type_url, ...sidecar.pending().map((r) => r.type_url)];
    assert.deepEqual(order, [TYPE.cluster, TYPE.route]);
    sidecar.close();
    gateway.close();
  });
});

test('delta xDS: the first response has every cluster; a change sends only the new cluster, a removal names it in removed_resources', async () => {
  // envoyproxy/envoy api/envoy/service/discovery/v3/discovery.proto DeltaDiscoveryRequest/Response.
  await withServer(async (server, port) => {
    const c = adsClient(port, true);
    c.send({ node: sidecarNode(POD, 'default'), type_url: TYPE.cluster });
    const first = await c.next(TYPE.cluster);
    assert.ok(first.resources.length > 10);
    assert.deepEqual(first.removed, []);
    c.send({ type_url: TYPE.cluster, response_nonce: first.nonce });
    const extra = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: extra, namespace: default }
spec:
  hosts: [extra.example.com]
  ports: [{ number: 9080, name: http, protocol: HTTP }]
  resolution: STATIC
  endpoints: [{ address: 10.1.2.3 }]
`;
    server.update(state(extra));
    const added = await c.next(TYPE.cluster);
    assert.deepEqual(
      added.resources.map((r) => r.name),
      ['outbound|9080||extra.example.com'],
    );
    c.send({ type_url: TYPE.cluster, response_nonce: added.nonce });
    server.update(state());
    const removed = await c.next(TYPE.cluster);
    assert.deepEqual(removed.resources, []);
    assert.deepEqual(removed.removed, ['outbound|9080||extra.example.com']);
    c.send({ type_url: TYPE.cluster, response_nonce: removed.nonce });
    await flush(c);
    const configs = await syncz(port);
    assert.equal(statusOf(configs, `${POD}.default`).Cluster, 'SYNCED');
    c.close();
  });
});

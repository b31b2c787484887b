// Bookinfo compiled as Istio would: cluster names, route tables, vhost domains, subset endpoints,
// the ingress gateway, and `proxy-config routes` rows as istioctl prints them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFrom, filesText, routeRows } from './helpers/compile.js';
import { fixture, sharedFile, sharedSkipReason } from './helpers/shared.js';
import { routesTable, clustersTable } from '../src/compile/index.js';
import { snapshotFromFiles } from '../src/cli/commands/proxy-config.js';

const files = [
  'bookinfo.yaml',
  'destination-rules.yaml',
  'virtual-services.yaml',
  'gateway.yaml',
].map((f) => fixture('compile', f));
const texts = filesText(...files);

test('productpage sidecar: outbound, subset, special and inbound clusters', () => {
  const { snapshot } = compileFrom(texts, 'productpage-v1');
  assert.equal(snapshot.proxy.id, 'productpage-v1-0.default');
  assert.equal(snapshot.proxy.kind, 'sidecar');
  const names = [...snapshot.clusters.keys()].sort();
  for (const n of [
    'outbound|9080||reviews.default.svc.cluster.local',
    'outbound|9080|v1|reviews.default.svc.cluster.local',
    'outbound|9080|v2|reviews.default.svc.cluster.local',
    'outbound|9080|v3|reviews.default.svc.cluster.local',
    'outbound|9080|v1|details.default.svc.cluster.local',
    'outbound|9080|v2|details.default.svc.cluster.local',
    'BlackHoleCluster',
    'PassthroughCluster',
    'inbound|9080||',
  ])
    assert.ok(names.includes(n), `missing ${n}`);
  const reviews = snapshot.clusters.get('outbound|9080|v1|reviews.default.svc.cluster.local')!;
  assert.equal(reviews.type, 'EDS');
  assert.equal(reviews.lbPolicy, 'LEAST_REQUEST');
  assert.equal(reviews.destinationRule, 'reviews.default');
  assert.equal(reviews.connectionPool.maxConnections, 4294967295);
  assert.equal(reviews.connectionPool.connectTimeoutMs, 10_000);
  assert.equal(reviews.connectionPool.idleTimeoutMs, 3_600_000);
  assert.equal(reviews.outlierDetection, undefined);
});

test('subset clusters keep only the endpoints whose labels match', () => {
  const { snapshot, registry } = compileFrom(texts, 'productpage-v1');
  const all = snapshot.clusters.get('outbound|9080||reviews.default.svc.cluster.local')!;
  assert.equal(all.endpoints.length, 3);
  const v2 = snapshot.clusters.get('outbound|9080|v2|reviews.default.svc.cluster.local')!;
  const pod = registry.workloads.find((w) => w.name === 'reviews-v2')!;
  assert.deepEqual(
    v2.endpoints.map((e) => `${e.address}:${e.port}`),
    [`${pod.address}:9080`],
  );
  assert.equal(v2.endpoints[0]!.labels.version, 'v2');
  // details v2 has no pod: an empty subset (503 UH at runtime).
  assert.equal(
    snapshot.clusters.get('outbound|9080|v2|details.default.svc.cluster.local')!.endpoints.length,
    0,
  );
});

test('route table 9080: one vhost per service with Istio domains, sorted, allow_any last', () => {
  const { snapshot } = compileFrom(texts, 'productpage-v1');
  const t = snapshot.routeTables.get('9080')!;
  assert.deepEqual(
    t.virtualHosts.map((v) => v.name),
    [
      'details.default.svc.cluster.local:9080',
      'productpage.default.svc.cluster.local:9080',
      'ratings.default.svc.cluster.local:9080',
      'reviews.default.svc.cluster.local:9080',
      'allow_any',
    ],
  );
  const reviews = t.virtualHosts[3]!;
  assert.deepEqual(reviews.domains.slice(0, 4), [
    'reviews.default.svc.cluster.local',
    'reviews',
    'reviews.default.svc',
    'reviews.default',
  ]);
  assert.match(reviews.domains[4]!, /^10\.96\.\d+\.\d+$/);
  assert.equal(t.exactDomains.get('reviews:9080'), reviews);
  assert.equal(t.exactDomains.get('reviews.default'), reviews);
  assert.equal(t.catchAll?.name, 'allow_any');
  assert.deepEqual(routeRows(snapshot, '9080'), [
    'details.default.svc.cluster.local:9080 / -> outbound|9080|v1|details.default.svc.cluster.local',
    'productpage.default.svc.cluster.local:9080 / -> outbound|9080|v1|productpage.default.svc.cluster.local',
    'ratings.default.svc.cluster.local:9080 / -> outbound|9080|v1|ratings.default.svc.cluster.local',
    'reviews.default.svc.cluster.local:9080 / -> outbound|9080|v1|reviews.default.svc.cluster.local',
    'allow_any / -> PassthroughCluster',
  ]);
  const route = t.virtualHosts[3]!.routes[0]!;
  assert.deepEqual(route.virtualService, { name: 'reviews', namespace: 'default' });
  assert.equal(route.action.type === 'forward' && route.action.timeoutMs, 0);
  assert.deepEqual(route.action.type === 'forward' && route.action.retry, {
    numRetries: 2,
    retryOn: [
      'connect-failure',
      'refused-stream',
      'unavailable',
      'cancelled',
      'retriable-status-codes',
    ],
    retriableStatusCodes: [],
    backoffBaseMs: 25,
    retryIgnorePreviousHosts: true,
  });
});

test('without a VirtualService a service gets the `default` route to its plain cluster', () => {
  const { snapshot } = compileFrom(filesText(files[0]!), 'productpage-v1');
  assert.deepEqual(
    routeRows(snapshot, '9080')[3],
    'reviews.default.svc.cluster.local:9080 / -> outbound|9080||reviews.default.svc.cluster.local',
  );
  assert.equal(snapshot.routeTables.get('9080')!.virtualHosts[3]!.routes[0]!.name, 'default');
});

test('inbound: virtualInbound chain per port to inbound|9080||, listeners laid out as the contract says', () => {
  const { snapshot } = compileFrom(texts, 'reviews-v2');
  assert.deepEqual(
    snapshot.listeners.map((l) => l.name),
    ['0.0.0.0_9080', 'virtualOutbound', 'virtualInbound'],
  );
  const vin = snapshot.listeners.find((l) => l.name === 'virtualInbound')!;
  assert.equal(vin.filterChains[0]!.destinationPort, 9080);
  assert.deepEqual(vin.filterChains[0]!.http, { routeTableName: 'inbound|9080||' });
  assert.deepEqual(routeRows(snapshot, 'inbound|9080||'), [
    'inbound|http|9080 / -> inbound|9080||',
  ]);
});

test('ingress gateway: default istio-ingressgateway workload, http.8080, routes of the bound VS', () => {
  const { snapshot } = compileFrom(texts, 'istio-ingressgateway');
  assert.equal(snapshot.proxy.kind, 'router');
  assert.equal(snapshot.proxy.namespace, 'istio-system');
  assert.deepEqual(
    snapshot.listeners.map((l) => `${l.name} ${l.direction}`),
    ['0.0.0.0_8080 gateway'],
  );
  assert.deepEqual(routeRows(snapshot, 'http.8080'), [
    '*:8080 exact:/productpage -> outbound|9080||productpage.default.svc.cluster.local',
    '*:8080 prefix:/static -> outbound|9080||productpage.default.svc.cluster.local',
    '*:8080 exact:/login -> outbound|9080||productpage.default.svc.cluster.local',
    '*:8080 exact:/logout -> outbound|9080||productpage.default.svc.cluster.local',
    '*:8080 prefix:/api/v1/products -> outbound|9080||productpage.default.svc.cluster.local',
  ]);
  assert.equal(snapshot.routeTables.get('http.8080')!.catchAll?.name, '*:8080');
});

// What `istioctl proxy-config routes productpage-v1-<x>.default` lists for these files (the static
// bootstrap routes /stats/prometheus* and /healthz/ready* aside, which Switchyard has no bootstrap for).
const EXPECTED_ROUTES = `NAME               VHOST NAME                                     DOMAINS                                          MATCH     VIRTUAL SERVICE
9080               details.default.svc.cluster.local:9080         details, details.default + 1 more...             /*        details.default
9080               productpage.default.svc.cluster.local:9080     productpage, productpage.default + 1 more...     /*        productpage.default
9080               ratings.default.svc.cluster.local:9080         ratings, ratings.default + 1 more...             /*        ratings.default
9080               reviews.default.svc.cluster.local:9080         reviews, reviews.default + 1 more...             /*        reviews.default
inbound|9080||     inbound|http|9080                              *                                                /*        
`;

test('proxy-config routes for the productpage sidecar lists the rows istioctl would', () => {
  const { snapshot } = compileFrom(texts, 'productpage-v1-0.default');
  assert.equal(routesTable(snapshot), EXPECTED_ROUTES);
  const { snapshot: fromFiles } = snapshotFromFiles('productpage-v1', files);
  assert.ok(fromFiles);
  assert.equal(routesTable(fromFiles), EXPECTED_ROUTES);
});

test('proxy-config clusters: istioctl columns and sort order', () => {
  const { snapshot } = compileFrom(texts, 'productpage-v1');
  const lines = clustersTable(snapshot).split('\n');
  assert.match(lines[0]!, /^SERVICE FQDN +PORT +SUBSET +DIRECTION +TYPE +DESTINATION RULE$/);
  assert.match(lines[1]!, /^ +9080 +- +inbound +STATIC +$/);
  assert.match(lines[2]!, /^BlackHoleCluster +- +- +- +STATIC +$/);
  assert.match(
    lines[4]!,
    /^details\.default\.svc\.cluster\.local +9080 +- +outbound +EDS +details\.default$/,
  );
});

test(
  'Istio sample bookinfo from ../shared: same routes as istioctl',
  { skip: sharedSkipReason('conformance', 'istio-samples', 'bookinfo') },
  () => {
    const base = sharedFile('conformance', 'istio-samples', 'bookinfo')!;
    const { snapshot, errors } = snapshotFromFiles('productpage-v1', [
      `${base}/platform/kube/bookinfo.yaml`,
      `${base}/networking/destination-rule-all.yaml`,
      `${base}/networking/virtual-service-all-v1.yaml`,
      `${base}/networking/bookinfo-gateway.yaml`,
    ]);
    assert.deepEqual(errors, []);
    assert.equal(routesTable(snapshot!), EXPECTED_ROUTES);
    assert.ok(snapshot!.clusters.has('outbound|9080|v2-mysql|ratings.default.svc.cluster.local'));
    const gw = snapshotFromFiles('istio-ingressgateway', [
      `${base}/platform/kube/bookinfo.yaml`,
      `${base}/networking/bookinfo-gateway.yaml`,
    ]).snapshot!;
    assert.equal(gw.routeTables.get('http.8080')!.virtualHosts[0]!.routes.length, 5);
  },
);

test('local workloads: endpoints are their sidecar sockets, the inbound cluster their app port', () => {
  const local = (name: string, app: string, version: string, port: number) => ({
    name,
    namespace: 'default',
    labels: { app, version },
    serviceAccount: `bookinfo-${app}`,
    address: '127.0.0.1',
    ports: { '9080': port },
    appPorts: { '9080': port + 1000 },
  });
  const { snapshot } = compileFrom(texts, 'reviews-v2', {
    local: [
      local('reviews-v2', 'reviews', 'v2', 20001),
      local('ratings-v1', 'ratings', 'v1', 20002),
    ],
  });
  assert.equal(snapshot.proxy.id, 'reviews-v2.default');
  assert.deepEqual(
    snapshot.clusters
      .get('outbound|9080|v1|ratings.default.svc.cluster.local')!
      .endpoints.map((e) => `${e.address}:${e.port}`),
    ['127.0.0.1:20002'],
  );
  assert.deepEqual(
    snapshot.clusters.get('inbound|9080||')!.endpoints.map((e) => `${e.address}:${e.port}`),
    ['127.0.0.1:21001'],
  );
});

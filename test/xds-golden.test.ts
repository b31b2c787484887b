// Golden Envoy config for Bookinfo (demo + virtual-service-all-v1 + destination-rule-all, reviews
// 80/20, a ratings delay fault, a ratings circuit breaker): the productpage sidecar's and the ingress
// gateway's whole config dump as Envoy prints it. Every generated resource is encoded, checked
// against the protos' validation rules and decoded before it is compared; the facts istiod is
// documented to produce (names, retry and circuit-breaker defaults, outlier detection) are asserted
// on their own so a golden rewrite (`UPDATE_GOLDEN=1`) cannot quietly change them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileProxy, type ProxySnapshot } from '../src/compile/index.js';
import { resolveProxy } from '../src/registry/index.js';
import { envoyConfigDump } from '../src/xds/config-dump.js';
import { meshFromFiles } from '../src/xds/file-source.js';
import { generateResources } from '../src/xds/generate/index.js';
import { decodeAny, encodeAny, TYPE } from '../src/xds/protos.js';
import { validateAny } from '../src/xds/validate.js';
import { fixture, repoRoot } from './helpers/shared.js';

const FILES = [
  fixture('compile', 'bookinfo.yaml'),
  fixture('compile', 'gateway.yaml'),
  fixture('golden', 'bookinfo-routing.yaml'),
];
const GOLDEN_DIR = join(repoRoot, 'test', 'fixtures', 'golden');

type Obj = Record<string, unknown>;

function snapshot(proxyName: string): ProxySnapshot {
  const { state, errors } = meshFromFiles(FILES);
  assert.ok(state, errors.join('\n'));
  const proxy = resolveProxy(state.registry, proxyName);
  assert.ok(proxy, proxyName);
  return compileProxy(state.config, state.registry, proxy);
}

/** The config version is a revision counter: the one volatile field of a dump from files. */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (!value || typeof value !== 'object') return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value as Obj))
    out[k] = k === 'version_info' ? 'VERSION' : normalise(v);
  return out;
}

function checkGolden(name: string, s: ProxySnapshot): Obj {
  // Every resource of every type passes the protos' rules and survives encode/decode.
  for (const [type, resources] of generateResources(s))
    for (const [resourceName, r] of resources) {
      const any = encodeAny(r);
      assert.deepEqual(validateAny(any), [], `${type} ${resourceName}`);
      assert.equal(decodeAny(any)['@type'], type);
    }
  const actual = normalise(envoyConfigDump(s, { includeEds: true })) as Obj;
  const file = join(GOLDEN_DIR, `${name}.json`);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file))
    writeFileSync(file, JSON.stringify(actual, null, 2) + '\n');
  const expected = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  assert.deepEqual(actual, expected, `${file} differs; UPDATE_GOLDEN=1 rewrites it`);
  return actual;
}

function configOf(dump: Obj, kind: string): Obj {
  return (dump.configs as Obj[]).find((c) => String(c['@type']).endsWith(kind)) ?? {};
}

function dynamic(dump: Obj, kind: string, list: string, key: string): Obj[] {
  return ((configOf(dump, kind)[list] ?? []) as Obj[]).map((e) => e[key] as Obj);
}

const clustersOf = (d: Obj) =>
  dynamic(d, 'ClustersConfigDump', 'dynamic_active_clusters', 'cluster');
const routesOf = (d: Obj) =>
  dynamic(d, 'RoutesConfigDump', 'dynamic_route_configs', 'route_config');
const listenerNames = (d: Obj) =>
  ((configOf(d, 'ListenersConfigDump').dynamic_listeners ?? []) as Obj[]).map((l) => l.name);

/** Istio's default retry policy (istio/istio pilot/pkg/networking/core/route/retry/retry.go DefaultPolicy). */
const ISTIO_DEFAULT_RETRY = {
  retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
  num_retries: 2,
  retry_host_predicate: [
    {
      name: 'envoy.retry_host_predicates.previous_hosts',
      typed_config: { '@type': TYPE.previousHosts },
    },
  ],
  host_selection_retry_max_attempts: '5',
};

/** cluster_traffic_policy.go getDefaultCircuitBreakerThresholds: MaxUint32 everywhere, track_remaining. */
const DEFAULT_THRESHOLDS = {
  max_connections: 4294967295,
  max_pending_requests: 4294967295,
  max_requests: 4294967295,
  max_retries: 4294967295,
  track_remaining: true,
};

test('golden: the productpage sidecar (clusters, endpoints, listeners, routes as istiod names them)', () => {
  const dump = checkGolden('productpage-sidecar', snapshot('productpage-v1'));
  // Listener names: istio/istio pilot/pkg/model/listener.go (virtualOutbound, virtualInbound) and
  // the outbound HTTP listener per port `0.0.0.0_9080` (istio.io "Debugging Envoy and Istiod").
  for (const n of ['virtualOutbound', 'virtualInbound', '0.0.0.0_9080'])
    assert.ok(listenerNames(dump).includes(n), n);
  const clusters = clustersOf(dump);
  const names = clusters.map((c) => c.name);
  for (const svc of ['productpage', 'reviews', 'ratings', 'details'])
    assert.ok(names.includes(`outbound|9080||${svc}.default.svc.cluster.local`), svc);
  for (const subset of ['v1', 'v2', 'v3'])
    assert.ok(names.includes(`outbound|9080|${subset}|reviews.default.svc.cluster.local`));
  for (const n of ['BlackHoleCluster', 'PassthroughCluster', 'inbound|9080||'])
    assert.ok(names.includes(n), n);
  const reviewsV1 = clusters.find(
    (c) => c.name === 'outbound|9080|v1|reviews.default.svc.cluster.local',
  )!;
  assert.equal(reviewsV1.type, 'EDS');
  assert.deepEqual(
    (reviewsV1.eds_cluster_config as Obj).service_name,
    'outbound|9080|v1|reviews.default.svc.cluster.local',
  );
  assert.deepEqual((reviewsV1.circuit_breakers as Obj).thresholds, [DEFAULT_THRESHOLDS]);
  // The ratings DestinationRule: cluster_traffic_policy.go applyConnectionPool / applyOutlierDetection.
  const ratings = clusters.find(
    (c) => c.name === 'outbound|9080|v1|ratings.default.svc.cluster.local',
  )!;
  assert.deepEqual((ratings.circuit_breakers as Obj).thresholds, [
    { ...DEFAULT_THRESHOLDS, max_connections: 1, max_pending_requests: 1 },
  ]);
  assert.deepEqual(ratings.outlier_detection, {
    consecutive_5xx: 1,
    interval: '1s',
    base_ejection_time: '180s',
    max_ejection_percent: 100,
    enforcing_consecutive_5xx: 100,
    enforcing_success_rate: 0,
  });

  // Route config `9080`, virtual hosts `<host>:<port>` (istio.io proxy-cmd: `--name 9080 -o json`).
  const r9080 = routesOf(dump).find((r) => r.name === '9080')!;
  const vhosts = r9080.virtual_hosts as Obj[];
  const reviews = vhosts.find((v) => v.name === 'reviews.default.svc.cluster.local:9080')!;
  assert.ok((reviews.domains as string[]).includes('reviews'));
  const route = ((reviews.routes as Obj[])[0]!.route ?? {}) as Obj;
  assert.deepEqual(route.weighted_clusters, {
    clusters: [
      { name: 'outbound|9080|v1|reviews.default.svc.cluster.local', weight: 80 },
      { name: 'outbound|9080|v2|reviews.default.svc.cluster.local', weight: 20 },
    ],
  });
  assert.equal(route.timeout, '0s');
  assert.deepEqual(route.retry_policy, ISTIO_DEFAULT_RETRY);
  // The fault rides in the route's typed_per_filter_config (route.go translateFault).
  const ratingsHost = vhosts.find((v) => v.name === 'ratings.default.svc.cluster.local:9080')!;
  const jason = (ratingsHost.routes as Obj[])[0]!;
  assert.deepEqual((jason.typed_per_filter_config as Obj)['envoy.filters.http.fault'], {
    '@type': TYPE.fault,
    delay: { fixed_delay: '7s', percentage: { numerator: 1000000, denominator: 'MILLION' } },
  });
});

test('golden: the ingress gateway (listener 0.0.0.0_8080, route config http.8080)', () => {
  const dump = checkGolden('istio-ingressgateway', snapshot('istio-ingressgateway'));
  assert.deepEqual(listenerNames(dump), ['0.0.0.0_8080']);
  // pilot/pkg/model/gateway.go gatewayRDSRouteName: `http.<port>` for a plain HTTP server.
  const routes = routesOf(dump);
  assert.deepEqual(
    routes.map((r) => r.name),
    ['http.8080'],
  );
  const vh = (routes[0]!.virtual_hosts as Obj[])[0]!;
  assert.equal(vh.name, '*:8080');
  assert.deepEqual(vh.domains, ['*']);
  const first = (vh.routes as Obj[])[0]!;
  // route.go translateRouteMatch: an exact uri is `path`; case_sensitive only for ignoreUriCase.
  assert.deepEqual(first.match, { path: '/productpage' });
  assert.equal(
    (first.route as Obj).cluster,
    'outbound|9080||productpage.default.svc.cluster.local',
  );
  assert.deepEqual((first.route as Obj).retry_policy, ISTIO_DEFAULT_RETRY);
});

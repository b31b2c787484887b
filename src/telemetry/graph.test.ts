import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster, ProxySnapshot } from '../compile/snapshot.js';
import type { ProxyIdentity } from '../model/index.js';
import { RequestContext } from '../proxy/index.js';
import { ManualClock } from '../runtime/clock.js';
import { GraphTracker, histogramQuantile, kialiHealth } from './graph.js';
import { BUCKETS } from './metrics.js';
import { IstioStats } from './istio-stats.js';

const DETAILS = 'outbound|9080||details.default.svc.cluster.local';

function identity(
  kind: 'sidecar' | 'router',
  id: string,
  labels: Record<string, string>,
): ProxyIdentity {
  return {
    kind,
    id,
    namespace: id.split('.')[1] ?? 'default',
    labels,
    serviceAccount: 'sa',
    ip: '127.0.0.1',
  };
}

function snap(me: ProxyIdentity): ProxySnapshot {
  const details: Cluster = {
    name: DETAILS,
    type: 'EDS',
    direction: 'outbound',
    serviceHost: 'details.default.svc.cluster.local',
    port: 9080,
    subset: '',
    protocol: 'http',
    endpoints: [
      {
        address: '127.0.0.1',
        port: 5000,
        labels: { app: 'details', version: 'v1' },
        weight: 1,
        workload: 'details-v1-0',
      },
    ],
    lbPolicy: 'ROUND_ROBIN',
    connectionPool: {
      maxConnections: 1,
      maxPendingRequests: 1,
      maxRequests: 1,
      maxRetries: 1,
      maxRequestsPerConnection: 0,
      connectTimeoutMs: 1,
      idleTimeoutMs: 1,
    },
    configHash: 'd',
  };
  return {
    version: 1,
    proxy: me,
    listeners: [],
    routeTables: new Map(),
    clusters: new Map([[DETAILS, details]]),
    mesh: { accessLogFile: '', accessLogEncoding: 'TEXT', shadowHostSuffix: false },
  };
}

function request(
  s: ProxySnapshot,
  code: number,
  extra: Partial<RequestContext> = {},
): RequestContext {
  const c = new RequestContext(s);
  Object.assign(c, {
    listenerDirection: 'outbound',
    authority: 'details:9080',
    upstreamCluster: DETAILS,
    upstreamHost: '127.0.0.1:5000',
    responseCode: code,
    ...extra,
  });
  return c;
}

test('nodes for every proxy, edges from source series, rates, errors, health and percentiles over the window', () => {
  const clock = new ManualClock();
  const ppId = identity('sidecar', 'productpage-v1-0.default', {
    app: 'productpage',
    version: 'v1',
  });
  const gwId = identity('router', 'istio-ingressgateway-0.istio-system', {
    app: 'istio-ingressgateway',
  });
  const pp = new IstioStats({ identity: ppId, clock });
  const gw = new IstioStats({ identity: gwId, workload: 'istio-ingressgateway', clock });
  const detailsId = identity('sidecar', 'details-v1-0.default', { app: 'details', version: 'v1' });
  const details = new IstioStats({ identity: detailsId, clock });
  const proxies = [
    { kind: 'sidecar' as const, stats: pp },
    { kind: 'gateway' as const, stats: gw },
    { kind: 'sidecar' as const, stats: details },
  ];
  const tracker = new GraphTracker(clock);
  const s = snap(ppId);
  for (let i = 0; i < 30; i++) pp.record(request(s, 200, { durationMs: 1 }));
  // The inbound side's own report is not an edge (Kiali reads reporter="source").
  details.record(request(snap(detailsId), 200, { listenerDirection: 'inbound' }));
  const first = tracker.build(proxies);
  assert.deepEqual(
    first.nodes.map((n) => [n.id, n.kind, n.label]),
    [
      ['default/details-v1', 'workload', 'details v1'],
      ['default/productpage-v1', 'workload', 'productpage v1'],
      ['istio-system/istio-ingressgateway', 'gateway', 'istio-ingressgateway'],
    ],
  );
  assert.equal(first.edges.length, 1);
  assert.deepEqual(
    { ...first.edges[0], latency: undefined },
    {
      source: 'default/productpage-v1',
      target: 'default/details-v1',
      protocol: 'http',
      // 30 requests over the first second (a window is at least 1 s long).
      rps: 30,
      errorRate: 0,
      total: 30,
      errors: 0,
      codes: { '200': 30 },
      windowCodes: { '200': 30 },
      healthErrorRate: 0,
      health: 'healthy',
      service: 'details.default.svc.cluster.local',
      mtls: false,
      latency: undefined,
    },
  );

  clock.advance(100_000);
  for (let i = 0; i < 6; i++) pp.record(request(s, 200, { durationMs: 200 }));
  for (let i = 0; i < 4; i++) pp.record(request(s, 503, { flags: ['UF'], durationMs: 200 }));
  // The last 10 s hold only the newest 10 requests: 40% 5xx is a failure (Kiali: 5xx from 10%).
  const recent = tracker.build(proxies, 10_000);
  const edge = recent.edges[0];
  assert.deepEqual(recent.window, { requestedSeconds: 10, seconds: 10 });
  assert.equal(edge?.rps, 1);
  assert.equal(edge?.errorRate, 0.4);
  assert.equal(edge?.healthErrorRate, 0.4);
  assert.equal(edge?.health, 'failure');
  assert.deepEqual(edge?.windowCodes, { '200': 6, '503': 4 });
  assert.ok(edge?.latency && edge.latency.p50 > 100 && edge.latency.p50 <= 250);
  assert.equal(edge?.total, 40);
  assert.deepEqual(edge?.codes, { '200': 36, '503': 4 });

  // Five minutes asked, 100 s recorded: every request, rates over 100 s, p50 back in (0.5, 1].
  const five = tracker.build(proxies, 300_000);
  const all = five.edges[0];
  assert.deepEqual(five.window, { requestedSeconds: 300, seconds: 100 });
  assert.equal(all?.rps, 0.4);
  assert.equal(all?.errorRate, 0.1);
  assert.equal(all?.health, 'failure');
  assert.ok(all?.latency && all.latency.p50 <= 1, JSON.stringify(all?.latency));
  assert.ok(all.latency.p99 > 100);

  // Ten idle minutes later: the 1 m window is empty, totals stay.
  clock.advance(600_000);
  const idle = tracker.build(proxies).edges[0];
  assert.equal(idle?.rps, 0);
  assert.equal(idle?.health, 'idle');
  assert.equal(idle?.latency, undefined);
  assert.equal(idle?.total, 40);
});

test("edge health with Kiali's default tolerances (5xx: any is degraded, 10% failure; 4xx: 10% / 20%)", () => {
  assert.equal(kialiHealth('http', {}), 'idle');
  assert.equal(kialiHealth('http', { '200': 100 }), 'healthy');
  assert.equal(kialiHealth('http', { '200': 999, '500': 1 }), 'degraded');
  assert.equal(kialiHealth('http', { '200': 91, '503': 9 }), 'degraded');
  assert.equal(kialiHealth('http', { '200': 90, '503': 10 }), 'failure');
  assert.equal(kialiHealth('http', { '200': 95, '404': 5 }), 'healthy');
  assert.equal(kialiHealth('http', { '200': 90, '404': 10 }), 'degraded');
  assert.equal(kialiHealth('http', { '200': 80, '404': 20 }), 'failure');
  assert.equal(kialiHealth('http', { '200': 99, '-': 1 }), 'degraded');
  assert.equal(kialiHealth('grpc', { '0': 9, '14': 1 }), 'failure');
  assert.equal(kialiHealth('grpc', { '0': 99, '5': 1 }), 'degraded');
  // gRPC status 0 is OK, and HTTP tolerances do not apply to gRPC codes.
  assert.equal(kialiHealth('grpc', { '0': 10 }), 'healthy');
});

test('requests to services without a workload become service nodes', () => {
  const clock = new ManualClock();
  const id = identity('sidecar', 'sleep-0.default', { app: 'sleep' });
  const stats = new IstioStats({ identity: id, clock });
  const s = snap(id);
  stats.record(
    request(s, 200, {
      authority: 'httpbin.org',
      routeName: 'allow_any',
      upstreamCluster: 'PassthroughCluster',
      upstreamHost: undefined,
    }),
  );
  const g = new GraphTracker(clock).build([{ kind: 'sidecar', stats }]);
  const svc = g.nodes.find((n) => n.kind === 'service');
  assert.deepEqual(svc, {
    id: 'service:httpbin.org',
    kind: 'service',
    label: 'httpbin.org',
    service: 'httpbin.org',
  });
  assert.equal(g.edges[0]?.source, 'default/sleep');
  assert.equal(g.edges[0]?.target, 'service:httpbin.org');
});

test('histogramQuantile interpolates inside the bucket, as Prometheus histogram_quantile does', () => {
  // prometheus/prometheus promql/quantile.go bucketQuantile: linear within (lower, upper].
  const counts = new Float64Array(BUCKETS.length + 1);
  counts[2] = 4; // (1, 5]
  assert.equal(histogramQuantile(0.5, counts), 3);
  assert.equal(histogramQuantile(1, counts), 5);
  counts[BUCKETS.length] = 100; // +Inf dominates: the highest finite bound
  assert.equal(histogramQuantile(0.99, counts), BUCKETS[BUCKETS.length - 1]);
  assert.equal(histogramQuantile(0.5, new Float64Array(3)), undefined);
});

test('service edges merge a caller’s traffic to every version and recompute health on it', () => {
  const clock = new ManualClock();
  const ppId = identity('sidecar', 'productpage-v1-0.default', {
    app: 'productpage',
    version: 'v1',
  });
  const REVIEWS = 'outbound|9080||reviews.default.svc.cluster.local';
  const base = snap(ppId);
  const endpoint = (port: number, version: string) => ({
    address: '127.0.0.1',
    port,
    labels: { app: 'reviews', version },
    weight: 1,
    workload: `reviews-${version}-0`,
  });
  const reviews: Cluster = {
    ...base.clusters.get(DETAILS)!,
    name: REVIEWS,
    serviceHost: 'reviews.default.svc.cluster.local',
    endpoints: [endpoint(5002, 'v2'), endpoint(5003, 'v3')],
    configHash: 'r',
  };
  const s: ProxySnapshot = { ...base, clusters: new Map([[REVIEWS, reviews]]) };
  const pp = new IstioStats({ identity: ppId, clock });
  const to = (port: number, code: number) =>
    pp.record(
      request(s, code, {
        authority: 'reviews:9080',
        upstreamCluster: REVIEWS,
        upstreamHost: `127.0.0.1:${port}`,
      }),
    );
  for (let i = 0; i < 95; i++) to(5002, 200);
  for (let i = 0; i < 5; i++) to(5003, 503);
  const g = new GraphTracker(clock).build([{ kind: 'sidecar', stats: pp }]);
  const health = Object.fromEntries(g.edges.map((e) => [e.target, e.health]));
  assert.deepEqual(health, { 'default/reviews-v2': 'healthy', 'default/reviews-v3': 'failure' });
  // Merged: 5% 5xx is degraded (Kiali: any 5xx), not the worst of the parts.
  assert.equal(g.serviceEdges.length, 1);
  assert.equal(g.serviceEdges[0]?.target, 'svc:reviews.default.svc.cluster.local');
  assert.equal(g.serviceEdges[0]?.health, 'degraded');
  assert.deepEqual(g.serviceEdges[0]?.windowCodes, { '200': 95, '503': 5 });
  assert.equal(g.serviceEdges[0]?.rps, 100);
});

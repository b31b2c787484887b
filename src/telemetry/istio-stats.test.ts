import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster, ProxySnapshot } from '../compile/snapshot.js';
import type { ProxyIdentity } from '../model/index.js';
import { RequestContext } from '../proxy/index.js';
import { IstioStats, serviceParts } from './istio-stats.js';
import { BUCKETS, HTTP_LABELS, TCP_LABELS } from './metrics.js';
import { peerFromLabels, peerHeaders } from './peer-metadata.js';

const REVIEWS = 'outbound|9080|v2|reviews.default.svc.cluster.local';

function cluster(name: string, extra: Partial<Cluster> = {}): Cluster {
  return {
    name,
    type: 'EDS',
    direction: 'outbound',
    serviceHost: name.split('|')[3] ?? '',
    port: 9080,
    subset: '',
    protocol: 'http',
    endpoints: [
      {
        address: '127.0.0.1',
        port: 4000,
        labels: { app: 'reviews', version: 'v2' },
        weight: 1,
        workload: 'reviews-v2-0',
      },
    ],
    lbPolicy: 'LEAST_REQUEST',
    connectionPool: {
      maxConnections: 1,
      maxPendingRequests: 1,
      maxRequests: 1,
      maxRetries: 1,
      maxRequestsPerConnection: 0,
      connectTimeoutMs: 1000,
      idleTimeoutMs: 1000,
    },
    configHash: name,
    ...extra,
  };
}

function identity(id: string, labels: Record<string, string>): ProxyIdentity {
  return {
    kind: 'sidecar',
    id,
    namespace: 'default',
    labels,
    serviceAccount: 'sa',
    ip: '127.0.0.1',
  };
}

function snap(me: ProxyIdentity, clusters: Cluster[]): ProxySnapshot {
  return {
    version: 1,
    proxy: me,
    listeners: [],
    routeTables: new Map(),
    clusters: new Map(clusters.map((c) => [c.name, c])),
    mesh: { accessLogFile: '', accessLogEncoding: 'TEXT', shadowHostSuffix: false },
  };
}

function ctx(s: ProxySnapshot, init: Partial<RequestContext>): RequestContext {
  const c = new RequestContext(s);
  Object.assign(c, { authority: 'reviews:9080', responseCode: 200, ...init });
  return c;
}

/** label name -> value of the one series line of `metric` in the text. */
function seriesLabels(text: string, metric: string): Record<string, string>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${metric}{`))
    .map((l) => {
      const body = l.slice(metric.length + 1, l.lastIndexOf('}'));
      return Object.fromEntries(
        [...body.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
      );
    });
}

const productpage = identity('productpage-v1-0.default', { app: 'productpage', version: 'v1' });

test('source reporter: own identity as source, the chosen endpoint as destination', () => {
  const stats = new IstioStats({ identity: productpage, workload: 'productpage-v1' });
  const s = snap(productpage, [cluster(REVIEWS)]);
  for (let i = 0; i < 3; i++)
    stats.record(
      ctx(s, {
        listenerDirection: 'outbound',
        upstreamCluster: REVIEWS,
        upstreamHost: '127.0.0.1:4000',
        durationMs: 7,
        bytesReceived: 0,
        bytesSent: 1200,
      }),
    );
  const text = stats.render();
  const [labels, ...rest] = seriesLabels(text, 'istio_requests_total');
  assert.equal(rest.length, 0);
  assert.deepEqual(Object.keys(labels ?? {}), [...HTTP_LABELS]);
  assert.deepEqual(labels, {
    reporter: 'source',
    source_workload: 'productpage-v1',
    source_canonical_service: 'productpage',
    source_canonical_revision: 'v1',
    source_workload_namespace: 'default',
    source_principal: 'unknown',
    source_app: 'productpage',
    source_version: 'v1',
    source_cluster: 'Kubernetes',
    destination_workload: 'reviews-v2',
    destination_workload_namespace: 'default',
    destination_principal: 'unknown',
    destination_app: 'reviews',
    destination_version: 'v2',
    destination_service: 'reviews.default.svc.cluster.local',
    destination_canonical_service: 'reviews',
    destination_canonical_revision: 'v2',
    destination_service_name: 'reviews',
    destination_service_namespace: 'default',
    destination_cluster: 'Kubernetes',
    request_protocol: 'http',
    response_code: '200',
    grpc_response_status: '',
    response_flags: '-',
    connection_security_policy: 'unknown',
  });
  assert.match(text, /^istio_requests_total\{.*\} 3$/m);
  assert.match(text, /^# TYPE istio_requests_total counter$/m);
  for (const h of [
    'istio_request_duration_milliseconds',
    'istio_request_bytes',
    'istio_response_bytes',
  ])
    assert.match(text, new RegExp(`^# TYPE ${h} histogram$`, 'm'));
});

test('histograms use Envoy default buckets, cumulative, with _sum and _count', () => {
  const stats = new IstioStats({ identity: productpage });
  const s = snap(productpage, [cluster(REVIEWS)]);
  for (const d of [0, 3, 7, 70_000, 5_000_000])
    stats.record(
      ctx(s, { upstreamCluster: REVIEWS, upstreamHost: '127.0.0.1:4000', durationMs: d }),
    );
  const text = stats.render();
  const buckets = text
    .split('\n')
    .filter((l) => l.startsWith('istio_request_duration_milliseconds_bucket{'))
    .map((l) => [/le="([^"]+)"/.exec(l)?.[1], Number(l.split(' ').pop())]);
  assert.deepEqual(
    buckets.map((b) => b[0]),
    [...BUCKETS.map(String), '+Inf'],
  );
  const at = (le: string) => buckets.find((b) => b[0] === le)?.[1];
  assert.equal(at('0.5'), 1);
  assert.equal(at('5'), 2);
  assert.equal(at('10'), 3);
  assert.equal(at('300000'), 4);
  assert.equal(at('3600000'), 4);
  assert.equal(at('+Inf'), 5);
  assert.match(text, /^istio_request_duration_milliseconds_sum\{.*\} 5070010$/m);
  assert.match(text, /^istio_request_duration_milliseconds_count\{.*\} 5$/m);
});

test('destination reporter: the source from the peer header, security policy none', () => {
  const reviews = identity('reviews-v2-0.default', { app: 'reviews', version: 'v2' });
  const stats = new IstioStats({ identity: reviews });
  const inbound = cluster('inbound|9080||', {
    direction: 'inbound',
    serviceHost: 'reviews.default.svc.cluster.local',
  });
  const s = snap(reviews, [inbound]);
  const pp = peerFromLabels('productpage-v1', 'default', { app: 'productpage', version: 'v1' });
  const [[, header]] = peerHeaders(pp, 'productpage-v1-0.default', 'sidecar');
  stats.record(
    ctx(s, {
      listenerDirection: 'inbound',
      upstreamCluster: 'inbound|9080||',
      upstreamHost: '127.0.0.1:4000',
      downstreamPeer: header,
      responseCode: 503,
      flags: ['UF', 'URX'],
    }),
  );
  // Without a peer header the source is unknown.
  stats.record(ctx(s, { listenerDirection: 'inbound', upstreamCluster: 'inbound|9080||' }));
  const [withPeer, without] = seriesLabels(stats.render(), 'istio_requests_total');
  assert.equal(withPeer?.['reporter'], 'destination');
  assert.equal(withPeer?.['source_workload'], 'productpage-v1');
  assert.equal(withPeer?.['source_app'], 'productpage');
  assert.equal(withPeer?.['destination_workload'], 'reviews-v2');
  assert.equal(withPeer?.['destination_service'], 'reviews.default.svc.cluster.local');
  assert.equal(withPeer?.['response_code'], '503');
  assert.equal(withPeer?.['response_flags'], 'UF,URX');
  assert.equal(withPeer?.['connection_security_policy'], 'none');
  assert.equal(without?.['source_workload'], 'unknown');
  assert.equal(without?.['source_canonical_revision'], 'latest');
});

test('unknown destinations: PassthroughCluster / BlackHoleCluster names, Host as the service', () => {
  const stats = new IstioStats({ identity: productpage });
  const s = snap(productpage, []);
  stats.record(
    ctx(s, {
      authority: 'example.com',
      routeName: 'allow_any',
      upstreamCluster: 'PassthroughCluster',
    }),
  );
  stats.record(
    ctx(s, {
      authority: 'blocked.example',
      routeName: 'block_all',
      upstreamCluster: 'BlackHoleCluster',
      responseCode: 502,
    }),
  );
  const [pass, black] = seriesLabels(stats.render(), 'istio_requests_total');
  assert.equal(pass?.['destination_service'], 'example.com');
  assert.equal(pass?.['destination_service_name'], 'PassthroughCluster');
  assert.equal(pass?.['destination_workload'], 'unknown');
  assert.equal(black?.['destination_service_name'], 'BlackHoleCluster');
});

test('TCP clusters feed the istio_tcp_* counters without a response code', () => {
  const stats = new IstioStats({ identity: productpage });
  const tcp = 'outbound|9000||tcp-echo.default.svc.cluster.local';
  const s = snap(productpage, [cluster(tcp, { protocol: 'tcp' })]);
  stats.record(
    ctx(s, {
      upstreamCluster: tcp,
      upstreamHost: '127.0.0.1:4000',
      bytesReceived: 5,
      bytesSent: 11,
    }),
  );
  const text = stats.render();
  assert.doesNotMatch(text, /istio_requests_total/);
  const [labels] = seriesLabels(text, 'istio_tcp_sent_bytes_total');
  assert.deepEqual(Object.keys(labels ?? {}), [...TCP_LABELS]);
  assert.equal(labels?.['request_protocol'], 'tcp');
  assert.match(text, /^istio_tcp_sent_bytes_total\{.*\} 11$/m);
  assert.match(text, /^istio_tcp_received_bytes_total\{.*\} 5$/m);
  assert.match(text, /^istio_tcp_connections_opened_total\{.*\} 1$/m);
  assert.match(text, /^istio_tcp_connections_closed_total\{.*\} 1$/m);
});

test('grpc requests report request_protocol grpc; label values are escaped', () => {
  const stats = new IstioStats({ identity: productpage });
  const s = snap(productpage, []);
  stats.record(ctx(s, { grpc: true, grpcStatus: 0, authority: 'we"ird\\host' }));
  const text = stats.render();
  assert.match(text, /request_protocol="grpc",response_code="200",grpc_response_status="0"/);
  assert.match(text, /destination_service="we\\"ird\\\\host"/);
});

// istio/proxy istio_stats.cc: grpc_response_status is Grpc::Common::getGrpcStatus(trailers, headers,
// info): the trailers' (or trailers-only headers') grpc-status, else httpToGrpcStatus of the HTTP code.
test('grpc_response_status: the grpc-status the response carried, else the HTTP code mapped', () => {
  const stats = new IstioStats({ identity: productpage });
  const s = snap(productpage, []);
  stats.record(ctx(s, { grpc: true, grpcStatus: 5 }));
  stats.record(ctx(s, { grpc: true, responseCode: 503 }));
  stats.record(ctx(s, { grpc: true }));
  stats.record(ctx(s, { grpc: false, grpcStatus: 3 }));
  const text = stats.render();
  assert.match(text, /response_code="200",grpc_response_status="5"/);
  assert.match(text, /response_code="503",grpc_response_status="14"/);
  // A 200 without any grpc-status (e.g. the stream ended early) is Unknown (2), as in Envoy.
  assert.match(text, /request_protocol="grpc",response_code="200",grpc_response_status="2"/);
  assert.match(text, /request_protocol="http",response_code="200",grpc_response_status=""/);
});

test('serviceParts splits Kubernetes hostnames only', () => {
  assert.deepEqual(serviceParts('reviews.default.svc.cluster.local'), {
    name: 'reviews',
    namespace: 'default',
  });
  assert.deepEqual(serviceParts('httpbin.org'), { name: 'httpbin.org', namespace: undefined });
});

test('a snapshot swap keeps counting into the same series', () => {
  const stats = new IstioStats({ identity: productpage });
  const at = { upstreamCluster: REVIEWS, upstreamHost: '127.0.0.1:4000' };
  stats.record(ctx(snap(productpage, [cluster(REVIEWS)]), at));
  stats.record(ctx(snap(productpage, [cluster(REVIEWS)]), at));
  assert.equal(stats.httpSeries().length, 1);
  assert.match(stats.render(), /^istio_requests_total\{.*\} 2$/m);
});

test('a request a fault aborts before the router still names the route’s service', () => {
  const stats = new IstioStats({ identity: productpage });
  const s = snap(productpage, [cluster(REVIEWS)]);
  stats.record(ctx(s, { routeCluster: REVIEWS, responseCode: 500, flags: ['FI'] }));
  const [labels] = seriesLabels(stats.render(), 'istio_requests_total');
  assert.equal(labels?.['destination_service'], 'reviews.default.svc.cluster.local');
  assert.equal(labels?.['destination_service_name'], 'reviews');
  assert.equal(labels?.['destination_workload'], 'unknown');
  assert.equal(labels?.['response_flags'], 'FI');
});

// Istio's merge and selection rules, one scenario each: first VirtualService per host wins on sidecars,
// gateway routes concatenated with catch-alls last, delegate, exportTo, sourceLabels, REGISTRY_ONLY,
// DestinationRule lookup and policy layering, route fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFrom, routeRows } from './helpers/compile.js';
import { fixture } from './helpers/shared.js';
import { readFileSync } from 'node:fs';
import type { ForwardAction, Route } from '../src/compile/index.js';

const bookinfo = readFileSync(fixture('compile', 'bookinfo.yaml'), 'utf8');
const drs = readFileSync(fixture('compile', 'destination-rules.yaml'), 'utf8');

function fwd(r: Route | undefined): ForwardAction {
  assert.ok(r && r.action.type === 'forward', 'expected a forward route');
  return r.action as ForwardAction;
}

function vhostRoutes(texts: string[], proxy: string, table: string, vhost: string): Route[] {
  const { snapshot } = compileFrom(texts, proxy);
  const vh = snapshot.routeTables.get(table)?.virtualHosts.find((v) => v.name === vhost);
  assert.ok(vh, `no vhost ${vhost} in ${table}`);
  return [...vh.routes];
}

test('sidecar: the first VirtualService for a host wins; the later one is dropped', () => {
  const vs = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews-a }
spec:
  hosts: [reviews]
  http:
    - route: [{ destination: { host: reviews, subset: v2 } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews-b }
spec:
  hosts: [reviews.default.svc.cluster.local]
  http:
    - route: [{ destination: { host: reviews, subset: v3 } }]
`;
  const { snapshot, warnings } = compileFrom([bookinfo, drs, vs], 'productpage-v1');
  const rows = routeRows(snapshot, '9080').filter((r) => r.startsWith('reviews'));
  assert.deepEqual(rows, [
    'reviews.default.svc.cluster.local:9080 / -> outbound|9080|v2|reviews.default.svc.cluster.local',
  ]);
  assert.ok(warnings.some((w) => w.message.includes('duplicate domain')));
});

test('VS route order: rules in order, each match block one route, catch-all ends emission', () => {
  const vs = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
    - name: jason
      match:
        - name: hdr
          headers: { end-user: { exact: jason } }
        - uri: { prefix: /v2 }
          ignoreUriCase: true
      route: [{ destination: { host: reviews, subset: v2 } }]
    - route:
        - { destination: { host: reviews, subset: v1 }, weight: 80 }
        - { destination: { host: reviews, subset: v3 }, weight: 20 }
        - { destination: { host: reviews, subset: v2 }, weight: 0 }
    - route: [{ destination: { host: reviews, subset: v3 } }]
`;
  const routes = vhostRoutes(
    [bookinfo, drs, vs],
    'productpage-v1',
    '9080',
    'reviews.default.svc.cluster.local:9080',
  );
  assert.deepEqual(
    routes.map((r) => r.name),
    ['jason.hdr', 'jason', ''],
  );
  assert.deepEqual(routes[0]!.match.headers, [
    { name: 'end-user', match: { kind: 'exact', value: 'jason' }, invert: false },
  ]);
  assert.deepEqual(routes[1]!.match.path, {
    kind: 'prefix',
    value: '/v2',
    ignoreCase: true,
    lowerValue: '/v2',
  });
  const split = fwd(routes[2]);
  assert.deepEqual(
    split.clusters.map((c) => [c.clusterName.split('|')[2], c.weight]),
    [
      ['v1', 80],
      ['v3', 20],
    ],
  );
  assert.equal(split.totalWeight, 100);
});

test('sourceLabels / sourceNamespace / port are static: evaluated for the compiling proxy', () => {
  const vs = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ratings }
spec:
  hosts: [ratings]
  http:
    - match:
        - sourceLabels: { app: reviews, version: v2 }
      route: [{ destination: { host: ratings, subset: v2 } }]
    - match:
        - port: 8080
      route: [{ destination: { host: ratings, subset: v2 } }]
    - match:
        - sourceNamespace: other
      route: [{ destination: { host: ratings, subset: v2 } }]
    - route: [{ destination: { host: ratings, subset: v1 } }]
`;
  // For reviews-v2 the sourceLabels block becomes a match-anything route: a catch-all ends emission.
  const fromV2 = vhostRoutes(
    [bookinfo, drs, vs],
    'reviews-v2',
    '9080',
    'ratings.default.svc.cluster.local:9080',
  );
  assert.deepEqual(
    fromV2.map((r) => fwd(r).clusters[0]!.clusterName.split('|')[2]),
    ['v2'],
  );
  const fromV1 = vhostRoutes(
    [bookinfo, drs, vs],
    'reviews-v1',
    '9080',
    'ratings.default.svc.cluster.local:9080',
  );
  assert.deepEqual(
    fromV1.map((r) => fwd(r).clusters[0]!.clusterName.split('|')[2]),
    ['v1'],
  );
});

test('a VS whose every route is filtered out for this proxy leaves the service its default route', () => {
  const vs = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ratings }
spec:
  hosts: [ratings]
  http:
    - match: [{ sourceLabels: { app: nobody } }]
      route: [{ destination: { host: ratings } }]
`;
  const { snapshot } = compileFrom([bookinfo, vs], 'productpage-v1');
  const ratings = snapshot.routeTables
    .get('9080')!
    .virtualHosts.find((v) => v.name.startsWith('ratings'))!;
  assert.deepEqual(
    ratings.routes.map((r) => [r.name, r.virtualService]),
    [['default', undefined]],
  );
});

test('exportTo: a VS and a Service exported to "." are invisible from other namespaces', () => {
  const other = `
apiVersion: v1
kind: Service
metadata:
  name: secret
  namespace: other
  annotations: { networking.istio.io/exportTo: "." }
spec:
  ports: [{ port: 9080, name: http }]
  selector: { app: secret }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews-private, namespace: other }
spec:
  hosts: [reviews.default.svc.cluster.local]
  exportTo: ["."]
  http:
    - route: [{ destination: { host: reviews.default.svc.cluster.local, subset: v3 } }]
`;
  const { snapshot } = compileFrom([bookinfo, drs, other], 'productpage-v1');
  const rows = routeRows(snapshot, '9080');
  assert.ok(
    rows.includes(
      'reviews.default.svc.cluster.local:9080 / -> outbound|9080||reviews.default.svc.cluster.local',
    ),
  );
  assert.ok(!rows.some((r) => r.startsWith('secret')));
  assert.ok(![...snapshot.clusters.keys()].some((k) => k.includes('secret.other')));
});

test("delegate: root matches merged with the delegate's, conflicting delegate routes dropped", () => {
  const vs = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: root }
spec:
  hosts: [reviews]
  http:
    - name: api
      match: [{ uri: { prefix: /api } }]
      timeout: 3s
      delegate: { name: leaf, namespace: team }
    - route: [{ destination: { host: reviews, subset: v1 } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: leaf, namespace: team }
spec:
  http:
    - name: v2
      match: [{ uri: { prefix: /api/v2 } }]
      route: [{ destination: { host: reviews.default.svc.cluster.local, subset: v2 } }]
    - name: other
      match: [{ uri: { prefix: /other } }]
      route: [{ destination: { host: reviews.default.svc.cluster.local, subset: v3 } }]
`;
  const routes = vhostRoutes(
    [bookinfo, drs, vs],
    'productpage-v1',
    '9080',
    'reviews.default.svc.cluster.local:9080',
  );
  assert.deepEqual(
    routes.map((r) => [r.name, r.match.path && 'value' in r.match.path ? r.match.path.value : '/']),
    [
      ['api-v2', '/api/v2'],
      ['', '/'],
    ],
  );
  assert.equal(fwd(routes[0]).timeoutMs, 3000);
  assert.equal(
    fwd(routes[0]).clusters[0]!.clusterName,
    'outbound|9080|v2|reviews.default.svc.cluster.local',
  );
});

test('gateway: routes of all bound VSs concatenated per host, catch-alls moved last', () => {
  const gw = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: gw, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers:
    - port: { number: 80, name: http, protocol: HTTP }
      hosts: ["*.example.com"]
    - port: { number: 80, name: http-2, protocol: HTTP }
      hosts: ["default/bookinfo.local"]
      tls: { httpsRedirect: true }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: first }
spec:
  hosts: [shop.example.com]
  gateways: [istio-system/gw]
  http:
    - route: [{ destination: { host: reviews } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: second }
spec:
  hosts: ["*.example.com"]
  gateways: [istio-system/gw]
  http:
    - match: [{ uri: { prefix: /ratings } }]
      route: [{ destination: { host: ratings } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: third }
spec:
  hosts: [shop.example.com]
  gateways: [istio-system/gw]
  http:
    - match: [{ uri: { exact: /details } }]
      route: [{ destination: { host: details } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: bookinfo }
spec:
  hosts: [bookinfo.local]
  gateways: [istio-system/gw]
  http:
    - route: [{ destination: { host: productpage } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: wrongns, namespace: other }
spec:
  hosts: [bookinfo.local]
  gateways: [istio-system/gw]
  http:
    - route: [{ destination: { host: productpage.default.svc.cluster.local } }]
`;
  const { snapshot } = compileFrom([bookinfo, gw], 'istio-ingressgateway');
  assert.deepEqual(routeRows(snapshot, 'http.80'), [
    '*.example.com:80 prefix:/ratings -> outbound|9080||ratings.default.svc.cluster.local',
    'bookinfo.local:80 / -> outbound|9080||productpage.default.svc.cluster.local',
    'shop.example.com:80 exact:/details -> outbound|9080||details.default.svc.cluster.local',
    'shop.example.com:80 / -> outbound|9080||reviews.default.svc.cluster.local',
  ]);
  const t = snapshot.routeTables.get('http.80')!;
  assert.equal(t.virtualHosts.find((v) => v.name === 'bookinfo.local:80')!.requireTls, true);
  assert.equal(t.wildcardDomains[0]![0], '.example.com');
  assert.equal(t.exactDomains.get('shop.example.com:80')!.name, 'shop.example.com:80');
});

test('REGISTRY_ONLY: Sidecar outboundTrafficPolicy block without mode, and mesh config', () => {
  const sidecar = `
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: default }
spec:
  outboundTrafficPolicy: {}
`;
  const { snapshot } = compileFrom([bookinfo, sidecar], 'productpage-v1');
  const t = snapshot.routeTables.get('9080')!;
  assert.equal(t.catchAll?.name, 'block_all');
  assert.deepEqual(t.catchAll?.routes[0]!.action, { type: 'direct', status: 502 });
  assert.equal(snapshot.listeners[0]!.outboundTrafficPolicy, 'REGISTRY_ONLY');
  const mesh = compileFrom([bookinfo], 'productpage-v1', {
    mesh: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } },
  }).snapshot;
  assert.equal(mesh.routeTables.get('9080')!.catchAll?.name, 'block_all');
  assert.equal(
    compileFrom([bookinfo], 'productpage-v1').snapshot.routeTables.get('9080')!.catchAll?.name,
    'allow_any',
  );
});

test('Sidecar egress hosts limit the imported services', () => {
  const sidecar = `
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: productpage }
spec:
  workloadSelector: { labels: { app: productpage } }
  egress:
    - hosts: ["./reviews.default.svc.cluster.local", "istio-system/*"]
`;
  const { snapshot } = compileFrom([bookinfo, sidecar], 'productpage-v1');
  assert.deepEqual(
    snapshot.routeTables.get('9080')!.virtualHosts.map((v) => v.name),
    ['reviews.default.svc.cluster.local:9080', 'allow_any'],
  );
});

test('DestinationRule layering: DR -> port level (replace) -> subset -> subset port level', () => {
  const dr = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: { simple: ROUND_ROBIN }
    connectionPool:
      tcp: { maxConnections: 100, connectTimeout: 2s }
      http: { http1MaxPendingRequests: 7 }
    outlierDetection: { consecutive5xxErrors: 3 }
  subsets:
    - name: v1
      labels: { version: v1 }
    - name: v2
      labels: { version: v2 }
      trafficPolicy:
        loadBalancer: { simple: RANDOM }
    - name: v3
      labels: { version: v3 }
      trafficPolicy:
        connectionPool: { http: { http2MaxRequests: 9 } }
        portLevelSettings:
          - port: { number: 9080 }
            loadBalancer:
              consistentHash: { httpHeaderName: x-user, maglev: { tableSize: 1031 } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ratings }
spec:
  host: ratings
  trafficPolicy:
    loadBalancer: { simple: ROUND_ROBIN }
    connectionPool: { tcp: { maxConnections: 5 } }
    portLevelSettings:
      - port: { number: 9080 }
        loadBalancer: { simple: RANDOM }
`;
  const { snapshot } = compileFrom([bookinfo, dr], 'productpage-v1');
  const c = (n: string) => snapshot.clusters.get(n)!;
  const base = c('outbound|9080||reviews.default.svc.cluster.local');
  assert.equal(base.lbPolicy, 'ROUND_ROBIN');
  assert.equal(base.connectionPool.maxConnections, 100);
  assert.equal(base.connectionPool.maxPendingRequests, 7);
  assert.equal(base.connectionPool.connectTimeoutMs, 2000);
  assert.deepEqual(base.outlierDetection, {
    consecutive5xx: 3,
    consecutiveGatewayErrors: 0,
    splitExternalLocalOriginErrors: false,
    consecutiveLocalOriginFailures: 5,
    intervalMs: 10_000,
    baseEjectionTimeMs: 30_000,
    maxEjectionPercent: 10,
    minHealthPercent: 0,
  });
  assert.equal(c('outbound|9080|v1|reviews.default.svc.cluster.local').lbPolicy, 'ROUND_ROBIN');
  const v2 = c('outbound|9080|v2|reviews.default.svc.cluster.local');
  assert.equal(v2.lbPolicy, 'RANDOM');
  assert.equal(v2.connectionPool.maxConnections, 100);
  // Subset port-level settings replace every block: pool and outlier detection back to defaults.
  const v3 = c('outbound|9080|v3|reviews.default.svc.cluster.local');
  assert.equal(v3.lbPolicy, 'MAGLEV');
  assert.deepEqual(v3.maglev, { tableSize: 1031 });
  assert.equal(v3.connectionPool.maxConnections, 4294967295);
  assert.equal(v3.connectionPool.maxRequests, 4294967295);
  assert.equal(v3.outlierDetection, undefined);
  // DR port-level settings replace the DR level too.
  const ratings = c('outbound|9080||ratings.default.svc.cluster.local');
  assert.equal(ratings.lbPolicy, 'RANDOM');
  assert.equal(ratings.connectionPool.maxConnections, 4294967295);
  assert.notEqual(base.configHash, v2.configHash);
});

test('consistent hash: RING_HASH cluster and the route hash policy, retries keep the host', () => {
  const dr = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  trafficPolicy:
    loadBalancer:
      consistentHash: { httpCookie: { name: user, ttl: 10s } }
`;
  const { snapshot } = compileFrom([bookinfo, dr], 'productpage-v1');
  const c = snapshot.clusters.get('outbound|9080||reviews.default.svc.cluster.local')!;
  assert.equal(c.lbPolicy, 'RING_HASH');
  assert.deepEqual(c.ringHash, { minimumRingSize: 1024 });
  const route = snapshot.routeTables
    .get('9080')!
    .virtualHosts.find((v) => v.name.startsWith('reviews'))!.routes[0];
  assert.deepEqual(fwd(route).hashPolicy, { kind: 'cookie', name: 'user', ttlMs: 10_000 });
  assert.equal(fwd(route).retry?.retryIgnorePreviousHosts, false);
});

test('DestinationRule lookup: proxy namespace, then service namespace, then root namespace', () => {
  const rules = (ns: string, lb: string, exportTo = '') => `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: r-${ns}, namespace: ${ns} }
spec:
  host: reviews.default.svc.cluster.local
  ${exportTo}
  trafficPolicy: { loadBalancer: { simple: ${lb} } }
`;
  const client = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: client, namespace: client }
spec:
  template:
    metadata: { labels: { app: client } }
    spec: { containers: [{ name: c }] }
`;
  const lbOf = (texts: string[]) =>
    compileFrom([bookinfo, client, ...texts], 'client.client').snapshot.clusters.get(
      'outbound|9080||reviews.default.svc.cluster.local',
    )!;
  assert.equal(lbOf([rules('istio-system', 'RANDOM')]).lbPolicy, 'RANDOM');
  assert.equal(
    lbOf([rules('istio-system', 'RANDOM'), rules('default', 'ROUND_ROBIN')]).lbPolicy,
    'ROUND_ROBIN',
  );
  assert.equal(
    lbOf([
      rules('istio-system', 'RANDOM'),
      rules('default', 'ROUND_ROBIN'),
      rules('client', 'PASSTHROUGH'),
    ]).type,
    'ORIGINAL_DST',
  );
  // A service-namespace rule exported only to its own namespace is skipped: the root rule applies.
  assert.equal(
    lbOf([rules('istio-system', 'RANDOM'), rules('default', 'ROUND_ROBIN', 'exportTo: ["."]')])
      .lbPolicy,
    'RANDOM',
  );
  assert.equal(lbOf([rules('default', 'ROUND_ROBIN')]).destinationRule, 'r-default.default');
});

test('route fields: retries, timeout, fault, mirrors, rewrite, headers, redirect, direct response, cors', () => {
  const vs = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
    - match: [{ uri: { prefix: /a } }]
      timeout: 1.5s
      retries: { attempts: 3, retryOn: "5xx,503,reset", perTryTimeout: 500ms }
      fault:
        delay: { fixedDelay: 2s, percent: 30 }
        abort: { httpStatus: 418, percentage: { value: 12.5 } }
      mirror: { host: ratings }
      mirrors:
        - destination: { host: details }
          percentage: { value: 5 }
      rewrite: { uri: /b, authority: other.host }
      headers:
        request: { set: { X-A: "1", ":path": /x }, remove: [X-B] }
        response: { add: { x-c: "2" } }
      route:
        - destination: { host: reviews, subset: v1 }
          headers: { request: { set: { host: dest.host } } }
    - match: [{ uri: { prefix: /noretry } }]
      retries: { attempts: 0 }
      mirrorPercentage: { value: 0 }
      mirror: { host: ratings }
      route: [{ destination: { host: reviews } }]
    - match: [{ uri: { regex: "/r/[0-9]+" } }]
      rewrite: { uriRegexRewrite: { match: "^/r/(.*)$", rewrite: "/s/\\\\1" } }
      route: [{ destination: { host: reviews } }]
    - match: [{ uri: { exact: /old } }]
      redirect: { uri: /new, authority: example.com, redirectCode: 308 }
    - match: [{ uri: { exact: /teapot } }]
      directResponse: { status: 418, body: { string: short and stout } }
    - match: [{ uri: { exact: /bad } }]
      redirect: { uri: /x, redirectCode: 300 }
    - corsPolicy:
        allowOrigins: [{ exact: https://a.example }, { regex: "https://.*\\\\.b" }]
        allowMethods: [GET]
        maxAge: 24h
        allowCredentials: true
      route: [{ destination: { host: reviews } }]
`;
  const { snapshot, warnings } = compileFrom([bookinfo, drs, vs], 'productpage-v1');
  const routes = snapshot.routeTables
    .get('9080')!
    .virtualHosts.find((v) => v.name.startsWith('reviews'))!.routes;
  assert.equal(routes.length, 6, 'redirect 300 is dropped');
  assert.ok(warnings.some((w) => w.message.includes('redirectCode 300')));
  const a = fwd(routes[0]);
  assert.equal(a.timeoutMs, 1500);
  assert.deepEqual(a.retry, {
    numRetries: 3,
    retryOn: ['5xx', 'reset', 'retriable-status-codes'],
    retriableStatusCodes: [503],
    perTryTimeoutMs: 500,
    backoffBaseMs: 25,
    retryIgnorePreviousHosts: true,
  });
  assert.deepEqual(routes[0]!.fault, {
    delay: { delayMs: 2000, percentage: 30 },
    abort: { httpStatus: 418, percentage: 12.5 },
  });
  assert.deepEqual(a.mirrors, [
    { clusterName: 'outbound|9080||ratings.default.svc.cluster.local', percentage: 100 },
    { clusterName: 'outbound|9080||details.default.svc.cluster.local', percentage: 5 },
  ]);
  assert.equal(a.prefixRewrite, '/b');
  assert.equal(a.hostRewrite, 'other.host');
  assert.deepEqual(routes[0]!.requestHeaders, { set: [['x-a', '1']], add: [], remove: ['x-b'] });
  assert.deepEqual(routes[0]!.responseHeaders, { set: [], add: [['x-c', '2']], remove: [] });
  assert.equal(a.clusters[0]!.hostRewrite, 'dest.host');
  const b = fwd(routes[1]);
  assert.equal(b.retry, undefined);
  assert.deepEqual(b.mirrors, []);
  const c = fwd(routes[2]);
  assert.equal(routes[2]!.match.path?.kind, 'regex');
  assert.equal(c.regexRewrite?.regex.replaceAll('/r/42', c.regexRewrite.substitution), '/s/42');
  assert.deepEqual(routes[3]!.action, {
    type: 'redirect',
    path: '/new',
    host: 'example.com',
    responseCode: 308,
  });
  assert.deepEqual(routes[4]!.action, {
    type: 'direct',
    status: 418,
    body: Buffer.from('short and stout'),
  });
  const cors = routes[5]!.cors!;
  assert.equal(cors.maxAge, '86400');
  assert.equal(cors.allowCredentials, true);
  assert.equal(cors.forwardNotMatchingPreflights, true);
  assert.equal(cors.allowOrigins[1]!.kind, 'regex');
});

test('mesh defaultHttpRetryPolicy replaces the built-in default retry policy', () => {
  const { snapshot } = compileFrom([bookinfo], 'productpage-v1', {
    mesh: { defaultHttpRetryPolicy: { attempts: 5, retryOn: 'gateway-error' } },
  });
  const r = snapshot.routeTables.get('9080')!.virtualHosts[0]!.routes[0];
  assert.equal(fwd(r).retry?.numRetries, 5);
  assert.deepEqual(fwd(r).retry?.retryOn, ['gateway-error']);
});

test('an invalid regex skips the match, not the proxy', () => {
  const vs = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
    - match: [{ uri: { regex: "(?<=x)y" } }]
      route: [{ destination: { host: reviews } }]
    - route: [{ destination: { host: reviews, subset: v1 } }]
`;
  const { snapshot, warnings } = compileFrom([bookinfo, drs, vs], 'productpage-v1');
  assert.deepEqual(
    routeRows(snapshot, '9080').filter((r) => r.startsWith('reviews')),
    [
      'reviews.default.svc.cluster.local:9080 / -> outbound|9080|v1|reviews.default.svc.cluster.local',
    ],
  );
  assert.ok(warnings.some((w) => w.message.includes('match skipped')));
});

test('wildcard VirtualService hosts: an exact host or a longer wildcard takes the service', () => {
  const vs = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: all }
spec:
  hosts: ["*.svc.cluster.local"]
  http:
    - route: [{ destination: { host: details } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ns }
spec:
  hosts: ["*.default.svc.cluster.local"]
  http:
    - route: [{ destination: { host: ratings } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
    - route: [{ destination: { host: reviews, subset: v3 } }]
`;
  const { snapshot } = compileFrom([bookinfo, drs, vs], 'productpage-v1');
  const rows = routeRows(snapshot, '9080');
  assert.ok(
    rows.includes(
      'reviews.default.svc.cluster.local:9080 / -> outbound|9080|v3|reviews.default.svc.cluster.local',
    ),
  );
  assert.ok(
    rows.includes(
      'details.default.svc.cluster.local:9080 / -> outbound|9080||ratings.default.svc.cluster.local',
    ),
  );
});

test('VS hosts outside the registry get virtual hosts on port 80 only', () => {
  const vs = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: external }
spec:
  hosts: [api.example.com]
  http:
    - route: [{ destination: { host: reviews, port: { number: 9080 } } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: mixed }
spec:
  hosts: [ratings, ratings.example.com]
  http:
    - route: [{ destination: { host: ratings } }]
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ name: http, port: 80 }]
`;
  const { snapshot } = compileFrom([bookinfo, vs], 'productpage-v1');
  assert.deepEqual(
    snapshot.routeTables.get('80')!.virtualHosts.map((v) => [v.name, v.domains[0]]),
    [
      ['api.example.com:80', 'api.example.com'],
      ['web.default.svc.cluster.local:80', 'web.default.svc.cluster.local'],
      ['allow_any', '*'],
    ],
  );
  assert.ok(
    snapshot.routeTables
      .get('9080')!
      .virtualHosts.some((v) => v.name === 'ratings.example.com:9080'),
  );
});

test('match-level gateways narrow a block to those gateways and ignore sourceLabels there', () => {
  const texts = [
    bookinfo,
    drs,
    `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: gw }
spec:
  selector: { istio: ingressgateway }
  servers:
    - port: { number: 80, name: http, protocol: HTTP }
      hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  gateways: [gw, mesh]
  http:
    - match: [{ gateways: [gw], sourceLabels: { app: nobody } }]
      route: [{ destination: { host: reviews, subset: v2 } }]
    - match: [{ gateways: [mesh], uri: { prefix: /m } }]
      route: [{ destination: { host: reviews, subset: v3 } }]
    - route: [{ destination: { host: reviews, subset: v1 } }]
`,
  ];
  const side = compileFrom(texts, 'productpage-v1').snapshot;
  assert.deepEqual(
    routeRows(side, '9080').filter((r) => r.startsWith('reviews')),
    [
      'reviews.default.svc.cluster.local:9080 prefix:/m -> outbound|9080|v3|reviews.default.svc.cluster.local',
      'reviews.default.svc.cluster.local:9080 / -> outbound|9080|v1|reviews.default.svc.cluster.local',
    ],
  );
  const gw = compileFrom(texts, 'istio-ingressgateway').snapshot;
  assert.deepEqual(routeRows(gw, 'http.80'), [
    'reviews.default.svc.cluster.local:80 / -> outbound|9080|v2|reviews.default.svc.cluster.local',
  ]);
});

test('odd shapes (nulls, numbers for strings) are skipped with warnings, never thrown', () => {
  const odd = readFileSync(fixture('compile', 'odd-shapes.yaml'), 'utf8');
  const side = compileFrom([odd], 'reviews-v1');
  assert.deepEqual(routeRows(side.snapshot, '9080'), [
    'reviews.default.svc.cluster.local:9080 / -> outbound|9080||reviews.default.svc.cluster.local',
    'allow_any / -> PassthroughCluster',
  ]);
  assert.ok(side.warnings.some((w) => w.resource === 'VirtualService default/weird'));
  const gw = compileFrom([odd], 'istio-ingressgateway');
  assert.deepEqual(
    gw.snapshot.routeTables.get('http.80')!.virtualHosts.map((v) => v.name),
    ['blackhole:80'],
  );
});

test('single destination: its header ops join the route level after the route ops; weighted keep theirs', () => {
  // Found by test/conformance/yaml/cases/actions.yaml "header set/add/remove at route and destination level".
  const vs = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
    - match: [{ uri: { prefix: /one } }]
      headers: { request: { set: { x-a: route }, add: { x-b: r } } }
      route:
        - destination: { host: reviews }
          headers: { request: { set: { x-a: dest, x-b: dest } }, response: { add: { x-r: d } } }
    - headers: { request: { set: { x-a: route } } }
      route:
        - { destination: { host: reviews }, weight: 50, headers: { request: { set: { x-a: w } } } }
        - { destination: { host: ratings }, weight: 50 }
`;
  const [one, two] = vhostRoutes(
    [bookinfo, vs],
    'productpage-v1',
    '9080',
    'reviews.default.svc.cluster.local:9080',
  );
  assert.deepEqual(one?.requestHeaders, {
    set: [
      ['x-a', 'route'],
      ['x-a', 'dest'],
      ['x-b', 'dest'],
    ],
    add: [],
    remove: [],
  });
  assert.deepEqual(one?.responseHeaders, { set: [], add: [['x-r', 'd']], remove: [] });
  assert.equal(fwd(one).clusters[0]?.requestHeaders, undefined);
  assert.deepEqual(fwd(two).clusters[0]?.requestHeaders, {
    set: [['x-a', 'w']],
    add: [],
    remove: [],
  });
  assert.deepEqual(two?.requestHeaders, { set: [['x-a', 'route']], add: [], remove: [] });
});

test('sidecar: a VS applies to its service even when an earlier host of it is not a service', () => {
  // Found by test/conformance/yaml/cases/gateway.yaml "gateways: [mesh] route at the sidecar".
  const vs = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [app.example.com, reviews]
  http:
    - name: first
      match: [{ uri: { prefix: /gw } }]
      route: [{ destination: { host: reviews, subset: v2 } }]
`;
  const routes = vhostRoutes(
    [bookinfo, drs, vs],
    'productpage-v1',
    '9080',
    'reviews.default.svc.cluster.local:9080',
  );
  assert.deepEqual(
    routes.map((r) => r.name),
    ['first'],
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConfigSnapshot, defaultMeshConfig, parseResources } from '../config/index.js';
import { buildRegistry, resolveProxy } from '../registry/index.js';
import { compileProxy, type ProxySnapshot } from '../compile/index.js';
import { locatorFor } from './locate.js';
import { buildRequest } from './request.js';
import { traceRequest, type TraceOptions } from './trace.js';

const SERVICES = `
apiVersion: v1
kind: Service
metadata: { name: reviews }
spec: { ports: [{ port: 9080, name: http }], selector: { app: reviews } }
---
apiVersion: v1
kind: Service
metadata: { name: productpage }
spec: { ports: [{ port: 9080, name: http }], selector: { app: productpage } }
${['v1', 'v2']
  .map(
    (v) => `---
apiVersion: apps/v1
kind: Deployment
metadata: { name: reviews-${v} }
spec:
  selector: { matchLabels: { app: reviews, version: ${v} } }
  template:
    metadata: { labels: { app: reviews, version: ${v} } }
    spec: { containers: [{ name: r, image: x, ports: [{ containerPort: 9080 }] }] }`,
  )
  .join('\n')}
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: productpage-v1 }
spec:
  selector: { matchLabels: { app: productpage, version: v1 } }
  template:
    metadata: { labels: { app: productpage, version: v1 } }
    spec: { containers: [{ name: p, image: x, ports: [{ containerPort: 9080 }] }] }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  trafficPolicy:
    connectionPool:
      http: { http1MaxPendingRequests: 1, http2MaxRequests: 5 }
    outlierDetection: { consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 30s }
  subsets:
    - { name: v1, labels: { version: v1 } }
    - { name: v2, labels: { version: v2 } }
`;

const JASON = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
    - match:
        - headers: { end-user: { exact: jason } }
      route: [{ destination: { host: reviews, subset: v2 } }]
    - route:
        - { destination: { host: reviews, subset: v1 }, weight: 80 }
        - { destination: { host: reviews, subset: v2 }, weight: 20 }
`;

function compile(
  yaml: string,
  proxyName: string,
  mode: 'ALLOW_ANY' | 'REGISTRY_ONLY' = 'ALLOW_ANY',
): { snap: ProxySnapshot; locate: ReturnType<typeof locatorFor> } {
  const parsed = parseResources(yaml, 'mesh.yaml');
  const config = createConfigSnapshot(parsed.resources, {
    ...defaultMeshConfig(),
    outboundTrafficPolicy: { mode },
  });
  const registry = buildRegistry(config);
  const proxy = resolveProxy(registry, proxyName);
  assert.ok(proxy, `no proxy ${proxyName}`);
  return { snap: compileProxy(config, registry, proxy), locate: locatorFor(config) };
}

const sidecar: TraceOptions['target'] = { kind: 'sidecar' };

// Istio VirtualService semantics: http rules in order, first match wins
// (istio/api networking/v1alpha3/virtual_service.proto HTTPRoute).
test('jason reaches reviews v2; others fail http[0] on the end-user header and take the 80/20 split', () => {
  const { snap, locate } = compile(`${SERVICES}\n---\n${JASON}`, 'productpage-v1');
  const jason = traceRequest(
    snap,
    buildRequest('http://reviews:9080/reviews/0', { headers: ['end-user: jason'] }),
    { target: sidecar, locate },
  );
  assert.equal(jason.outcome.kind, 'forward');
  assert.equal(jason.route?.rule, 'http[0] match[0]');
  assert.equal(jason.route?.virtualService, 'reviews.default');
  assert.match(jason.route?.source ?? '', /^mesh\.yaml:\d+$/);
  assert.deepEqual(
    jason.destinations.map((d) => [d.cluster, d.percent]),
    [['outbound|9080|v2|reviews.default.svc.cluster.local', 100]],
  );

  const other = traceRequest(snap, buildRequest('http://reviews:9080/reviews/0'), {
    target: sidecar,
    locate,
  });
  assert.equal(other.rules[0]?.failed, "header end-user exact 'jason' != absent");
  assert.equal(other.route?.rule, 'http[1]');
  assert.deepEqual(
    other.destinations.map((d) => [d.details?.subset, d.percent]),
    [
      ['v1', 80],
      ['v2', 20],
    ],
  );
});

// DestinationRule connectionPool -> Envoy circuit_breakers; overflow is 503 UO
// (istio/istio pilot/pkg/networking/core/cluster_traffic_policy.go applyConnectionPool).
test('a DestinationRule subset shows its circuit breaker and outlier settings and the UO flag', () => {
  const { snap, locate } = compile(`${SERVICES}\n---\n${JASON}`, 'productpage-v1');
  const t = traceRequest(
    snap,
    buildRequest('http://reviews:9080/', { headers: ['end-user: jason'] }),
    { target: sidecar, locate },
  );
  const c = t.destinations[0]?.details;
  assert.equal(c?.destinationRule, 'reviews.default');
  assert.equal(c?.subset, 'v2');
  assert.deepEqual(c?.circuitBreakers, { http1MaxPendingRequests: 1, http2MaxRequests: 5 });
  assert.equal(c?.outlierDetection?.['consecutive5xxErrors'], 1);
  assert.match(c?.destinationRuleSource ?? '', /^mesh\.yaml:\d+$/);
  assert.ok(
    t.flags.some((f) => f.flag === 'UO' && f.when.includes('more than 1 requests are pending')),
  );
});

// istio/istio pilot/pkg/networking/core/listener_builder.go: no outbound listener for the port means
// virtualOutbound's catch-all chain, PassthroughCluster (ALLOW_ANY) or BlackHoleCluster (REGISTRY_ONLY).
test('an unknown port goes to PassthroughCluster, or BlackHoleCluster under REGISTRY_ONLY', () => {
  const allow = compile(SERVICES, 'productpage-v1');
  const t1 = traceRequest(allow.snap, buildRequest('http://example.org/'), { target: sidecar });
  assert.equal(t1.outcome.kind, 'passthrough');
  const block = compile(SERVICES, 'productpage-v1', 'REGISTRY_ONLY');
  const t2 = traceRequest(block.snap, buildRequest('http://example.org/'), { target: sidecar });
  assert.equal(t2.outcome.kind, 'blackhole');
  assert.equal(t2.destinations[0]?.cluster, 'BlackHoleCluster');
});

// Envoy: no virtual host for the Host is 404 NR route_not_found (envoyproxy/envoy router.cc).
test('a gateway host miss is NR 404 and lists the hosts the route config has', () => {
  const gw = `${SERVICES}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: gw }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 8080, name: http, protocol: HTTP }, hosts: [bookinfo.example.com] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: bookinfo }
spec:
  hosts: [bookinfo.example.com]
  gateways: [gw]
  http:
    - match: [{ uri: { exact: /productpage } }]
      route: [{ destination: { host: productpage, port: { number: 9080 } } }]
`;
  const { snap } = compile(gw, 'istio-ingressgateway');
  const miss = traceRequest(snap, buildRequest('http://other.example.com/productpage'), {
    target: { kind: 'gateway' },
  });
  assert.equal(miss.outcome.kind, 'not-found');
  assert.deepEqual(
    miss.flags.map((f) => f.flag),
    ['NR'],
  );
  assert.ok(miss.knownHosts?.some((h) => h.includes('bookinfo.example.com')));
  const pathMiss = traceRequest(snap, buildRequest('http://bookinfo.example.com/nope'), {
    target: { kind: 'gateway', port: 8080 },
  });
  assert.equal(pathMiss.outcome.kind, 'not-found');
  assert.equal(pathMiss.closest?.failed, "uri exact '/productpage' != '/nope'");
});

// A sidecar's TLS port is routed by SNI without terminating TLS: the VirtualService tls rule's
// sniHosts pick the chain (istio/istio pilot/pkg/networking/core/listener.go buildSidecarOutboundListeners,
// tls routes; envoyproxy/envoy filter_chain_manager_impl.cc server_names).
test('a sidecar TLS route is chosen by SNI on port 443', () => {
  const yaml = `${SERVICES}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: secure }
spec:
  hosts: [api.secure.test, www.secure.test]
  ports: [{ number: 443, name: tls, protocol: TLS }]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: secure }
spec:
  hosts: [api.secure.test]
  tls:
    - match: [{ port: 443, sniHosts: [api.secure.test] }]
      route: [{ destination: { host: www.secure.test, port: { number: 443 } } }]
`;
  const { snap } = compile(yaml, 'productpage-v1');
  const t = traceRequest(snap, buildRequest('https://api.secure.test/'), { target: sidecar });
  assert.equal(t.listener?.name, '0.0.0.0_443');
  assert.equal(t.filterChain?.kind, 'tls-passthrough');
  assert.deepEqual(t.filterChain?.serverNames, ['api.secure.test']);
  assert.equal(t.outcome.kind, 'tcp');
  assert.deepEqual(
    t.destinations.map((d) => d.cluster),
    ['outbound|443||www.secure.test'],
  );
  const other = traceRequest(snap, buildRequest('https://www.secure.test/'), { target: sidecar });
  assert.deepEqual(other.filterChain?.serverNames, ['www.secure.test']);
  assert.deepEqual(
    other.destinations.map((d) => d.cluster),
    ['outbound|443||www.secure.test'],
  );
});

// The generator's output for Bookinfo plus every translated feature: each resource names only fields
// its Envoy message has, encodes as a google.protobuf.Any with its real type URL, decodes again, and
// passes the protoc-gen-validate rules of envoyproxy/envoy api/ (as bundled by @grpc/grpc-js-xds).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileProxy, type ProxySnapshot } from '../../compile/index.js';
import { proxyNames, resolveProxy } from '../../registry/index.js';
import { meshFromFiles } from '../file-source.js';
import { decodeAny, encodeAny, TYPE, type ProtoObject } from '../protos.js';
import { unknownFields, validateAny } from '../validate.js';
import { generateResources, type Generator } from './index.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures');
const FILES = [join(FIXTURES, 'compile/bookinfo.yaml'), join(FIXTURES, 'xds/features.yaml')];

function snapshots(files: string[]): Map<string, ProxySnapshot> {
  const { state, errors } = meshFromFiles(files);
  assert.deepEqual(errors, []);
  const out = new Map<string, ProxySnapshot>();
  for (const name of [...proxyNames(state!.registry), 'istio-ingressgateway.istio-system']) {
    const proxy = resolveProxy(state!.registry, name);
    assert.ok(proxy, name);
    out.set(name, compileProxy(state!.config, state!.registry, proxy));
  }
  return out;
}

const SNAPSHOTS = snapshots(FILES);

function resource(
  s: ProxySnapshot,
  type: string,
  name: string,
  g: Generator = 'envoy',
): ProtoObject {
  const r = generateResources(s, g).get(type)?.get(name);
  assert.ok(r, `${type} ${name}`);
  return r;
}

function productpage(): ProxySnapshot {
  const s = [...SNAPSHOTS.entries()].find(([n]) => n.startsWith('productpage'))?.[1];
  assert.ok(s);
  return s;
}

test('every generated resource of every proxy, both generators, encodes, decodes and validates', () => {
  let count = 0;
  for (const [name, s] of SNAPSHOTS) {
    for (const g of ['envoy', 'grpc'] as const) {
      for (const [type, resources] of generateResources(s, g)) {
        for (const [rname, r] of resources) {
          const where = `${name} ${g} ${rname}`;
          assert.equal(r['@type'], type, where);
          assert.deepEqual(unknownFields(r), [], where);
          const any = encodeAny(r);
          assert.equal(any.type_url, type);
          assert.deepEqual(validateAny(any), [], where);
          assert.equal(decodeAny(any)['@type'], type);
          count++;
        }
      }
    }
  }
  assert.ok(count > 100, `${count} resources`);
});

test('validation catches what Envoy would reject (protoc-gen-validate rules of cluster.proto, route_components.proto)', () => {
  const bad = encodeAny({ '@type': TYPE.cluster, name: '', connect_timeout: { seconds: 0 } });
  const errors = validateAny(bad);
  assert.ok(
    errors.some((e) => e.startsWith('Cluster.name')),
    errors.join('\n'),
  );
  assert.ok(
    errors.some((e) => e.startsWith('Cluster.connect_timeout')),
    errors.join('\n'),
  );
  const noAction = encodeAny({
    '@type': TYPE.route,
    name: 'r',
    virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' } }] }],
  });
  assert.ok(validateAny(noAction).some((e) => e.includes('exactly one of action')));
  assert.deepEqual(unknownFields({ '@type': TYPE.cluster, name: 'x', connect_timout: {} }), [
    'Cluster.connect_timout',
  ]);
});

test('clusters are named outbound|port|subset|host with Istio defaults: EDS over ADS, LEAST_REQUEST, MaxUint32 breakers', () => {
  // istio/istio pilot/pkg/networking/core/cluster_traffic_policy.go getDefaultCircuitBreakerThresholds
  const c = resource(
    productpage(),
    TYPE.cluster,
    'outbound|9080|v1|ratings.default.svc.cluster.local',
  );
  assert.equal(c.type, 'EDS');
  assert.equal(c.lb_policy, 'ROUND_ROBIN');
  assert.deepEqual(c.eds_cluster_config, {
    eds_config: { ads: {}, initial_fetch_timeout: { seconds: 0 }, resource_api_version: 'V3' },
    service_name: 'outbound|9080|v1|ratings.default.svc.cluster.local',
  });
  const d = resource(
    productpage(),
    TYPE.cluster,
    'outbound|9080||details.default.svc.cluster.local',
  );
  assert.equal(d.lb_policy, 'LEAST_REQUEST');
  const t = (d.circuit_breakers as { thresholds: ProtoObject[] }).thresholds[0];
  assert.deepEqual(t?.max_requests, { value: 4294967295 });
  assert.equal(t?.track_remaining, true);
});

test('a DestinationRule becomes circuit breakers, outlier detection and ring hash (cluster_traffic_policy.go)', () => {
  const v1 = resource(
    productpage(),
    TYPE.cluster,
    'outbound|9080|v1|reviews.default.svc.cluster.local',
  );
  const t = (v1.circuit_breakers as { thresholds: ProtoObject[] }).thresholds[0];
  assert.deepEqual(t?.max_connections, { value: 10 });
  assert.deepEqual(t?.max_pending_requests, { value: 5 });
  assert.deepEqual(t?.max_requests, { value: 20 });
  assert.deepEqual(t?.max_retries, { value: 3 });
  assert.deepEqual(v1.connect_timeout, { seconds: 2 });
  const od = v1.outlier_detection as ProtoObject;
  assert.deepEqual(od.consecutive_5xx, { value: 5 });
  assert.deepEqual(od.enforcing_consecutive_5xx, { value: 100 });
  assert.deepEqual(od.interval, { seconds: 10 });
  assert.deepEqual(od.base_ejection_time, { seconds: 30 });
  assert.deepEqual(od.max_ejection_percent, { value: 50 });
  const v2 = resource(
    productpage(),
    TYPE.cluster,
    'outbound|9080|v2|reviews.default.svc.cluster.local',
  );
  assert.equal(v2.lb_policy, 'RING_HASH');
});

test('auto mTLS is transport_socket_matches tlsMode-istio / tlsMode-disabled with Istio SNI (cluster_tls.go)', () => {
  const c = resource(
    productpage(),
    TYPE.cluster,
    'outbound|9080|v1|reviews.default.svc.cluster.local',
  );
  const matches = c.transport_socket_matches as ProtoObject[];
  assert.deepEqual(
    matches.map((m) => m.name),
    ['tlsMode-istio', 'tlsMode-disabled'],
  );
  const tls = (matches[0]?.transport_socket as ProtoObject).typed_config as ProtoObject;
  assert.equal(tls.sni, 'outbound_.9080_.v1_.reviews.default.svc.cluster.local');
});

test('VirtualService routes: header match, retries, timeout, fault, weighted split, mirror, header ops (route.go)', () => {
  const rc = resource(productpage(), TYPE.route, '9080');
  const vh = (rc.virtual_hosts as ProtoObject[]).find(
    (v) => v.name === 'reviews.default.svc.cluster.local:9080',
  );
  assert.ok(vh);
  const [jason, split] = vh.routes as ProtoObject[];
  assert.deepEqual((jason?.match as ProtoObject).headers, [
    { name: 'end-user', string_match: { exact: 'jason' } },
  ]);
  const ja = jason?.route as ProtoObject;
  assert.equal(ja.cluster, 'outbound|9080|v2|reviews.default.svc.cluster.local');
  assert.deepEqual(ja.timeout, { seconds: 5 });
  const rp = ja.retry_policy as ProtoObject;
  assert.equal(rp.retry_on, 'gateway-error,connect-failure,retriable-status-codes');
  assert.deepEqual(rp.retriable_status_codes, [503]);
  assert.deepEqual(rp.num_retries, { value: 3 });
  assert.deepEqual(rp.per_try_timeout, { seconds: 2 });
  const fault = (jason?.typed_per_filter_config as ProtoObject)[
    'envoy.filters.http.fault'
  ] as ProtoObject;
  assert.deepEqual(fault.delay, {
    fixed_delay: { seconds: 1 },
    percentage: { numerator: 100000, denominator: 'MILLION' },
  });
  const sa = split?.route as ProtoObject;
  const wc = (sa.weighted_clusters as { clusters: ProtoObject[] }).clusters;
  assert.deepEqual(
    wc.map((c) => [c.name, c.weight]),
    [
      ['outbound|9080|v1|reviews.default.svc.cluster.local', { value: 80 }],
      ['outbound|9080|v3|reviews.default.svc.cluster.local', { value: 20 }],
    ],
  );
  assert.deepEqual(wc[0]?.request_headers_to_add, [
    { header: { key: 'x-split', value: 'v1' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
  ]);
  assert.deepEqual(split?.response_headers_to_remove, ['x-internal']);
  const mirror = (sa.request_mirror_policies as ProtoObject[])[0];
  assert.equal(mirror?.cluster, 'outbound|9080|v2|reviews.default.svc.cluster.local');
  assert.deepEqual((mirror?.runtime_fraction as ProtoObject).default_value, {
    numerator: 50000,
    denominator: 'MILLION',
  });
  // No VS retries: the mesh default (istio/istio pilot/pkg/networking/core/route/retry/retry.go DefaultPolicy).
  const details = (rc.virtual_hosts as ProtoObject[]).find(
    (v) => v.name === 'details.default.svc.cluster.local:9080',
  );
  const dr = ((details?.routes as ProtoObject[])[0]?.route as ProtoObject)
    .retry_policy as ProtoObject;
  assert.equal(
    dr.retry_on,
    'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
  );
  assert.deepEqual(dr.num_retries, { value: 2 });
  assert.equal(dr.host_selection_retry_max_attempts, 5);
});

test('redirect, rewrite, regex match and abort fault translate to Envoy route fields', () => {
  const rc = resource(productpage(), TYPE.route, '9080');
  const vh = (rc.virtual_hosts as ProtoObject[]).find(
    (v) => v.name === 'ratings.default.svc.cluster.local:9080',
  );
  const [abort, redirect, rewrite] = vh?.routes as ProtoObject[];
  assert.deepEqual((abort?.match as ProtoObject).safe_regex, { regex: '/ratings/[0-9]+' });
  const f = (abort?.typed_per_filter_config as ProtoObject)[
    'envoy.filters.http.fault'
  ] as ProtoObject;
  assert.deepEqual(f.abort, {
    http_status: 500,
    percentage: { numerator: 500000, denominator: 'MILLION' },
  });
  assert.deepEqual(redirect?.redirect, { path_redirect: '/new', response_code: 'FOUND' });
  const ra = rewrite?.route as ProtoObject;
  assert.equal(ra.prefix_rewrite, '/');
  assert.equal(ra.host_rewrite_literal, 'ratings-v2');
  assert.ok((rewrite?.typed_per_filter_config as ProtoObject)['envoy.filters.http.cors']);
});

test('sidecar listeners: 0.0.0.0_9080 over RDS route 9080, virtualOutbound 15001, virtualInbound 15006 (listener.go)', () => {
  const s = productpage();
  const out = resource(s, TYPE.listener, '0.0.0.0_9080');
  assert.deepEqual(out.address, { socket_address: { address: '0.0.0.0', port_value: 9080 } });
  assert.deepEqual(out.bind_to_port, { value: false });
  const hcm = ((out.filter_chains as ProtoObject[])[0]?.filters as ProtoObject[])[0]
    ?.typed_config as ProtoObject;
  assert.equal((hcm.rds as ProtoObject).route_config_name, '9080');
  const names = (hcm.http_filters as ProtoObject[]).map((f) => f.name);
  assert.equal(names.at(-1), 'envoy.filters.http.router');
  // listener_builder.go buildHTTPFilters: fault before cors.
  assert.ok(names.indexOf('envoy.filters.http.fault') < names.indexOf('envoy.filters.http.cors'));
  const vo = resource(s, TYPE.listener, 'virtualOutbound');
  assert.equal((vo.address as { socket_address: ProtoObject }).socket_address.port_value, 15001);
  assert.deepEqual(vo.use_original_dst, { value: true });
  const vi = resource(s, TYPE.listener, 'virtualInbound');
  assert.equal((vi.address as { socket_address: ProtoObject }).socket_address.port_value, 15006);
  const chains = vi.filter_chains as ProtoObject[];
  // PERMISSIVE: an mTLS chain and a plaintext chain for the port.
  assert.deepEqual(
    chains.map((c) => (c.filter_chain_match as ProtoObject).transport_protocol),
    ['tls', 'raw_buffer'],
  );
});

test('gateway listener 0.0.0.0_8080 routes through RDS http.8080 (istio/istio pilot/pkg/networking/core/gateway.go)', () => {
  const gw = SNAPSHOTS.get('istio-ingressgateway.istio-system');
  assert.ok(gw);
  const l = resource(gw, TYPE.listener, '0.0.0.0_8080');
  const hcm = ((l.filter_chains as ProtoObject[])[0]?.filters as ProtoObject[])[0]
    ?.typed_config as ProtoObject;
  assert.equal((hcm.rds as ProtoObject).route_config_name, 'http.8080');
  const rc = resource(gw, TYPE.route, 'http.8080');
  const route = ((rc.virtual_hosts as ProtoObject[])[0]?.routes as ProtoObject[])[0];
  assert.equal(
    (route?.route as ProtoObject).cluster,
    'outbound|9080||productpage.default.svc.cluster.local',
  );
});

test('endpoints: one ClusterLoadAssignment per EDS cluster with a weighted locality group (gRFC A27 needs weight > 0)', () => {
  const cla = resource(
    productpage(),
    TYPE.endpoint,
    'outbound|9080||reviews.default.svc.cluster.local',
  );
  const groups = cla.endpoints as ProtoObject[];
  const lbs = groups.flatMap((g) => g.lb_endpoints as ProtoObject[]);
  assert.equal(lbs.length, 3);
  for (const g of groups) assert.ok((g.load_balancing_weight as { value: number }).value > 0);
});

test('proxyless gRPC: listener host:port with an api_listener RDS to outbound|port||host (istio/istio pilot/pkg/networking/grpcgen/lds.go)', () => {
  const s = productpage();
  const l = resource(s, TYPE.listener, 'reviews.default.svc.cluster.local:9080', 'grpc');
  const hcm = (l.api_listener as ProtoObject).api_listener as ProtoObject;
  assert.equal(
    (hcm.rds as ProtoObject).route_config_name,
    'outbound|9080||reviews.default.svc.cluster.local',
  );
  const rc = resource(s, TYPE.route, 'outbound|9080||reviews.default.svc.cluster.local', 'grpc');
  const vh = (rc.virtual_hosts as ProtoObject[])[0];
  assert.ok((vh?.domains as string[]).includes('reviews.default.svc.cluster.local:9080'));
  const c = resource(s, TYPE.cluster, 'outbound|9080|v1|reviews.default.svc.cluster.local', 'grpc');
  assert.equal(c.lb_policy, 'ROUND_ROBIN');
  assert.equal(c.outlier_detection, undefined);
  // grpcgen cds.go: max_requests only, from http2MaxRequests; none when unset (gRPC then counts 1024).
  assert.deepEqual(c.circuit_breakers, { thresholds: [{ max_requests: { value: 20 } }] });
  const ratings = resource(
    s,
    TYPE.cluster,
    'outbound|9080||ratings.default.svc.cluster.local',
    'grpc',
  );
  assert.equal(ratings.circuit_breakers, undefined);
});

test('a port of unknown protocol: a TCP chain from the tcp routes, the HTTP chain matched on application protocols, an http_inspector (listener.go ListenerProtocolAuto)', () => {
  const dir = join(FIXTURES, 'tcp-echo');
  const files = ['tcp-echo-services.yaml', 'curl.yaml', 'tcp-echo-sniffed-v2.yaml'];
  const all = snapshots(files.map((f) => join(dir, f)));
  const curl = [...all.entries()].find(([n]) => n.startsWith('curl'))?.[1];
  assert.ok(curl);
  const l = resource(curl, TYPE.listener, '0.0.0.0_9200');
  assert.deepEqual(
    (l.listener_filters as ProtoObject[]).map((f) => f.name),
    ['envoy.filters.listener.http_inspector'],
  );
  const chains = l.filter_chains as ProtoObject[];
  const tcp = chains.find(
    (c) => (c.filters as ProtoObject[])[0]?.name === 'envoy.filters.network.tcp_proxy',
  );
  assert.equal(
    ((tcp?.filters as ProtoObject[])[0]?.typed_config as ProtoObject).cluster,
    'outbound|9200|v2|tcp-echo-sniffed.default.svc.cluster.local',
  );
  const http = chains.find((c) => c !== tcp);
  assert.deepEqual(http?.filter_chain_match, {
    transport_protocol: 'raw_buffer',
    application_protocols: ['http/1.1', 'h2c'],
  });
  // A declared TCP port keeps no inspector.
  assert.equal(resource(curl, TYPE.listener, '0.0.0.0_9000').listener_filters, undefined);
});

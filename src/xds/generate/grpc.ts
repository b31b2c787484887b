// Proxyless gRPC resources (node metadata GENERATOR: grpc), as istiod's grpcgen builds them
// (istio/istio pilot/pkg/networking/grpcgen/lds.go, rds.go, cds.go): a Listener `<host>:<port>` per
// outbound service port holding an api_listener HCM that points (RDS over ADS) at the route
// configuration `outbound|<port>||<host>`; that route configuration is the service's virtual host from
// the sidecar route table (same matches, weights, retries, faults); clusters carry only what gRPC reads
// (gRFC A27 EDS, A28 routing, A31 timeouts, A32 max_requests, A33 faults, A42 ring hash, A44 retries).
import {
  UNLIMITED,
  type Cluster,
  type ProxySnapshot,
  type Route,
  type VirtualHost,
} from '../../compile/index.js';
import { TYPE, type ProtoObject } from '../protos.js';
import { buildCluster } from './clusters.js';
import { buildVirtualHost } from './routes.js';
import { adsSource, wrap } from './values.js';

/** gRPC's xDS client accepts these policies (grpc-js-xds load-balancer registry). */
const GRPC_LB = new Set(['ROUND_ROBIN', 'RING_HASH']);

export function grpcListenerName(host: string, port: number): string {
  return `${host}:${port}`;
}

export function grpcRouteName(host: string, port: number): string {
  return `outbound|${port}||${host}`;
}

/** The outbound services a gRPC client may dial: every default-subset outbound EDS cluster. */
function services(s: ProxySnapshot): Cluster[] {
  return [...s.clusters.values()].filter(
    (c) =>
      c.direction === 'outbound' && c.subset === '' && c.serviceHost !== '' && c.type === 'EDS',
  );
}

export function grpcListener(host: string, port: number): ProtoObject {
  return {
    '@type': TYPE.listener,
    name: grpcListenerName(host, port),
    api_listener: {
      api_listener: {
        '@type': TYPE.hcm,
        stat_prefix: grpcListenerName(host, port),
        rds: { config_source: adsSource(), route_config_name: grpcRouteName(host, port) },
        // grpcgen lds.go: fault then router (router last, as gRFC A39 requires).
        http_filters: [
          { name: 'envoy.filters.http.fault', typed_config: { '@type': TYPE.fault } },
          { name: 'envoy.filters.http.router', typed_config: { '@type': TYPE.router } },
        ],
      },
    },
  };
}

function defaultVirtualHost(c: Cluster): VirtualHost {
  const route: Route = {
    name: 'default',
    match: { headers: [], queryParams: [] },
    action: {
      type: 'forward',
      clusters: [{ clusterName: c.name, weight: 100 }],
      totalWeight: 100,
      timeoutMs: 0,
      mirrors: [],
    },
  };
  return { name: `${c.serviceHost}:${c.port}`, domains: [c.serviceHost], routes: [route] };
}

/** The service's virtual host from the sidecar table for its port, or a default route to it. */
function serviceVirtualHost(s: ProxySnapshot, c: Cluster): VirtualHost {
  const table = s.routeTables.get(String(c.port));
  const vh = table?.virtualHosts.find(
    (v) => v.name === `${c.serviceHost}:${c.port}` || v.domains.includes(c.serviceHost),
  );
  return vh ?? defaultVirtualHost(c);
}

export function grpcRouteConfiguration(s: ProxySnapshot, c: Cluster): ProtoObject {
  const vh = serviceVirtualHost(s, c);
  // gRPC matches the authority with its port: every domain also with `:<port>` (grpcgen rds.go).
  const domains = [...new Set(vh.domains.flatMap((d) => [d, `${d}:${c.port}`]))];
  return {
    '@type': TYPE.route,
    name: grpcRouteName(c.serviceHost, c.port),
    virtual_hosts: [buildVirtualHost({ ...vh, domains }, { proxyless: true })],
  };
}

export function grpcCluster(c: Cluster): ProtoObject {
  const out = buildCluster(c, { proxyless: true });
  if (!GRPC_LB.has(String(out.lb_policy))) out.lb_policy = 'ROUND_ROBIN';
  // gRFC A32: gRPC enforces max_requests from the DEFAULT threshold (the only field it reads);
  // grpcgen cds.go applyCircuitBreakers sets it only when http2MaxRequests is (gRPC's default: 1024).
  if (c.connectionPool.maxRequests !== UNLIMITED)
    out.circuit_breakers = { thresholds: [{ max_requests: wrap(c.connectionPool.maxRequests) }] };
  return out;
}

export interface GrpcResources {
  listeners: ProtoObject[];
  routes: ProtoObject[];
  clusters: ProtoObject[];
}

export function grpcResources(s: ProxySnapshot): GrpcResources {
  const svc = services(s);
  const clusters = [...s.clusters.values()].filter(
    (c) => c.direction === 'outbound' && c.type === 'EDS',
  );
  return {
    listeners: svc.map((c) => grpcListener(c.serviceHost, c.port)),
    routes: svc.map((c) => grpcRouteConfiguration(s, c)),
    clusters: clusters.map(grpcCluster),
  };
}

// Snapshot endpoints -> envoy.config.endpoint.v3.ClusterLoadAssignment: one LocalityLbEndpoints per
// (locality, priority), as istiod's EndpointBuilder groups them (istio/istio pilot/pkg/xds/endpoints/
// endpoint_builder.go); locality weight = the sum of its endpoints' weights unless the registry set one.
import type { Cluster, Endpoint } from '../../compile/index.js';
import { TYPE, type ProtoObject } from '../protos.js';
import { locality, socketAddress, struct, wrap } from './values.js';

export interface LoadAssignmentOptions {
  /** Inline in a STATIC/DNS cluster: no @type. */
  inline?: boolean;
}

function lbEndpoint(e: Endpoint, dns: boolean): ProtoObject {
  const filter: Record<string, ProtoObject> = {};
  // Auto mTLS picks the transport socket by this (cluster_tls.go, envoy.transport_socket_match).
  if (e.tlsMode) filter['envoy.transport_socket_match'] = struct({ tlsMode: e.tlsMode });
  if (e.workload) filter.istio = struct({ workload: e.workload });
  return {
    endpoint: {
      address: socketAddress(e.address, e.port),
      ...(dns ? { hostname: e.address } : {}),
    },
    health_status: e.health ?? 'HEALTHY',
    load_balancing_weight: wrap(Math.max(1, e.weight || 1)),
    ...(Object.keys(filter).length > 0 ? { metadata: { filter_metadata: filter } } : {}),
  };
}

export function clusterLoadAssignment(
  c: Cluster,
  options: LoadAssignmentOptions = {},
): ProtoObject {
  const groups = new Map<
    string,
    { locality?: string; priority: number; endpoints: Endpoint[]; weight?: number }
  >();
  const dns = c.type === 'STRICT_DNS' || c.type === 'LOGICAL_DNS';
  for (const e of c.endpoints) {
    const key = `${e.locality ?? ''}\u0000${e.priority ?? 0}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        ...(e.locality ? { locality: e.locality } : {}),
        priority: e.priority ?? 0,
        endpoints: [],
      };
      groups.set(key, g);
    }
    g.endpoints.push(e);
    if (e.localityWeight !== undefined) g.weight = e.localityWeight;
  }
  const endpoints = [...groups.values()]
    .sort((a, b) => a.priority - b.priority || (a.locality ?? '').localeCompare(b.locality ?? ''))
    .map((g) => {
      // Always present, empty when unknown: gRPC rejects a LocalityLbEndpoints without one (A27).
      const loc = locality(g.locality) ?? {};
      // gRFC A27: a locality without a positive load_balancing_weight is ignored by gRPC.
      const weight = g.weight ?? g.endpoints.reduce((s, e) => s + Math.max(1, e.weight || 1), 0);
      return {
        locality: loc,
        lb_endpoints: g.endpoints.map((e) => lbEndpoint(e, dns)),
        load_balancing_weight: wrap(Math.max(1, weight)),
        ...(g.priority ? { priority: g.priority } : {}),
      };
    });
  return {
    ...(options.inline ? {} : { '@type': TYPE.endpoint }),
    cluster_name: c.name,
    endpoints,
  };
}

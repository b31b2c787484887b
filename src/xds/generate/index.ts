// The one generator from a compiled ProxySnapshot to Envoy v3 resources, per xDS type. Pure: the ADS
// server, config_dump and bootstrap all read from here. `grpc` follows istiod's grpcgen for proxyless
// gRPC clients; `envoy` is istiod's default generator for sidecars and gateways.
import type { ProxySnapshot } from '../../compile/index.js';
import { TYPE, type ProtoObject } from '../protos.js';
import { buildCluster } from './clusters.js';
import { clusterLoadAssignment } from './endpoints.js';
import { grpcResources } from './grpc.js';
import { buildListener } from './listeners.js';
import { buildRouteConfiguration } from './routes.js';

export type Generator = 'envoy' | 'grpc';

/** Resources by type URL, each keyed by its xDS resource name. */
export type ResourcesByType = ReadonlyMap<string, ReadonlyMap<string, ProtoObject>>;

function byName(
  items: readonly ProtoObject[],
  key: 'name' | 'cluster_name' = 'name',
): Map<string, ProtoObject> {
  const out = new Map<string, ProtoObject>();
  for (const r of items) out.set(String(r[key]), r);
  return out;
}

export function generateResources(
  s: ProxySnapshot,
  generator: Generator = 'envoy',
): ResourcesByType {
  const edsClusters = [...s.clusters.values()].filter((c) => c.type === 'EDS');
  const endpoints = byName(
    edsClusters.map((c) => clusterLoadAssignment(c)),
    'cluster_name',
  );
  if (generator === 'grpc') {
    const g = grpcResources(s);
    return new Map([
      [TYPE.cluster, byName(g.clusters)],
      [TYPE.endpoint, endpoints],
      [TYPE.listener, byName(g.listeners)],
      [TYPE.route, byName(g.routes)],
    ]);
  }
  // Inbound route tables ride inline in virtualInbound's chains; RDS serves the rest.
  const rds = [...s.routeTables.values()].filter((t) => !t.name.startsWith('inbound|'));
  return new Map([
    [TYPE.cluster, byName([...s.clusters.values()].map((c) => buildCluster(c)))],
    [TYPE.endpoint, endpoints],
    [TYPE.listener, byName(s.listeners.map((l) => buildListener(l, s.routeTables)))],
    [TYPE.route, byName(rds.map((t) => buildRouteConfiguration(t)))],
  ]);
}

export { buildCluster } from './clusters.js';
export { clusterLoadAssignment } from './endpoints.js';
export { buildListener } from './listeners.js';
export { buildRouteConfiguration } from './routes.js';
export { grpcListenerName, grpcRouteName } from './grpc.js';

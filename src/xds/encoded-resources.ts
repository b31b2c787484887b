// Encoded xDS resources for one snapshot, remembered per compiled object: the compiler hands out the
// same Cluster and VirtualHost objects for unchanged inputs, across proxies and config revisions
// (compile/route-memo.ts), so a change re-encodes only what it touched, once for every proxy that
// shares it (as istiod's XdsCache keeps per-cluster and per-route-config protos, istio/istio
// pilot/pkg/model/xds_cache.go). A RouteConfiguration is its own fields followed by its virtual
// hosts, each encoded once: protobuf's wire format lets repeated fields be appended
// (protobuf.dev/programming-guides/encoding "Last One Wins" / repeated fields concatenate).
import { createHash } from 'node:crypto';
import protobuf from 'protobufjs';
import type { Cluster, ProxySnapshot, RouteTable, VirtualHost } from '../compile/index.js';
import {
  buildCluster,
  buildListener,
  buildRouteConfiguration,
  clusterLoadAssignment,
  generateResources,
  type Generator,
} from './generate/index.js';
import { buildVirtualHost } from './generate/routes.js';
import { encodeAny, messageType, TYPE, type EncodedAny } from './protos.js';

export interface EncodedResource {
  any: EncodedAny;
  /** A short content hash of the bytes (the delta-xDS resource version). */
  hash: string;
}

/** Encoded resources by type URL, each keyed by its xDS resource name. */
export type EncodedByType = ReadonlyMap<string, ReadonlyMap<string, EncodedResource>>;

export function hashBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

function encoded(any: EncodedAny): EncodedResource {
  return { any, hash: hashBytes(any.value) };
}

const clusters = new WeakMap<Cluster, EncodedResource>();
const loadAssignments = new WeakMap<Cluster, EncodedResource>();
const vhosts = new WeakMap<VirtualHost, Uint8Array>();

function vhostField(v: VirtualHost): Uint8Array {
  let bytes = vhosts.get(v);
  if (!bytes) {
    const type = messageType('envoy.config.route.v3.VirtualHost');
    const body = type.encode(type.fromObject(buildVirtualHost(v))).finish();
    // Field 2 (virtual_hosts) of RouteConfiguration, length-delimited.
    bytes = protobuf.Writer.create()
      .uint32((2 << 3) | 2)
      .bytes(body)
      .finish();
    vhosts.set(v, bytes);
  }
  return bytes;
}

function routeConfiguration(t: RouteTable): EncodedResource {
  const head = encodeAny(buildRouteConfiguration({ ...t, virtualHosts: [] }));
  const parts = [head.value, ...t.virtualHosts.map(vhostField)];
  return encoded({ type_url: head.type_url, value: Buffer.concat(parts) });
}

function byName<T>(items: Iterable<[string, T]>): Map<string, T> {
  return new Map(items);
}

/**
 * The encoded resources of a snapshot. The `envoy` generator reuses clusters, endpoints and virtual
 * hosts encoded before; `grpc` (few, small resources per client) encodes the generator's output.
 */
export function encodeSnapshot(s: ProxySnapshot, generator: Generator): EncodedByType {
  if (generator === 'grpc') {
    const out = new Map<string, Map<string, EncodedResource>>();
    for (const [type, resources] of generateResources(s, generator))
      out.set(type, byName([...resources].map(([n, r]) => [n, encoded(encodeAny(r))])));
    return out;
  }
  const cds = new Map<string, EncodedResource>();
  const eds = new Map<string, EncodedResource>();
  for (const c of s.clusters.values()) {
    let e = clusters.get(c);
    if (!e) clusters.set(c, (e = encoded(encodeAny(buildCluster(c)))));
    cds.set(c.name, e);
    if (c.type !== 'EDS') continue;
    let l = loadAssignments.get(c);
    if (!l) loadAssignments.set(c, (l = encoded(encodeAny(clusterLoadAssignment(c)))));
    eds.set(c.name, l);
  }
  const lds = byName(
    s.listeners.map((l) => [l.name, encoded(encodeAny(buildListener(l, s.routeTables)))]),
  );
  // Inbound route tables ride inline in virtualInbound's chains; RDS serves the rest.
  const rds = byName(
    [...s.routeTables.values()]
      .filter((t) => !t.name.startsWith('inbound|'))
      .map((t) => [t.name, routeConfiguration(t)]),
  );
  return new Map([
    [TYPE.cluster, cds],
    [TYPE.endpoint, eds],
    [TYPE.listener, lds],
    [TYPE.route, rds],
  ]);
}

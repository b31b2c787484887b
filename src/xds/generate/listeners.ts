// Snapshot listeners -> envoy.config.listener.v3.Listener, in Istio's shapes (istio/istio
// pilot/pkg/networking/core/listener.go, listener_builder.go, gateway.go): sidecar per-port outbound
// listeners `0.0.0.0_9080` (bind_to_port false, reached through virtualOutbound's original-dst
// redirect), `virtualOutbound` on 15001, `virtualInbound` on 15006 with one chain per destination port,
// gateway listeners `0.0.0.0_8080` bound as is.
import type { FilterChain, Listener, RouteTable, TcpRoute } from '../../compile/index.js';
import { TYPE, type ProtoObject } from '../protos.js';
import { buildRouteConfiguration, CORS_FILTER, FAULT_FILTER, ROUTER_FILTER } from './routes.js';
import { downstreamTlsContext, tlsTransportSocket } from './tls.js';
import { adsSource, socketAddress, wrap } from './values.js';

export const HCM_FILTER = 'envoy.filters.network.http_connection_manager';
export const TCP_PROXY_FILTER = 'envoy.filters.network.tcp_proxy';

/**
 * HTTP filters in istiod's order: fault, then cors, router last (istio/istio pilot/pkg/networking/
 * core/listener_builder.go buildHTTPFilters: `append(filters, xdsfilters.Fault, xdsfilters.Cors)`).
 */
export function httpFilters(options: { cors: boolean }): ProtoObject[] {
  return [
    { name: FAULT_FILTER, typed_config: { '@type': TYPE.fault } },
    ...(options.cors ? [{ name: CORS_FILTER, typed_config: { '@type': TYPE.cors } }] : []),
    { name: ROUTER_FILTER, typed_config: { '@type': TYPE.router } },
  ];
}

function hcm(statPrefix: string, routes: { rds: string } | { inline: RouteTable }): ProtoObject {
  return {
    name: HCM_FILTER,
    typed_config: {
      '@type': TYPE.hcm,
      stat_prefix: statPrefix,
      ...('rds' in routes
        ? { rds: { config_source: adsSource(), route_config_name: routes.rds } }
        : { route_config: stripType(buildRouteConfiguration(routes.inline)) }),
      http_filters: httpFilters({ cors: true }),
      // istiod: use_remote_address only on gateways; normalize_path and merge_slashes per mesh config.
      normalize_path: wrap(true),
      path_with_escaped_slashes_action: 'KEEP_UNCHANGED',
      upgrade_configs: [{ upgrade_type: 'websocket' }],
    },
  };
}

function stripType(o: ProtoObject): ProtoObject {
  const { '@type': _drop, ...rest } = o;
  void _drop;
  return rest;
}

function tcpProxy(statPrefix: string, route: TcpRoute | undefined): ProtoObject {
  const clusters = route?.clusters ?? [];
  const only = clusters.length === 1 ? clusters[0] : undefined;
  return {
    name: TCP_PROXY_FILTER,
    typed_config: {
      '@type': TYPE.tcpProxy,
      stat_prefix: statPrefix,
      ...(only
        ? { cluster: only.clusterName }
        : clusters.length > 0
          ? {
              weighted_clusters: {
                clusters: clusters.map((c) => ({ name: c.clusterName, weight: c.weight })),
              },
            }
          : { cluster: 'BlackHoleCluster' }),
    },
  };
}

function cidr(spec: string): ProtoObject {
  const [prefix = spec, len] = spec.split('/');
  return {
    address_prefix: prefix,
    prefix_len: wrap(len !== undefined ? Number(len) : prefix.includes(':') ? 128 : 32),
  };
}

/** Filter chains of one snapshot chain (a TCP chain with several routes becomes one per destination). */
function filterChains(
  l: Listener,
  fc: FilterChain,
  tables: ReadonlyMap<string, RouteTable>,
): ProtoObject[] {
  const statPrefix =
    l.direction === 'inbound'
      ? `inbound_0.0.0.0_${fc.destinationPort ?? l.port}`
      : `outbound_${l.address}_${l.port}`;
  const match: ProtoObject = {};
  if (fc.destinationPort !== undefined) match.destination_port = wrap(fc.destinationPort);
  if (fc.serverNames.length > 0) match.server_names = [...fc.serverNames];
  if (fc.applicationProtocols) {
    // The HTTP chain of a sniffed port (istio/istio pilot/pkg/networking/core/listener.go).
    match.transport_protocol = 'raw_buffer';
    match.application_protocols = [...fc.applicationProtocols];
  }
  const chains: ProtoObject[] = [];
  const base = (extra: ProtoObject, filters: ProtoObject[]): ProtoObject => {
    const m = { ...match, ...((extra.filter_chain_match as ProtoObject | undefined) ?? {}) };
    const { filter_chain_match: _m, ...rest } = extra;
    void _m;
    return {
      name: fc.name,
      ...(Object.keys(m).length > 0 ? { filter_chain_match: m } : {}),
      filters,
      ...rest,
    };
  };
  let filters: ProtoObject[];
  if (fc.http) {
    const table = tables.get(fc.http.routeTableName);
    // Inbound routes ride inline in the HCM as istiod puts them (listener_builder.go inbound); the rest use RDS.
    filters = [
      hcm(
        statPrefix,
        l.direction === 'inbound' && table ? { inline: table } : { rds: fc.http.routeTableName },
      ),
    ];
  } else if (fc.autoPassthrough) {
    filters = [
      { name: 'envoy.filters.network.sni_cluster', typed_config: { '@type': TYPE.sniCluster } },
      {
        name: TCP_PROXY_FILTER,
        typed_config: {
          '@type': TYPE.tcpProxy,
          stat_prefix: statPrefix,
          cluster: 'BlackHoleCluster',
        },
      },
    ];
  } else if (fc.tcp && fc.tcp.routes.length > 1) {
    for (const r of fc.tcp.routes)
      chains.push(
        base(
          r.destinationSubnets
            ? { filter_chain_match: { prefix_ranges: r.destinationSubnets.map(cidr) } }
            : {},
          [tcpProxy(fc.tcp.statPrefix, r)],
        ),
      );
    return chains;
  } else filters = [tcpProxy(fc.tcp?.statPrefix ?? statPrefix, fc.tcp?.routes[0])];
  if (fc.tls)
    return [base({ transport_socket: tlsTransportSocket(downstreamTlsContext(fc.tls)) }, filters)];
  if (l.direction === 'inbound' && fc.mtlsMode !== 'DISABLE') {
    // PeerAuthentication: STRICT accepts only mesh mTLS; PERMISSIVE adds a plaintext chain
    // (istio/istio pilot/pkg/networking/core/listener_builder.go, mtls.go).
    const mtls = base(
      {
        filter_chain_match: {
          transport_protocol: 'tls',
          application_protocols: [
            'istio-peer-exchange',
            'istio',
            'istio-http/1.0',
            'istio-http/1.1',
            'istio-h2',
          ],
        },
        transport_socket: tlsTransportSocket(
          downstreamTlsContext({ mode: 'ISTIO_MUTUAL', certChain: '', privateKey: '' }),
        ),
      },
      filters,
    );
    if (fc.mtlsMode === 'STRICT') return [mtls];
    return [mtls, base({ filter_chain_match: { transport_protocol: 'raw_buffer' } }, filters)];
  }
  return [base({}, filters)];
}

export function buildListener(l: Listener, tables: ReadonlyMap<string, RouteTable>): ProtoObject {
  const chains = l.filterChains.flatMap((fc) => filterChains(l, fc, tables));
  const out: ProtoObject = {
    '@type': TYPE.listener,
    name: l.name,
    address: socketAddress(l.address, l.port),
    filter_chains: chains,
    traffic_direction: l.direction === 'inbound' ? 'INBOUND' : 'OUTBOUND',
  };
  if (l.name === 'virtualOutbound') {
    out.use_original_dst = wrap(true);
  } else if (l.name === 'virtualInbound') {
    out.use_original_dst = wrap(true);
    out.listener_filters = [
      { name: 'envoy.filters.listener.original_dst', typed_config: { '@type': TYPE.originalDst } },
      {
        name: 'envoy.filters.listener.tls_inspector',
        typed_config: { '@type': TYPE.tlsInspector },
      },
    ];
  } else {
    // Per-port sidecar listeners are reached through virtualOutbound, not bound (listener.go).
    if (l.direction === 'outbound') out.bind_to_port = wrap(false);
    // listener.go: a tls_inspector where a chain matches SNI, an http_inspector where one matches
    // application protocols (a sniffed port).
    const filters: ProtoObject[] = [];
    if (chains.some((c) => (c.filter_chain_match as ProtoObject | undefined)?.server_names))
      filters.push({
        name: 'envoy.filters.listener.tls_inspector',
        typed_config: { '@type': TYPE.tlsInspector },
      });
    if (l.filterChains.some((c) => c.applicationProtocols))
      filters.push({
        name: 'envoy.filters.listener.http_inspector',
        typed_config: { '@type': TYPE.httpInspector },
      });
    if (filters.length > 0) out.listener_filters = filters;
  }
  return out;
}

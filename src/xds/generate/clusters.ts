// Snapshot clusters -> envoy.config.cluster.v3.Cluster, as istiod builds them (istio/istio
// pilot/pkg/networking/core/cluster_builder.go, cluster_traffic_policy.go, cluster_tls.go).
import { BLACKHOLE_CLUSTER, type Cluster } from '../../compile/index.js';
import { TYPE, type ProtoObject } from '../protos.js';
import { clusterLoadAssignment } from './endpoints.js';
import { istioSni, tlsTransportSocket, upstreamTlsContext } from './tls.js';
import { adsSource, duration, struct, wrap } from './values.js';

export interface ClusterOptions {
  /** Proxyless gRPC (grpcgen cds.go): only lb policy and endpoints; no breakers, outlier or TLS via SDS. */
  proxyless?: boolean;
}

/** Envoy lb_policy for Istio's loadBalancer.simple / consistentHash (cluster_traffic_policy.go applyLoadBalancer). */
function lbPolicy(c: Cluster): string {
  switch (c.lbPolicy) {
    case 'PASSTHROUGH':
      return 'CLUSTER_PROVIDED';
    default:
      return c.lbPolicy;
  }
}

function circuitBreakers(c: Cluster): ProtoObject {
  const p = c.connectionPool;
  return {
    thresholds: [
      {
        max_connections: wrap(p.maxConnections),
        max_pending_requests: wrap(p.maxPendingRequests),
        max_requests: wrap(p.maxRequests),
        max_retries: wrap(p.maxRetries),
        // istio/istio pilot/pkg/networking/core/cluster_traffic_policy.go getDefaultCircuitBreakerThresholds
        track_remaining: true,
      },
    ],
  };
}

function outlierDetection(c: Cluster): ProtoObject | undefined {
  const o = c.outlierDetection;
  if (!o) return undefined;
  // istio/istio pilot/pkg/networking/core/cluster_traffic_policy.go applyOutlierDetection
  return {
    ...(o.consecutive5xx > 0
      ? { consecutive_5xx: wrap(o.consecutive5xx), enforcing_consecutive_5xx: wrap(100) }
      : { enforcing_consecutive_5xx: wrap(0) }),
    ...(o.consecutiveGatewayErrors > 0
      ? {
          consecutive_gateway_failure: wrap(o.consecutiveGatewayErrors),
          enforcing_consecutive_gateway_failure: wrap(100),
        }
      : {}),
    ...(o.splitExternalLocalOriginErrors
      ? {
          split_external_local_origin_errors: true,
          consecutive_local_origin_failure: wrap(o.consecutiveLocalOriginFailures),
          enforcing_consecutive_local_origin_failure: wrap(100),
        }
      : {}),
    interval: duration(o.intervalMs),
    base_ejection_time: duration(o.baseEjectionTimeMs),
    max_ejection_percent: wrap(o.maxEjectionPercent),
    enforcing_success_rate: wrap(0),
  };
}

/** typed_extension_protocol_options for HTTP/2 upstreams, idle timeout and requests per connection. */
function httpProtocolOptions(c: Cluster): ProtoObject | undefined {
  const h2 = c.protocol === 'http2' || c.protocol === 'grpc';
  const p = c.connectionPool;
  if (!h2 && !c.useDownstreamProtocol && !p.maxRequestsPerConnection && !p.idleTimeoutMs)
    return undefined;
  const http2 = p.maxConcurrentStreams
    ? { max_concurrent_streams: wrap(p.maxConcurrentStreams) }
    : {};
  return {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': TYPE.httpProtocolOptions,
      common_http_protocol_options: {
        ...(p.idleTimeoutMs ? { idle_timeout: duration(p.idleTimeoutMs) } : {}),
        ...(p.maxRequestsPerConnection
          ? { max_requests_per_connection: wrap(p.maxRequestsPerConnection) }
          : {}),
      },
      ...(c.useDownstreamProtocol
        ? {
            use_downstream_protocol_config: {
              http_protocol_options: {},
              http2_protocol_options: http2,
            },
          }
        : h2
          ? { explicit_http_config: { http2_protocol_options: http2 } }
          : { explicit_http_config: { http_protocol_options: {} } }),
    },
  };
}

function transport(c: Cluster): ProtoObject {
  const tls = c.tls;
  if (!tls) return {};
  const socket = tlsTransportSocket(
    upstreamTlsContext(tls, istioSni(c.port, c.subset, c.serviceHost)),
  );
  if (!tls.autoMtls) return { transport_socket: socket };
  // Auto mTLS: mTLS to endpoints labelled tlsMode=istio, plaintext to the rest (cluster_tls.go).
  return {
    transport_socket_matches: [
      { name: 'tlsMode-istio', match: struct({ tlsMode: 'istio' }), transport_socket: socket },
      {
        name: 'tlsMode-disabled',
        match: struct({}),
        transport_socket: {
          name: 'envoy.transport_sockets.raw_buffer',
          typed_config: { '@type': TYPE.rawBuffer },
        },
      },
    ],
  };
}

/** `<name>;` (istio/istio pilot/pkg/networking/util DelimitedStatsPrefix, constants.StatPrefixDelimiter). */
function altStatName(name: string): string {
  return `${name};`;
}

/** The Envoy Cluster for one snapshot cluster. */
export function buildCluster(c: Cluster, options: ClusterOptions = {}): ProtoObject {
  // cluster_builder.go buildBlackHoleCluster: STATIC with no endpoints, ROUND_ROBIN, nothing else.
  if (c.name === BLACKHOLE_CLUSTER && !options.proxyless)
    return {
      '@type': TYPE.cluster,
      name: c.name,
      type: 'STATIC',
      connect_timeout: duration(c.connectionPool.connectTimeoutMs),
      lb_policy: 'ROUND_ROBIN',
      alt_stat_name: altStatName(c.name),
    };
  const base: ProtoObject = {
    '@type': TYPE.cluster,
    name: c.name,
    connect_timeout: duration(c.connectionPool.connectTimeoutMs),
    lb_policy: lbPolicy(c),
  };
  switch (c.type) {
    case 'EDS':
      base.type = 'EDS';
      base.eds_cluster_config = { eds_config: adsSource(), service_name: c.name };
      break;
    case 'ORIGINAL_DST':
      base.type = 'ORIGINAL_DST';
      base.lb_policy = 'CLUSTER_PROVIDED';
      break;
    case 'STATIC':
      base.type = 'STATIC';
      if (c.endpoints.length > 0) base.load_assignment = clusterLoadAssignment(c, { inline: true });
      break;
    case 'STRICT_DNS':
    case 'LOGICAL_DNS':
      base.type = c.type;
      base.load_assignment = clusterLoadAssignment(c, { inline: true });
      base.dns_lookup_family = 'V4_ONLY';
      if (c.dnsRefresh) {
        base.dns_refresh_rate = duration(c.dnsRefresh.refreshRateMs);
        base.respect_dns_ttl = c.dnsRefresh.respectDnsTtl;
        if (c.dnsRefresh.jitterMs) base.dns_jitter = duration(c.dnsRefresh.jitterMs);
      }
      break;
  }
  if (c.lbPolicy === 'RING_HASH')
    base.ring_hash_lb_config = {
      minimum_ring_size: wrap(c.ringHash?.minimumRingSize ?? 1024),
      hash_function: 'XX_HASH',
    };
  if (c.lbPolicy === 'MAGLEV' && c.maglev)
    base.maglev_lb_config = { table_size: wrap(c.maglev.tableSize) };
  if (options.proxyless) return base;
  // cluster_builder.go buildCluster: every cluster gets the delimited alt stat name.
  base.alt_stat_name = altStatName(c.name);
  base.circuit_breakers = circuitBreakers(c);
  const od = outlierDetection(c);
  if (od) base.outlier_detection = od;
  const common: ProtoObject = {};
  if (c.outlierDetection)
    common.healthy_panic_threshold = wrap(c.outlierDetection.minHealthPercent);
  if (c.localityWeightedLb) common.locality_weighted_lb_config = {};
  // buildCluster always sets CommonLbConfig, empty unless a policy fills it.
  base.common_lb_config = common;
  const protocolOptions = httpProtocolOptions(c);
  if (protocolOptions) base.typed_extension_protocol_options = protocolOptions;
  Object.assign(base, transport(c));
  if (c.serviceHost) base.metadata = istioMetadata(c);
  return base;
}

/** filter_metadata.istio {services, config} as istiod attaches it (cluster_builder.go buildClusterMetadata). */
function istioMetadata(c: Cluster): ProtoObject {
  const [name = '', namespace = ''] = c.serviceHost.split('.');
  const meta: Record<string, unknown> = { services: [{ host: c.serviceHost, name, namespace }] };
  if (c.destinationRule) {
    const dot = c.destinationRule.indexOf('.');
    const drName = c.destinationRule.slice(0, dot);
    const drNamespace = c.destinationRule.slice(dot + 1);
    meta.config = `/apis/networking.istio.io/v1/namespaces/${drNamespace}/destination-rule/${drName}`;
  }
  return { filter_metadata: { istio: struct(meta) } };
}

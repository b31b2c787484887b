// Policy layering for one cluster: DR trafficPolicy -> its port-level settings (replace) -> subset
// trafficPolicy (per block) -> subset port-level (replace) (istio/istio pilot/pkg/networking/util/
// util.go MergeTrafficPolicy), then into Envoy cluster fields (pilot/pkg/networking/core/
// cluster_traffic_policy.go applyConnectionPool, applyOutlierDetection, applyLoadBalancer).
import type {
  ClientTLSSettings,
  ConnectionPoolSettings,
  LoadBalancerSettings,
  OutlierDetection,
  TrafficPolicy,
} from '../config/istio-types.js';
import type { MeshConfig } from '../config/mesh-config.js';
import {
  UNLIMITED,
  type ConnectionPoolLimits,
  type HashPolicy,
  type LbPolicy,
  type OutlierDetectionPolicy,
} from './snapshot.js';
import { durationMs } from '../units/index.js';

export interface EffectivePolicy {
  loadBalancer?: LoadBalancerSettings;
  connectionPool?: ConnectionPoolSettings;
  outlierDetection?: OutlierDetection;
  tls?: ClientTLSSettings;
}

function topLevel(tp: TrafficPolicy | undefined, port: number): EffectivePolicy {
  if (!tp) return {};
  const out: EffectivePolicy = {
    ...(tp.loadBalancer ? { loadBalancer: tp.loadBalancer } : {}),
    ...(tp.connectionPool ? { connectionPool: tp.connectionPool } : {}),
    ...(tp.outlierDetection ? { outlierDetection: tp.outlierDetection } : {}),
    ...(tp.tls ? { tls: tp.tls } : {}),
  };
  // Port-level settings replace all four blocks: omitted ones fall back to defaults, not the DR level.
  const pl = (tp.portLevelSettings ?? []).find((p) => p.port?.number === port);
  if (pl) {
    return {
      ...(pl.loadBalancer ? { loadBalancer: pl.loadBalancer } : {}),
      ...(pl.connectionPool ? { connectionPool: pl.connectionPool } : {}),
      ...(pl.outlierDetection ? { outlierDetection: pl.outlierDetection } : {}),
      ...(pl.tls ? { tls: pl.tls } : {}),
    };
  }
  return out;
}

/** The policy a cluster gets: DR level (with port override), then the subset's (with port override). */
export function effectivePolicy(
  drPolicy: TrafficPolicy | undefined,
  subsetPolicy: TrafficPolicy | undefined,
  port: number,
): EffectivePolicy {
  const base = topLevel(drPolicy, port);
  if (!subsetPolicy) return base;
  const merged: EffectivePolicy = { ...base };
  if (subsetPolicy.connectionPool) merged.connectionPool = subsetPolicy.connectionPool;
  if (subsetPolicy.loadBalancer) merged.loadBalancer = subsetPolicy.loadBalancer;
  if (subsetPolicy.outlierDetection) merged.outlierDetection = subsetPolicy.outlierDetection;
  if (subsetPolicy.tls) merged.tls = subsetPolicy.tls;
  const pl = (subsetPolicy.portLevelSettings ?? []).find((p) => p.port?.number === port);
  if (pl) {
    return {
      ...(pl.loadBalancer ? { loadBalancer: pl.loadBalancer } : {}),
      ...(pl.connectionPool ? { connectionPool: pl.connectionPool } : {}),
      ...(pl.outlierDetection ? { outlierDetection: pl.outlierDetection } : {}),
      ...(pl.tls ? { tls: pl.tls } : {}),
    };
  }
  return merged;
}

// cluster_traffic_policy.go defaultLBAlgorithm = LEAST_REQUEST; consistent hash -> RING_HASH/MAGLEV.
export function lbPolicyOf(lb: LoadBalancerSettings | undefined): {
  policy: LbPolicy;
  ringHash?: { minimumRingSize: number };
  maglev?: { tableSize: number };
} {
  const ch = lb?.consistentHash;
  if (ch) {
    if (ch.maglev) return { policy: 'MAGLEV', maglev: { tableSize: ch.maglev.tableSize ?? 65537 } };
    // Envoy ring hash minimum_ring_size default 1024; Istio's deprecated minimumRingSize is honoured.
    return {
      policy: 'RING_HASH',
      ringHash: { minimumRingSize: ch.ringHash?.minimumRingSize ?? ch.minimumRingSize ?? 1024 },
    };
  }
  switch (lb?.simple) {
    case 'ROUND_ROBIN':
      return { policy: 'ROUND_ROBIN' };
    case 'RANDOM':
      return { policy: 'RANDOM' };
    case 'PASSTHROUGH':
      return { policy: 'PASSTHROUGH' };
    default:
      return { policy: 'LEAST_REQUEST' };
  }
}

// route.go consistentHashToHashPolicy: the key of a consistent-hash LB becomes the route hash policy.
export function hashPolicyOf(lb: LoadBalancerSettings | undefined): HashPolicy | undefined {
  const ch = lb?.consistentHash;
  if (!ch) return undefined;
  if (ch.httpHeaderName) return { kind: 'header', name: ch.httpHeaderName.toLowerCase() };
  if (ch.httpCookie?.name) {
    const ttl = durationMs(ch.httpCookie.ttl);
    return {
      kind: 'cookie',
      name: ch.httpCookie.name,
      ...(ch.httpCookie.path ? { path: ch.httpCookie.path } : {}),
      ...(ttl !== undefined ? { ttlMs: ttl } : {}),
    };
  }
  if (ch.useSourceIp) return { kind: 'sourceIp' };
  if (ch.httpQueryParameterName) return { kind: 'queryParameter', name: ch.httpQueryParameterName };
  return undefined;
}

const ONE_HOUR_MS = 3_600_000;

/** Istio sets every threshold to 2^32-1 when unset; connect timeout from mesh; idle timeout 1h. */
export function connectionPoolOf(
  cp: ConnectionPoolSettings | undefined,
  mesh: MeshConfig,
): ConnectionPoolLimits {
  const pos = (n: number | undefined) => (typeof n === 'number' && n > 0 ? n : UNLIMITED);
  const tcp = cp?.tcp;
  const http = cp?.http;
  const idle = durationMs(http?.idleTimeout) ?? durationMs(tcp?.idleTimeout) ?? ONE_HOUR_MS;
  const maxDur = durationMs(tcp?.maxConnectionDuration);
  const ka = tcp?.tcpKeepalive;
  return {
    maxConnections: pos(tcp?.maxConnections),
    maxPendingRequests: pos(http?.http1MaxPendingRequests),
    maxRequests: pos(http?.http2MaxRequests),
    maxRetries: pos(http?.maxRetries),
    maxRequestsPerConnection: http?.maxRequestsPerConnection ?? 0,
    connectTimeoutMs: durationMs(tcp?.connectTimeout) ?? durationMs(mesh.connectTimeout) ?? 10_000,
    idleTimeoutMs: idle,
    ...(maxDur !== undefined ? { maxConnectionDurationMs: maxDur } : {}),
    ...(ka
      ? {
          tcpKeepalive: {
            ...(ka.probes !== undefined ? { probes: ka.probes } : {}),
            ...(durationMs(ka.time) !== undefined ? { timeMs: durationMs(ka.time) } : {}),
            ...(durationMs(ka.interval) !== undefined
              ? { intervalMs: durationMs(ka.interval) }
              : {}),
          },
        }
      : {}),
    ...(http?.h2UpgradePolicy ? { h2UpgradePolicy: http.h2UpgradePolicy } : {}),
    ...(http?.maxConcurrentStreams ? { maxConcurrentStreams: http.maxConcurrentStreams } : {}),
  };
}

/** Only configured when the DR sets outlierDetection; Istio's defaults fill the rest. */
export function outlierDetectionOf(
  od: OutlierDetection | undefined,
): OutlierDetectionPolicy | undefined {
  if (!od) return undefined;
  return {
    // Deprecated consecutiveErrors is not read by Istio's applyOutlierDetection (only warned about);
    // unset consecutive5xxErrors leaves Envoy's default 5 (enforcing 100); 0 disables it.
    consecutive5xx: od.consecutive5xxErrors ?? 5,
    consecutiveGatewayErrors: od.consecutiveGatewayErrors ?? 0,
    splitExternalLocalOriginErrors: od.splitExternalLocalOriginErrors ?? false,
    consecutiveLocalOriginFailures: od.consecutiveLocalOriginFailures ?? 5,
    intervalMs: durationMs(od.interval) ?? 10_000,
    baseEjectionTimeMs: durationMs(od.baseEjectionTime) ?? 30_000,
    // 0 is indistinguishable from unset in the proto: Istio's default 10% applies.
    maxEjectionPercent: od.maxEjectionPercent || 10,
    minHealthPercent: od.minHealthPercent ?? 0,
  };
}

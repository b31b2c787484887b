// What the compiled config does to each destination service, for the graph's badges (Kiali draws
// them from the VirtualServices and DestinationRules: kiali/kiali graph/telemetry/istio/appender/
// istio_details.go applyCircuitBreakers, applyVirtualServices: HasCB, HasVS, HasRequestRouting,
// HasRequestTimeout, HasFaultInjection, HasTrafficShifting; mirroring and retries are ours). Read
// from the proxies' snapshots, so the badges show what the data plane was given, not the YAML.
import type { Cluster, ForwardAction, ProxySnapshot, Route } from '../compile/snapshot.js';
import { UNLIMITED } from '../compile/snapshot.js';
import { isDefaultRetryPolicy } from '../compile/retry-policy.js';

export type BadgeKind =
  | 'virtualService'
  | 'faultInjection'
  | 'requestTimeout'
  | 'retries'
  | 'circuitBreaker'
  | 'mirroring'
  | 'trafficShifting'
  | 'requestRouting';

export interface ServiceTrafficConfig {
  /** VirtualServices (`name.namespace`) with a route to this service. */
  virtualServices: string[];
  /** DestinationRules (`name.namespace`) that shaped its clusters. */
  destinationRules: string[];
  /** Each badge with a short description of what set it (`abort 100% → 500`, `timeout 5s`). */
  badges: Partial<Record<BadgeKind, string[]>>;
}

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(3))}s`;

/** A DestinationRule connection pool or outlier detection: Kiali's circuit breaker (hasCB). */
export function circuitBreakerOf(c: Cluster): string | undefined {
  const parts: string[] = [];
  const cp = c.connectionPool;
  if (cp.maxConnections !== UNLIMITED) parts.push(`maxConnections ${cp.maxConnections}`);
  if (cp.maxPendingRequests !== UNLIMITED)
    parts.push(`http1MaxPendingRequests ${cp.maxPendingRequests}`);
  if (cp.maxRequests !== UNLIMITED) parts.push(`http2MaxRequests ${cp.maxRequests}`);
  if (cp.maxRetries !== UNLIMITED) parts.push(`maxRetries ${cp.maxRetries}`);
  if (cp.maxRequestsPerConnection > 0)
    parts.push(`maxRequestsPerConnection ${cp.maxRequestsPerConnection}`);
  const od = c.outlierDetection;
  if (od)
    parts.push(
      `outlierDetection ${od.consecutive5xx} × 5xx / ${seconds(od.intervalMs)}, eject ${seconds(od.baseEjectionTimeMs)}`,
    );
  return parts.length > 0 ? parts.join(', ') : undefined;
}

function routeBadges(route: Route, action: ForwardAction, clusterHost: (name: string) => string) {
  const out: [BadgeKind, string][] = [];
  const f = route.fault;
  if (f?.abort)
    out.push([
      'faultInjection',
      `abort ${f.abort.percentage}% → ${f.abort.httpStatus ?? `grpc ${f.abort.grpcStatus ?? ''}`}`,
    ]);
  if (f?.delay)
    out.push(['faultInjection', `delay ${seconds(f.delay.delayMs)} on ${f.delay.percentage}%`]);
  if (action.timeoutMs > 0) out.push(['requestTimeout', `timeout ${seconds(action.timeoutMs)}`]);
  if (action.retry && !isDefaultRetryPolicy(action.retry))
    out.push([
      'retries',
      `${action.retry.numRetries} attempts${action.retry.perTryTimeoutMs !== undefined ? `, ${seconds(action.retry.perTryTimeoutMs)} per try` : ''}`,
    ]);
  for (const m of action.mirrors)
    out.push(['mirroring', `mirror ${m.percentage}% to ${clusterHost(m.clusterName)}`]);
  const weighted = action.clusters.filter((c) => c.weight > 0);
  if (weighted.length > 1)
    out.push([
      'trafficShifting',
      weighted
        .map((c) => {
          const subset = c.clusterName.split('|')[2];
          return `${subset || clusterHost(c.clusterName)} ${Math.round((100 * c.weight) / (action.totalWeight || 1))}%`;
        })
        .join(', '),
    ]);
  const m = route.match;
  const routed =
    m.headers.length > 0 ||
    m.queryParams.length > 0 ||
    (m.path !== undefined && !(m.path.kind === 'prefix' && m.path.value === '/')) ||
    action.clusters.some((c) => (c.clusterName.split('|')[2] ?? '') !== '');
  if (routed) out.push(['requestRouting', route.name || 'route']);
  return out;
}

/** Every destination service's VirtualServices, DestinationRules and badges, across the proxies. */
export function trafficConfigOf(
  snapshots: readonly ProxySnapshot[],
): Record<string, ServiceTrafficConfig> {
  const out = new Map<string, ServiceTrafficConfig>();
  const entry = (host: string): ServiceTrafficConfig => {
    let e = out.get(host);
    if (!e) out.set(host, (e = { virtualServices: [], destinationRules: [], badges: {} }));
    return e;
  };
  const addOnce = (list: string[], v: string) => {
    if (!list.includes(v)) list.push(v);
  };
  for (const snap of snapshots) {
    const clusterHost = (name: string) => snap.clusters.get(name)?.serviceHost || name;
    for (const c of snap.clusters.values()) {
      if (c.direction !== 'outbound' || !c.serviceHost) continue;
      if (c.destinationRule) addOnce(entry(c.serviceHost).destinationRules, c.destinationRule);
      const cb = circuitBreakerOf(c);
      if (cb) {
        const e = entry(c.serviceHost);
        addOnce((e.badges.circuitBreaker ??= []), c.subset ? `${c.subset}: ${cb}` : cb);
      }
    }
    for (const table of snap.routeTables.values())
      for (const vh of table.virtualHosts)
        for (const route of vh.routes) {
          if (!route.virtualService || route.action.type !== 'forward') continue;
          const action = route.action;
          const hosts = new Set(
            action.clusters.map((c) => snap.clusters.get(c.clusterName)?.serviceHost ?? ''),
          );
          const vs = `${route.virtualService.name}.${route.virtualService.namespace}`;
          for (const host of hosts) {
            if (!host) continue;
            const e = entry(host);
            addOnce(e.virtualServices, vs);
            addOnce((e.badges.virtualService ??= []), vs);
            for (const [kind, text] of routeBadges(route, action, clusterHost))
              addOnce((e.badges[kind] ??= []), text);
          }
        }
  }
  return Object.fromEntries([...out].sort(([a], [b]) => a.localeCompare(b)));
}

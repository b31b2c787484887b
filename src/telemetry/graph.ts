// The live service graph's data, as Kiali builds its graph: nodes are workloads, gateways and
// services without a workload (external); edges come from reporter="source" series, with request
// rates, error shares, health and response-time percentiles over a window of time slots
// (time-window.ts), and the destination services' traffic config (graph-config.ts) for badges.
import type { Clock } from '../runtime/clock.js';
import type { IstioStats } from './istio-stats.js';
import { BUCKETS } from './metrics.js';
import type { ServiceTrafficConfig } from './graph-config.js';
import { MAX_WINDOW_MS, SLOT_MS, windowSpan, type WindowSum } from './time-window.js';

export { MAX_WINDOW_MS };

export interface GraphNode {
  id: string;
  kind: 'workload' | 'gateway' | 'service';
  label: string;
  workload?: string;
  namespace?: string;
  app?: string;
  version?: string;
  service?: string;
}

export type Health = 'healthy' | 'degraded' | 'failure' | 'idle';

export interface GraphEdge {
  source: string;
  target: string;
  protocol: string;
  /** Requests (HTTP) or connections (TCP) per second over the window. */
  rps: number;
  /** Share of 5xx responses over the window (0..1); 0 without traffic in the window. */
  errorRate: number;
  /** Totals since the mesh started. */
  total: number;
  errors: number;
  /** Requests per response code since start. */
  codes: Record<string, number>;
  /** Requests per response code in the window (gRPC edges: per grpc-status; no response: `-`). */
  windowCodes: Record<string, number>;
  /** Share of HTTP 4xx and 5xx responses over the window (0..1). */
  healthErrorRate: number;
  /** Kiali's edge health over the window with its default tolerances (kialiHealth below). */
  health: Health;
  /** The destination service host (`reviews.default.svc.cluster.local`), when known. */
  service?: string;
  /** Whether the destination sidecar saw this traffic over mesh mTLS (connection_security_policy). */
  mtls: boolean;
  /** Response time percentiles in ms over the window (istio_request_duration_milliseconds). */
  latency?: { p50: number; p95: number; p99: number };
}

export interface GraphJson {
  timestamp: string;
  /** The window asked for, and the span it really covers (shorter right after start). */
  window: { requestedSeconds: number; seconds: number };
  /** Kept for older readers: the same as window.seconds. */
  windowSeconds: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /**
   * Caller -> service edges for the graph's service-node view (Kiali's service nodes): each
   * caller's edges into one service's workloads merged, health recomputed on the merged codes.
   */
  serviceEdges: GraphEdge[];
  /** Per destination service host: its VirtualServices, DestinationRules and badges. */
  services: Record<string, ServiceTrafficConfig>;
}

export interface GraphProxy {
  kind: 'sidecar' | 'gateway';
  stats: IstioStats;
}

/** Kiali's default rate tolerances (kiali/kiali config/config.go AddHealthDefault), in %. */
const TOLERANCES: readonly {
  code: RegExp;
  protocol: RegExp;
  degraded: number;
  failure: number;
}[] = [
  { code: /^5\d\d$/, protocol: /http/, degraded: 0, failure: 10 },
  { code: /^4\d\d$/, protocol: /http/, degraded: 10, failure: 20 },
  { code: /^[1-9]$|^1[0-6]$/, protocol: /grpc/, degraded: 0, failure: 10 },
  // "no response is indicated with a '-' code"
  { code: /^-$/, protocol: /http|grpc/, degraded: 0, failure: 10 },
];

const PRIORITY: Record<Health, number> = { idle: 0, healthy: 1, degraded: 2, failure: 3 };

/**
 * An edge's health as Kiali's graph computes it (kiali/kiali frontend/src/types/ErrorRate/
 * GraphEdgeStatus.ts calculateStatusGraph): per tolerance, the share of requests whose code matches,
 * in %, checked with ascendingThresholdCheck (frontend/src/types/Health.ts: > 0 and >= failure is
 * failure, >= degraded is degraded); the worst wins; no traffic is idle.
 */
export function kialiHealth(protocol: string, codes: Readonly<Record<string, number>>): Health {
  let total = 0;
  for (const n of Object.values(codes)) total += n;
  if (total <= 0) return 'idle';
  let worst: Health = 'healthy';
  for (const t of TOLERANCES) {
    if (!t.protocol.test(protocol)) continue;
    let matched = 0;
    for (const [code, n] of Object.entries(codes)) if (t.code.test(code)) matched += n;
    const pct = (100 * matched) / total;
    let h: Health = 'healthy';
    if (pct > 0) {
      if (pct >= t.failure) h = 'failure';
      else if (pct >= t.degraded) h = 'degraded';
    }
    if (PRIORITY[h] > PRIORITY[worst]) worst = h;
  }
  return worst;
}

/**
 * A quantile of a bucketed histogram, interpolated linearly inside its bucket as Prometheus's
 * histogram_quantile does (prometheus/prometheus promql/quantile.go bucketQuantile).
 */
export function histogramQuantile(q: number, counts: ArrayLike<number>): number | undefined {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i] ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let cum = 0;
  for (let i = 0; i < counts.length; i++) {
    const before = cum;
    cum += counts[i] ?? 0;
    if (cum >= rank && (counts[i] ?? 0) > 0) {
      // The +Inf bucket answers with the highest finite bound, as Prometheus does.
      if (i >= BUCKETS.length) return BUCKETS[BUCKETS.length - 1];
      const lower = i === 0 ? 0 : (BUCKETS[i - 1] ?? 0);
      const upper = BUCKETS[i] ?? lower;
      return lower + ((upper - lower) * (rank - before)) / (counts[i] ?? 1);
    }
  }
  return BUCKETS[BUCKETS.length - 1];
}

export const nodeIdOf = (namespace: string, workload: string): string => `${namespace}/${workload}`;

/** Kiali-like display name: `productpage v1`, or the workload name when it has no app/version. */
function workloadLabel(app: string, version: string, workload: string): string {
  if (app && version) return `${app} ${version}`;
  return app || workload;
}

/** Kiali's default graph duration is its "Last 1m". */
export const DEFAULT_WINDOW_MS = 60_000;

const pairKey = (labels: Readonly<Record<string, string>>): string =>
  `${nodeIdOf(labels['source_workload_namespace'] ?? '', labels['source_workload'] ?? '')}\n${nodeIdOf(labels['destination_workload_namespace'] ?? '', labels['destination_workload'] ?? '')}`;

export class GraphTracker {
  /** Monotonic time recording began: a window never reaches before it. */
  private readonly startedAt: number;
  constructor(
    private readonly clock: Clock,
    private readonly windowMs = DEFAULT_WINDOW_MS,
  ) {
    this.startedAt = clock.monotonic();
  }

  /** The graph with rates and percentiles over `windowMs` (default 1 m; at most MAX_WINDOW_MS). */
  build(
    proxies: readonly GraphProxy[],
    windowMs = this.windowMs,
    services: Record<string, ServiceTrafficConfig> = {},
  ): GraphJson {
    const now = this.clock.monotonic();
    const span = windowSpan(now, windowMs, this.startedAt);
    const nodes = new Map<string, GraphNode>();
    for (const p of proxies) {
      const me = p.stats.self;
      const id = nodeIdOf(me.namespace, me.workload);
      nodes.set(id, {
        id,
        kind: p.kind === 'gateway' ? 'gateway' : 'workload',
        label: p.kind === 'gateway' ? me.workload : workloadLabel(me.app, me.version, me.workload),
        workload: me.workload,
        namespace: me.namespace,
        app: me.app,
        version: me.version,
      });
    }
    const edges = new Map<string, GraphEdge>();
    const inWindow = new Map<GraphEdge, { count: number; errors: number; health: number }>();
    const durations = new Map<GraphEdge, WindowSum>();
    const edgeOf = (labels: Readonly<Record<string, string>>, protocol: string): GraphEdge => {
      const source = nodeIdOf(
        labels['source_workload_namespace'] ?? '',
        labels['source_workload'] ?? '',
      );
      let target: string;
      const dw = labels['destination_workload'] ?? 'unknown';
      if (dw !== 'unknown') {
        target = nodeIdOf(labels['destination_workload_namespace'] ?? '', dw);
      } else {
        const svc = labels['destination_service'] ?? 'unknown';
        target = `service:${svc}`;
        if (!nodes.has(target)) {
          const name = labels['destination_service_name'] ?? svc;
          nodes.set(target, {
            id: target,
            kind: 'service',
            label: name === 'PassthroughCluster' || name === 'BlackHoleCluster' ? svc : name,
            service: svc,
          });
        }
      }
      const key = `${source}\n${target}\n${protocol}`;
      let e = edges.get(key);
      if (!e) {
        e = {
          source,
          target,
          protocol,
          rps: 0,
          errorRate: 0,
          total: 0,
          errors: 0,
          codes: {},
          windowCodes: {},
          healthErrorRate: 0,
          health: 'idle',
          mtls: false,
        };
        const service = labels['destination_service'];
        if (service && service !== 'unknown') e.service = service;
        edges.set(key, e);
        inWindow.set(e, { count: 0, errors: 0, health: 0 });
      }
      return e;
    };
    /** source node \n target node of traffic a destination sidecar received over mesh mTLS. */
    const mutual = new Set<string>();
    for (const p of proxies) {
      for (const s of p.stats.httpSeries()) {
        if (s.labels['reporter'] === 'destination') {
          if (s.labels['connection_security_policy'] === 'mutual_tls' && s.requests > 0)
            mutual.add(pairKey(s.labels));
          continue;
        }
        if (s.labels['reporter'] !== 'source') continue;
        const protocol = s.labels['request_protocol'] ?? 'http';
        const e = edgeOf(s.labels, protocol);
        const code = s.labels['response_code'] ?? '0';
        e.total += s.requests;
        if (code.startsWith('5')) e.errors += s.requests;
        e.codes[code] = (e.codes[code] ?? 0) + s.requests;
        let d = durations.get(e);
        if (!d) durations.set(e, (d = { count: 0, buckets: new Float64Array(BUCKETS.length + 1) }));
        const before = d.count;
        s.window.sum(span.from, now, d);
        const n = d.count - before;
        if (n <= 0) continue;
        const w = inWindow.get(e);
        if (w) {
          w.count += n;
          if (code.startsWith('5')) w.errors += n;
          if (/^[45]\d\d$/.test(code)) w.health += n;
        }
        // Envoy reports 0 when no response was sent; Kiali's tolerances call that "-".
        const kialiCode =
          code === '0'
            ? '-'
            : protocol === 'grpc'
              ? s.labels['grpc_response_status'] || code
              : code;
        e.windowCodes[kialiCode] = (e.windowCodes[kialiCode] ?? 0) + n;
      }
      for (const s of p.stats.tcpSeries()) {
        if (s.labels['reporter'] === 'destination') {
          if (s.labels['connection_security_policy'] === 'mutual_tls' && s.opened > 0)
            mutual.add(pairKey(s.labels));
          continue;
        }
        if (s.labels['reporter'] !== 'source') continue;
        const e = edgeOf(s.labels, 'tcp');
        e.total += s.opened;
        const w = inWindow.get(e);
        if (w) w.count += s.window.sum(span.from, now).count;
      }
    }
    for (const e of edges.values()) {
      e.mtls = mutual.has(`${e.source}\n${e.target}`);
      const w = inWindow.get(e) ?? { count: 0, errors: 0, health: 0 };
      e.rps = w.count / span.seconds;
      e.errorRate = w.count > 0 ? w.errors / w.count : 0;
      e.healthErrorRate = w.count > 0 ? w.health / w.count : 0;
      e.health =
        e.protocol === 'tcp'
          ? w.count > 0
            ? 'healthy'
            : 'idle'
          : kialiHealth(e.protocol, e.windowCodes);
      const d = durations.get(e);
      if (d && d.count > 0) {
        const p50 = histogramQuantile(0.5, d.buckets);
        const p95 = histogramQuantile(0.95, d.buckets);
        const p99 = histogramQuantile(0.99, d.buckets);
        if (p50 !== undefined && p95 !== undefined && p99 !== undefined)
          e.latency = { p50, p95, p99 };
      }
    }
    const merged = new Map<string, GraphEdge>();
    for (const e of edges.values()) {
      if (!e.service || nodes.get(e.target)?.kind === 'service') continue;
      const key = `${e.source}\n${e.service}\n${e.protocol}`;
      let m = merged.get(key);
      if (!m) {
        m = {
          ...e,
          target: `svc:${e.service}`,
          rps: 0,
          total: 0,
          errors: 0,
          codes: {},
          windowCodes: {},
          mtls: true,
        };
        delete m.latency;
        merged.set(key, m);
      }
      const before = m.rps;
      m.rps += e.rps;
      m.total += e.total;
      m.errors += e.errors;
      m.errorRate = m.rps > 0 ? (m.errorRate * before + e.errorRate * e.rps) / m.rps : 0;
      m.healthErrorRate =
        m.rps > 0 ? (m.healthErrorRate * before + e.healthErrorRate * e.rps) / m.rps : 0;
      m.mtls = m.mtls && e.mtls;
      for (const [c, n] of Object.entries(e.codes)) m.codes[c] = (m.codes[c] ?? 0) + n;
      for (const [c, n] of Object.entries(e.windowCodes))
        m.windowCodes[c] = (m.windowCodes[c] ?? 0) + n;
    }
    for (const m of merged.values())
      m.health =
        m.protocol === 'tcp'
          ? m.rps > 0
            ? 'healthy'
            : 'idle'
          : kialiHealth(m.protocol, m.windowCodes);
    const seconds = Math.round(span.seconds * 10) / 10;
    return {
      timestamp: new Date(this.clock.now()).toISOString(),
      window: {
        requestedSeconds: Math.min(Math.max(windowMs, SLOT_MS), MAX_WINDOW_MS) / 1000,
        seconds,
      },
      windowSeconds: seconds,
      nodes: [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)),
      edges: [...edges.values()].sort(
        (a, b) => a.source.localeCompare(b.source) || a.target.localeCompare(b.target),
      ),
      serviceEdges: [...merged.values()].sort(
        (a, b) => a.source.localeCompare(b.source) || a.target.localeCompare(b.target),
      ),
      services,
    };
  }
}

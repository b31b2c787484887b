// The live service graph's data, as Kiali builds its graph: nodes are workloads, gateways and
// services without a workload (external); edges come from reporter="source" series, with request
// rate and 5xx share over a sliding window of samples taken at each read.
import type { Clock } from '../runtime/clock.js';
import type { IstioStats } from './istio-stats.js';
import { BUCKETS } from './metrics.js';

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
  /**
   * Share of responses Kiali counts as errors over the window: HTTP 4xx and 5xx (Kiali's default
   * health tolerance, kiali/kiali frontend/src/config/HealthConfig: code ^[4-5]\d\d$).
   */
  healthErrorRate: number;
  /** The destination service host (`reviews.default.svc.cluster.local`), when known. */
  service?: string;
  /** Whether the destination sidecar saw this traffic over mesh mTLS (connection_security_policy). */
  mtls: boolean;
  /** Response time percentiles in ms (from istio_request_duration_milliseconds, since start). */
  latency?: { p50: number; p95: number; p99: number };
}

export interface GraphJson {
  timestamp: string;
  windowSeconds: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface GraphProxy {
  kind: 'sidecar' | 'gateway';
  stats: IstioStats;
}

interface Sample {
  at: number;
  totals: Map<string, { total: number; errors: number; health: number }>;
}

/** The longest window `/graph.json?window=` serves (Kiali's selector offers 1m .. 1h). */
export const MAX_WINDOW_MS = 10 * 60_000;

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

export class GraphTracker {
  private samples: Sample[] = [];
  constructor(
    private readonly clock: Clock,
    private readonly windowMs = 10_000,
  ) {}

  /** The graph with rates over `windowMs` (default 10 s; at most MAX_WINDOW_MS). */
  build(proxies: readonly GraphProxy[], windowMs = this.windowMs): GraphJson {
    windowMs = Math.min(Math.max(windowMs, 1000), MAX_WINDOW_MS);
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
          healthErrorRate: 0,
          mtls: false,
        };
        const service = labels['destination_service'];
        if (service && service !== 'unknown') e.service = service;
        edges.set(key, e);
      }
      return e;
    };
    const durations = new Map<GraphEdge, Float64Array>();
    /** source node \n target node of traffic a destination sidecar received over mesh mTLS. */
    const mutual = new Set<string>();
    for (const p of proxies) {
      for (const s of p.stats.httpSeries()) {
        if (s.labels['reporter'] === 'destination') {
          if (s.labels['connection_security_policy'] === 'mutual_tls' && s.requests > 0)
            mutual.add(
              `${nodeIdOf(s.labels['source_workload_namespace'] ?? '', s.labels['source_workload'] ?? '')}\n${nodeIdOf(s.labels['destination_workload_namespace'] ?? '', s.labels['destination_workload'] ?? '')}`,
            );
          continue;
        }
        if (s.labels['reporter'] !== 'source') continue;
        const e = edgeOf(s.labels, s.labels['request_protocol'] ?? 'http');
        const code = s.labels['response_code'] ?? '0';
        e.total += s.requests;
        if (code.startsWith('5')) e.errors += s.requests;
        e.codes[code] = (e.codes[code] ?? 0) + s.requests;
        let d = durations.get(e);
        if (!d) durations.set(e, (d = new Float64Array(s.duration.counts.length)));
        for (let i = 0; i < d.length; i++) d[i] = (d[i] ?? 0) + (s.duration.counts[i] ?? 0);
      }
      for (const s of p.stats.tcpSeries())
        if (
          s.labels['reporter'] === 'destination' &&
          s.labels['connection_security_policy'] === 'mutual_tls' &&
          s.opened > 0
        )
          mutual.add(
            `${nodeIdOf(s.labels['source_workload_namespace'] ?? '', s.labels['source_workload'] ?? '')}\n${nodeIdOf(s.labels['destination_workload_namespace'] ?? '', s.labels['destination_workload'] ?? '')}`,
          );
      for (const s of p.stats.tcpSeries()) {
        if (s.labels['reporter'] !== 'source') continue;
        const e = edgeOf(s.labels, 'tcp');
        e.total += s.opened;
      }
    }
    for (const [e, counts] of durations) {
      const p50 = histogramQuantile(0.5, counts);
      const p95 = histogramQuantile(0.95, counts);
      const p99 = histogramQuantile(0.99, counts);
      if (p50 !== undefined && p95 !== undefined && p99 !== undefined)
        e.latency = { p50, p95, p99 };
    }
    for (const e of edges.values()) e.mtls = mutual.has(`${e.source}\n${e.target}`);
    const now = this.clock.monotonic();
    const totals = new Map<string, { total: number; errors: number; health: number }>();
    const healthErrors = (e: GraphEdge): number =>
      Object.entries(e.codes).reduce((n, [c, v]) => n + (/^[45]\d\d$/.test(c) ? v : 0), 0);
    for (const [k, e] of edges)
      totals.set(k, { total: e.total, errors: e.errors, health: healthErrors(e) });
    // Keep samples for the longest window; the rate's base is the newest one at least windowMs old.
    this.samples.push({ at: now, totals });
    while (
      this.samples.length > 2 &&
      (now - (this.samples[1]?.at ?? now) >= MAX_WINDOW_MS || this.samples.length > 4096)
    )
      this.samples.shift();
    let base = this.samples[0];
    for (const s of this.samples) if (now - s.at >= windowMs) base = s;
    const dt = base ? (now - base.at) / 1000 : 0;
    for (const [k, e] of edges) {
      if (!base || dt <= 0) continue;
      const before = base.totals.get(k) ?? { total: 0, errors: 0, health: 0 };
      const dTotal = e.total - before.total;
      const dErrors = e.errors - before.errors;
      e.rps = Math.max(0, dTotal) / dt;
      e.errorRate = dTotal > 0 ? dErrors / dTotal : 0;
      e.healthErrorRate = dTotal > 0 ? (healthErrors(e) - before.health) / dTotal : 0;
    }
    return {
      timestamp: new Date(this.clock.now()).toISOString(),
      windowSeconds: Math.round(dt * 10) / 10,
      nodes: [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)),
      edges: [...edges.values()].sort(
        (a, b) => a.source.localeCompare(b.source) || a.target.localeCompare(b.target),
      ),
    };
  }
}

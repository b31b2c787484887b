// The live service graph's data, as Kiali builds its graph: nodes are workloads, gateways and
// services without a workload (external); edges come from reporter="source" series, with request
// rate and 5xx share over a sliding window of samples taken at each read.
import type { Clock } from '../runtime/clock.js';
import type { IstioStats } from './istio-stats.js';

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
  totals: Map<string, { total: number; errors: number }>;
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

  build(proxies: readonly GraphProxy[]): GraphJson {
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
        e = { source, target, protocol, rps: 0, errorRate: 0, total: 0, errors: 0, codes: {} };
        edges.set(key, e);
      }
      return e;
    };
    for (const p of proxies) {
      for (const s of p.stats.httpSeries()) {
        if (s.labels['reporter'] !== 'source') continue;
        const e = edgeOf(s.labels, s.labels['request_protocol'] ?? 'http');
        const code = s.labels['response_code'] ?? '0';
        e.total += s.requests;
        if (code.startsWith('5')) e.errors += s.requests;
        e.codes[code] = (e.codes[code] ?? 0) + s.requests;
      }
      for (const s of p.stats.tcpSeries()) {
        if (s.labels['reporter'] !== 'source') continue;
        const e = edgeOf(s.labels, 'tcp');
        e.total += s.opened;
      }
    }
    const now = this.clock.monotonic();
    const totals = new Map<string, { total: number; errors: number }>();
    for (const [k, e] of edges) totals.set(k, { total: e.total, errors: e.errors });
    // Keep samples inside the window, and the newest one older than it as the rate's base.
    this.samples.push({ at: now, totals });
    while (this.samples.length > 2 && now - (this.samples[1]?.at ?? now) >= this.windowMs)
      this.samples.shift();
    const base = this.samples[0];
    const dt = base ? (now - base.at) / 1000 : 0;
    for (const [k, e] of edges) {
      if (!base || dt <= 0) continue;
      const before = base.totals.get(k) ?? { total: 0, errors: 0 };
      const dTotal = e.total - before.total;
      const dErrors = e.errors - before.errors;
      e.rps = Math.max(0, dTotal) / dt;
      e.errorRate = dTotal > 0 ? dErrors / dTotal : 0;
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

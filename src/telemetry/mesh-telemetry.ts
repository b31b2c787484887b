// The mesh's telemetry: one IstioStats per proxy, hooked on the proxy's completed requests, the
// metadata-exchange headers each proxy sends, and the endpoint -> workload directory that stands in
// for Istio's endpoint metadata (EDS `istio.workload`).
import type { Endpoint, ProxyIdentity } from '../model/index.js';
import type { Proxy } from '../proxy/index.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import type { ProxySnapshot } from '../compile/snapshot.js';
import { GraphTracker, type GraphJson } from './graph.js';
import { trafficConfigOf } from './graph-config.js';
import { IstioStats, renderFamilies } from './istio-stats.js';
import { peerFromLabels, peerHeaders, workloadOfPod, type PeerMetadata } from './peer-metadata.js';

interface Entry {
  id: string;
  namespace: string;
  kind: 'sidecar' | 'gateway';
  stats: IstioStats;
  stop: () => void;
  /** The proxy's current compiled config (the graph's VirtualService/DestinationRule badges). */
  snapshot: () => ProxySnapshot | undefined;
}

/** Istio's proxy id is `<pod>.<namespace>` (src/model/proxy-identity.ts). */
const podOfProxy = (id: string): string => id.split('.')[0] ?? id;

export class MeshTelemetry {
  private readonly entries = new Map<string, Entry>();
  /** Pod name (`reviews-v2-0`) -> the workload behind it. */
  private readonly pods = new Map<string, PeerMetadata>();
  private readonly tracker: GraphTracker;

  constructor(private readonly clock: Clock = systemClock) {
    this.tracker = new GraphTracker(clock);
  }

  /** Starts recording a proxy's requests; `workload` is its Deployment name. */
  attach(proxy: Proxy, identity: ProxyIdentity, workload: string): IstioStats {
    this.entries.get(identity.id)?.stop();
    const stats = new IstioStats({
      identity,
      workload,
      endpointPeer: (e) => this.endpointPeer(e),
      clock: this.clock,
    });
    const pod = podOfProxy(identity.id);
    this.pods.set(pod, stats.self);
    proxy.peerHeaders = peerHeaders(stats.self, identity.id, identity.kind);
    const stop = proxy.observe((ctx) => stats.record(ctx));
    this.entries.set(identity.id, {
      id: identity.id,
      namespace: identity.namespace,
      kind: identity.kind === 'sidecar' ? 'sidecar' : 'gateway',
      stats,
      stop,
      snapshot: () => proxy.snapshot(),
    });
    return stats;
  }

  private endpointPeer(e: Endpoint): PeerMetadata | undefined {
    if (!e.workload) return undefined;
    // A workload the runner did not start (e.g. a WorkloadEntry): its labels, namespace unknown.
    return this.pods.get(e.workload) ?? peerFromLabels(workloadOfPod(e.workload), '', e.labels);
  }

  stats(proxyId: string): IstioStats | undefined {
    return this.entries.get(proxyId)?.stats;
  }

  /** One proxy's series (Envoy's `:15090/stats/prometheus`, Istio metrics only). */
  renderProxy(proxyId: string): string | undefined {
    const e = this.entries.get(proxyId);
    return e ? e.stats.render() : undefined;
  }

  /**
   * Every proxy's series: the whole mesh as one Prometheus scrape target, each series labelled with
   * the `namespace` and `pod` Istio's Prometheus would add when scraping that proxy on its own.
   */
  renderAll(): string {
    return renderFamilies(
      [...this.entries.values()].map((e) => ({
        stats: e.stats,
        targetLabels: { namespace: e.namespace, pod: podOfProxy(e.id) },
      })),
    );
  }

  /** Every proxy as a Prometheus http_sd target group (one per proxy, its own scrape path). */
  scrapeTargets(): { id: string; namespace: string; pod: string; kind: string }[] {
    return [...this.entries.values()].map((e) => ({
      id: e.id,
      namespace: e.namespace,
      pod: podOfProxy(e.id),
      kind: e.kind,
    }));
  }

  /** The graph with rates over windowMs (the tracker's default, 1 m, when absent). */
  graph(windowMs?: number): GraphJson {
    const entries = [...this.entries.values()];
    const snapshots = entries.flatMap((e) => {
      const s = e.snapshot();
      return s ? [s] : [];
    });
    return this.tracker.build(entries, windowMs, trafficConfigOf(snapshots));
  }
}

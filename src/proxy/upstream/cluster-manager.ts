// Cluster states keyed by name, carried across snapshot swaps when the cluster's configHash is
// unchanged (architecture.md rule 3); a changed cluster gets fresh state and the old one drains.
import {
  PASSTHROUGH_CLUSTER,
  UNLIMITED,
  type Cluster,
  type ProxySnapshot,
} from '../../compile/snapshot.js';
import type { Clock } from '../../runtime/clock.js';
import type { Random } from '../../runtime/random.js';
import { ClusterState } from './cluster-state.js';
import { ClusterStats } from './stats.js';
import type { MeshIdentity } from '../tls/mesh-identity.js';
import { DnsResolution, ISTIO_DNS_REFRESH } from './dns-resolution.js';
import { systemDnsResolve, type DnsResolve } from './dns-resolver.js';

export class ClusterManager {
  private states = new Map<string, ClusterState>();
  private readonly statsByName = new Map<string, ClusterStats>();
  /** Resolved addresses of DNS clusters, by cluster name: they outlive snapshots and state swaps. */
  private dns = new Map<string, DnsResolution>();
  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
    /** The proxy's mesh identity, for ISTIO_MUTUAL clusters. */
    private readonly identity?: () => MeshIdentity,
    private readonly resolve: DnsResolve = systemDnsResolve,
  ) {}

  statsFor(name: string): ClusterStats {
    let s = this.statsByName.get(name);
    if (!s) {
      s = new ClusterStats();
      this.statsByName.set(name, s);
    }
    return s;
  }

  apply(snapshot: ProxySnapshot): void {
    const next = new Map<string, ClusterState>();
    const dns = new Map<string, DnsResolution>();
    for (const [name, cluster] of snapshot.clusters) {
      const resolution = this.resolutionFor(cluster);
      if (resolution) dns.set(name, resolution);
      const old = this.states.get(name);
      if (old && old.cluster.configHash === cluster.configHash) {
        old.update(cluster);
        next.set(name, old);
      } else {
        next.set(
          name,
          new ClusterState(
            cluster,
            this.clock,
            this.random,
            this.statsFor(name),
            this.identity,
            resolution,
          ),
        );
      }
    }
    for (const [name, old] of this.states) if (next.get(name) !== old) old.close();
    for (const [name, r] of this.dns) if (dns.get(name) !== r) r.stop();
    this.states = next;
    this.dns = dns;
  }

  /** The background resolution of a STRICT_DNS / LOGICAL_DNS cluster, kept by name across snapshots. */
  private resolutionFor(cluster: Cluster): DnsResolution | undefined {
    if (cluster.type !== 'STRICT_DNS' && cluster.type !== 'LOGICAL_DNS') return undefined;
    const logical = cluster.type === 'LOGICAL_DNS';
    const refresh = cluster.dnsRefresh ?? ISTIO_DNS_REFRESH;
    let r = this.dns.get(cluster.name);
    if (r) r.configure(refresh, logical);
    else
      r = new DnsResolution(
        this.clock,
        this.random,
        this.resolve,
        refresh,
        logical,
        this.statsFor(cluster.name),
      );
    r.setTargets(cluster.endpoints);
    return r;
  }

  /** PassthroughCluster (ORIGINAL_DST, no limits) when the snapshot does not define one. */
  passthrough(): ClusterState {
    const fromSnapshot = this.states.get(PASSTHROUGH_CLUSTER);
    if (fromSnapshot) return fromSnapshot;
    this.passthroughState ??= new ClusterState(
      defaultPassthrough(),
      this.clock,
      this.random,
      this.statsFor(PASSTHROUGH_CLUSTER),
    );
    return this.passthroughState;
  }
  private passthroughState: ClusterState | undefined;

  /** The live state for a cluster name, or undefined when no snapshot carries it. */
  get(name: string): ClusterState | undefined {
    return this.states.get(name);
  }

  renderStats(into: Map<string, number>): void {
    for (const [name, s] of this.statsByName) s.render(`cluster.${name}`, into);
  }

  close(): void {
    for (const s of this.states.values()) s.close();
    this.passthroughState?.close();
    for (const r of this.dns.values()) r.stop();
    this.dns.clear();
    this.states.clear();
  }
}

// istio/istio pilot/pkg/networking/core/cluster_builder.go buildDefaultPassthroughCluster: ORIGINAL_DST, connect timeout 10s.
function defaultPassthrough(): Cluster {
  return {
    name: PASSTHROUGH_CLUSTER,
    type: 'ORIGINAL_DST',
    direction: 'none',
    serviceHost: '',
    port: 0,
    subset: '',
    protocol: 'unknown',
    endpoints: [],
    lbPolicy: 'PASSTHROUGH',
    connectionPool: {
      maxConnections: UNLIMITED,
      maxPendingRequests: UNLIMITED,
      maxRequests: UNLIMITED,
      maxRetries: UNLIMITED,
      maxRequestsPerConnection: 0,
      connectTimeoutMs: 10_000,
      idleTimeoutMs: 3_600_000,
    },
    configHash: 'passthrough',
  };
}

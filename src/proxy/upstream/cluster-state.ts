// Per-cluster state that outlives a snapshot: hosts (with their pools and outlier counters), the
// load balancer (round-robin cursor, hash rings), circuit-breaker gauges and the outlier detector.
// Circuit breaking is per client proxy per cluster, as Istio maps connectionPool to Envoy thresholds
// (istio/istio pilot/pkg/networking/core/cluster_traffic_policy.go applyConnectionPool;
// envoyproxy/envoy source/common/upstream/resource_manager_impl.h).
import type { Cluster, Endpoint } from '../../compile/snapshot.js';
import type { Clock } from '../../runtime/clock.js';
import type { Random } from '../../runtime/random.js';
import { Connection } from './connection.js';
import { Host } from './host.js';
import { createLoadBalancer, type LoadBalancer } from './lb/index.js';
import { OutlierDetector } from './outlier-detector.js';
import { explicitSni, hostTls, upstreamTlsOptions } from './upstream-tls.js';
import { clusterLookup, type LookupFunction } from './dns-lookup.js';
import type { ClusterStats } from './stats.js';
import type { MeshIdentity } from '../tls/mesh-identity.js';

export type AcquireResult =
  { ok: true; conn: Connection } | { ok: false; reason: 'overflow' | 'closed' };

export class ClusterState {
  cluster: Cluster;
  hosts: Host[] = [];
  private byKey = new Map<string, Host>();
  readonly lb: LoadBalancer;
  outlier: OutlierDetector | undefined;
  /** Circuit-breaker gauges (Envoy resource manager). */
  rqActive = 0;
  rqPending = 0;
  retriesActive = 0;
  cxActive = 0;
  closed = false;
  /** Resolves hostname endpoints at connect time (dns-lookup.ts). */
  private readonly lookup: LookupFunction;

  constructor(
    cluster: Cluster,
    private readonly clock: Clock,
    readonly random: Random,
    readonly stats: ClusterStats,
    /** The proxy's mesh identity for ISTIO_MUTUAL (upstream-tls.ts). */
    private readonly identity?: () => MeshIdentity,
  ) {
    this.cluster = cluster;
    this.lookup = clusterLookup(cluster.type === 'STRICT_DNS');
    this.lb = createLoadBalancer(cluster);
    this.setEndpoints(cluster.endpoints);
    if (cluster.outlierDetection) {
      this.outlier = new OutlierDetector(cluster.outlierDetection, clock, () => this.hosts, stats);
    }
  }

  /** Takes a new cluster object with the same configHash: endpoints may differ, state is kept. */
  update(cluster: Cluster): void {
    this.cluster = cluster;
    this.setEndpoints(cluster.endpoints);
  }

  private setEndpoints(endpoints: readonly Endpoint[]): void {
    const next = new Map<string, Host>();
    const list: Host[] = [];
    for (const ep of endpoints) {
      const key = `${ep.address}:${ep.port}`;
      if (next.has(key)) continue;
      const h = this.byKey.get(key) ?? new Host(ep);
      h.endpoint = ep;
      next.set(key, h);
      list.push(h);
    }
    for (const [key, h] of this.byKey) if (!next.has(key)) this.retireHost(h);
    this.byKey = next;
    this.hosts = list;
  }

  private retireHost(h: Host): void {
    h.closed = true;
    if (h.ejected) this.stats['outlier_detection.ejections_active']--;
    for (const c of h.idle.splice(0)) this.dropConnection(c);
  }

  /** A host for PASSTHROUGH/ORIGINAL_DST and PassthroughCluster, created on demand. */
  dynamicHost(address: string, port: number): Host {
    const key = `${address}:${port}`;
    let h = this.byKey.get(key);
    if (!h) {
      h = new Host({ address, port, labels: {}, weight: 1 });
      this.byKey.set(key, h);
    }
    return h;
  }

  /** Hosts the LB may pick: non-ejected, or all of them in panic (Envoy healthy_panic_threshold = minHealthPercent). */
  healthyHosts(): readonly Host[] {
    if (!this.outlier) return this.hosts;
    let healthy = 0;
    for (const h of this.hosts) if (!h.ejected) healthy++;
    if (healthy === this.hosts.length) return this.hosts;
    const panic = this.outlier.policy.minHealthPercent;
    // Envoy isHostSetInPanic: 100 x healthy / hosts below the threshold (no overprovisioning factor).
    if (panic > 0 && (healthy * 100) / Math.max(1, this.hosts.length) < panic) {
      this.stats.lb_healthy_panic++;
      return this.hosts;
    }
    return this.hosts.filter((h) => !h.ejected);
  }

  /** Gets a connection to `host`: an idle one, a new one, or after waiting as a pending request. */
  acquire(host: Host, cb: (r: AcquireResult) => void): void {
    const limits = this.cluster.connectionPool;
    if (this.closed) return cb({ ok: false, reason: 'closed' });
    // max_requests counts streams attached to a connection, checked when one is attached; an
    // overflow is counted as upstream_rq_pending_overflow (envoy conn_pool_base.cc attachStreamToClient).
    const attach = (c: Connection): void => {
      if (this.rqActive >= limits.maxRequests) {
        this.stats.upstream_rq_pending_overflow++;
        this.handBack(c);
        return cb({ ok: false, reason: 'overflow' });
      }
      cb({ ok: true, conn: this.bind(c) });
    };
    let conn: Connection | undefined;
    while ((conn = host.idle.pop())) {
      if (!conn.dead) return attach(conn);
    }
    if (this.rqActive >= limits.maxRequests) {
      // Would attach at once to a new connection: refuse before opening it.
      this.stats.upstream_rq_pending_overflow++;
      return cb({ ok: false, reason: 'overflow' });
    }
    if (this.cxActive < limits.maxConnections || host.connections === 0) {
      return cb({ ok: true, conn: this.bind(this.newConnection(host)) });
    }
    if (this.cxActive >= limits.maxConnections) this.stats.upstream_cx_overflow++;
    if (this.rqPending >= limits.maxPendingRequests) {
      this.stats.upstream_rq_pending_overflow++;
      return cb({ ok: false, reason: 'overflow' });
    }
    this.rqPending++;
    this.stats.upstream_rq_pending_total++;
    this.stats.upstream_rq_pending_active++;
    host.waiters.push((c) => {
      this.rqPending--;
      this.stats.upstream_rq_pending_active--;
      if (!c) return cb({ ok: false, reason: 'closed' });
      attach(c);
    });
  }

  /** An unused connection goes to the host's next waiter, or back to the idle stack. */
  private handBack(conn: Connection): void {
    const w = conn.host.waiters.shift();
    if (w) w(conn);
    else conn.host.idle.push(conn);
  }

  private bind(conn: Connection): Connection {
    conn.busy = true;
    conn.requests++;
    this.rqActive++;
    this.stats.upstream_rq_active++;
    conn.host.active++;
    return conn;
  }

  private newConnection(host: Host): Connection {
    const cp = this.cluster.connectionPool;
    // Auto mTLS (transport_socket_matches): mTLS only to endpoints with tlsMode istio.
    const tls = hostTls(this.cluster, host.endpoint);
    // The mesh identity is issued on first use: only ISTIO_MUTUAL clusters ask for it.
    const identity = tls?.mode === 'ISTIO_MUTUAL' ? this.identity?.() : undefined;
    this.cxActive++;
    host.connections++;
    this.stats.upstream_cx_active++;
    return new Connection(
      host,
      {
        connectTimeoutMs: cp.connectTimeoutMs || 10_000,
        idleTimeoutMs: cp.idleTimeoutMs || 3_600_000,
        // istio/istio pilot/pkg/networking/core/cluster_builder.go: HTTP/2 upstream for http2/grpc
        // ports, or when h2UpgradePolicy is UPGRADE.
        h2c:
          this.cluster.protocol === 'http2' ||
          this.cluster.protocol === 'grpc' ||
          cp.h2UpgradePolicy === 'UPGRADE',
        keepAliveMs: cp.tcpKeepalive ? (cp.tcpKeepalive.timeMs ?? 7_200_000) : undefined,
        tls: tls ? upstreamTlsOptions(this.cluster, identity) : undefined,
        servername: tls ? explicitSni(this.cluster, identity) : undefined,
        lookup: this.lookup,
        createdAt: this.clock.monotonic(),
      },
      () => this.stats.upstream_cx_total++,
      (c) => {
        const i = c.host.idle.indexOf(c);
        if (i >= 0) c.host.idle.splice(i, 1);
        this.dropConnection(c);
      },
    );
  }

  private dropConnection(c: Connection): void {
    if (c.dead) return;
    c.close();
    this.cxActive--;
    c.host.connections--;
    this.stats.upstream_cx_active--;
  }

  /** Returns a connection after its request; `reusable` false when the exchange broke it. */
  release(conn: Connection, reusable: boolean): void {
    conn.busy = false;
    this.rqActive--;
    this.stats.upstream_rq_active--;
    conn.host.active--;
    const max = this.cluster.connectionPool.maxRequestsPerConnection;
    const host = conn.host;
    // max_requests_per_connection and max_connection_duration end a connection after its request.
    const maxAge = this.cluster.connectionPool.maxConnectionDurationMs;
    const expired =
      maxAge !== undefined && maxAge > 0 && this.clock.monotonic() - conn.createdAt >= maxAge;
    if (
      !reusable ||
      conn.dead ||
      host.closed ||
      this.closed ||
      expired ||
      (max > 0 && conn.requests >= max)
    ) {
      if (!reusable && !conn.dead) {
        conn.dead = true;
        conn.client.destroy().catch(() => undefined);
        this.cxActive--;
        host.connections--;
        this.stats.upstream_cx_active--;
      } else this.dropConnection(conn);
      const w = host.waiters.shift();
      if (w) {
        if (host.closed || this.closed) w(undefined);
        else w(this.newConnection(host));
      }
      return;
    }
    const w = host.waiters.shift();
    if (w) w(conn);
    else host.idle.push(conn);
  }

  /** Stops the outlier sweep and closes idle connections; busy ones close when their request ends. */
  close(): void {
    this.closed = true;
    this.outlier?.stop();
    for (const h of this.byKey.values()) {
      for (const c of h.idle.splice(0)) this.dropConnection(c);
      for (const w of h.waiters.splice(0)) w(undefined);
    }
  }

  now(): number {
    return this.clock.monotonic();
  }
}

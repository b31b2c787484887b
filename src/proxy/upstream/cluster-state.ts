// Per-cluster state that outlives a snapshot: hosts (with their pools and outlier counters), the
// load balancer (round-robin cursor, hash rings), circuit-breaker gauges and the outlier detector.
// Circuit breaking is per client proxy per cluster, as Istio maps connectionPool to Envoy thresholds
// (istio/istio pilot/pkg/networking/core/cluster_traffic_policy.go applyConnectionPool;
// envoyproxy/envoy source/common/upstream/resource_manager_impl.h).
import type { Cluster } from '../../compile/snapshot.js';
import type { Endpoint } from '../../model/index.js';
import type { Clock } from '../../runtime/clock.js';
import type { Random } from '../../runtime/random.js';
import { Connection } from './connection.js';
import { Host } from './host.js';
import { createLoadBalancer, type LoadBalancer } from './lb/index.js';
import { EdfScheduler } from './lb/edf-scheduler.js';
import { OutlierDetector } from './outlier-detector.js';
import {
  OVERPROVISIONING_FACTOR,
  choosePriority,
  loadExcluding,
  priorityLoad,
  type PriorityLoad,
} from './priority-load.js';
import { explicitSni, hostTls, upstreamTlsOptions } from './upstream-tls.js';
import { clusterLookup, type LookupFunction } from './dns-lookup.js';
import type { DnsResolution } from './dns-resolution.js';
import type { ClusterStats } from './stats.js';
import type { UpstreamResetReason } from '../context/local-reply.js';
import type { MeshIdentity } from '../tls/mesh-identity.js';
import { formatHostPort } from '../../units/index.js';

export type AcquireResult =
  { ok: true; conn: Connection } | { ok: false; reason: 'overflow' | 'closed' };

/** A retry's admission against thresholds.max_retries (Envoy ResourceManager retries()). */
export type RetryAdmission = 'admitted' | 'overflow';

/** A raw (TCP proxy) upstream connection's admission against max_connections; release() once. */
export type ConnectionAdmission = { ok: true; release(): void } | { ok: false; reason: 'overflow' };

/** What one pick may be told: a consistent-hash key, hosts to avoid, priorities already tried. */
export interface PickOptions {
  hash?: number;
  avoid?: ReadonlySet<Host>;
  /** retryRemoteLocalities (previous_priorities): levels that get no load for this pick. */
  excludedPriorities?: ReadonlySet<number>;
}

interface LocalityGroup {
  hosts: Host[];
  healthy: Host[];
  /** LocalityLbEndpoints load_balancing_weight. */
  weight: number;
}

interface PriorityLevel {
  hosts: Host[];
  healthy: Host[];
  localities: LocalityGroup[];
  /** Envoy LocalityWrr: EDF over weight x min(1, 1.4 x healthy / hosts); none when no weight is set. */
  localityScheduler?: EdfScheduler<number>;
  localityEffective?: number[];
}

/** The host sets one ejection state yields, rebuilt when membership or ejections change. */
interface PriorityView {
  signature: string;
  levels: PriorityLevel[];
  load: PriorityLoad;
}

/** Envoy's healthy_panic_threshold default when Istio does not set one (no outlierDetection). */
const ENVOY_DEFAULT_PANIC = 50;

export class ClusterState {
  cluster: Cluster;
  hosts: Host[] = [];
  private byKey = new Map<string, Host>();
  readonly lb: LoadBalancer;
  outlier: OutlierDetector | undefined;
  /**
   * Circuit-breaker gauges (Envoy resource manager), changed only by this class's methods
   * (acquire/release, admitRetry/endRetry, admitConnection), so the router, the mirror and the
   * TCP proxy count alike.
   */
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
    /** STRICT_DNS / LOGICAL_DNS: hosts are the addresses resolved in the background. */
    private readonly dns?: DnsResolution,
  ) {
    this.cluster = cluster;
    this.lookup = clusterLookup(cluster.type === 'STRICT_DNS');
    this.lb = createLoadBalancer(cluster);
    if (dns) {
      this.unsubscribeDns = dns.subscribe(() => this.setEndpoints(dns.endpoints()));
      this.setEndpoints(dns.endpoints());
    } else this.setEndpoints(cluster.endpoints);
    if (cluster.outlierDetection) {
      this.outlier = new OutlierDetector(cluster.outlierDetection, clock, () => this.hosts, stats);
    }
  }

  private readonly unsubscribeDns: (() => void) | undefined;

  /** Takes a new cluster object with the same configHash: endpoints may differ, state is kept. */
  update(cluster: Cluster): void {
    this.cluster = cluster;
    this.setEndpoints(this.dns ? this.dns.endpoints() : cluster.endpoints);
  }

  /** False while a DNS cluster's first resolution is under way (Envoy: the cluster is warming). */
  get warm(): boolean {
    return this.dns?.warm ?? true;
  }

  /** Runs fn when the cluster is warm (at once when it is). */
  onWarm(fn: () => void): void {
    if (this.dns) this.dns.onWarm(fn);
    else fn();
  }

  private setEndpoints(endpoints: readonly Endpoint[]): void {
    const next = new Map<string, Host>();
    const list: Host[] = [];
    for (const ep of endpoints) {
      const key = formatHostPort(ep.address, ep.port);
      if (next.has(key)) continue;
      const h = this.byKey.get(key) ?? new Host(ep);
      h.endpoint = ep;
      next.set(key, h);
      list.push(h);
    }
    for (const [key, h] of this.byKey) if (!next.has(key)) this.retireHost(h);
    this.byKey = next;
    this.hosts = list;
    this.view = undefined;
  }

  private retireHost(h: Host): void {
    h.closed = true;
    if (h.ejected) this.stats['outlier_detection.ejections_active']--;
    for (const c of h.idle.splice(0)) this.dropConnection(c);
  }

  /** A host for PASSTHROUGH/ORIGINAL_DST and PassthroughCluster, created on demand. */
  dynamicHost(address: string, port: number): Host {
    const key = formatHostPort(address, port);
    let h = this.byKey.get(key);
    if (!h) {
      h = new Host({ address, port, labels: {}, weight: 1 });
      this.byKey.set(key, h);
    }
    return h;
  }

  private view: PriorityView | undefined;

  /** Which hosts are ejected, as a string ('' when none): the view is rebuilt when it changes. */
  private ejectionSignature(): string {
    let sig = '';
    const hs = this.hosts;
    for (let i = 0; i < hs.length; i++) if (hs[i]!.ejected) sig += `${i},`;
    return sig;
  }

  /**
   * Hosts grouped as Envoy's priority set: by endpoint priority (Istio's locality failover levels),
   * then by locality, with the per-level load (envoyproxy/envoy source/common/upstream/upstream_impl.cc
   * HostSetImpl, load_balancing_policies/common/load_balancer_impl.cc).
   */
  private priorityView(): PriorityView {
    const signature = this.ejectionSignature();
    if (this.view && this.view.signature === signature) return this.view;
    const levels: PriorityLevel[] = [];
    const byLocality: Map<string, LocalityGroup>[] = [];
    for (const h of this.hosts) {
      const p = h.endpoint.priority ?? 0;
      while (levels.length <= p) {
        levels.push({ hosts: [], healthy: [], localities: [] });
        byLocality.push(new Map());
      }
      const level = levels[p]!;
      level.hosts.push(h);
      if (!h.ejected) level.healthy.push(h);
      const locKey = h.endpoint.locality ?? '';
      let group = byLocality[p]!.get(locKey);
      if (!group) {
        group = { hosts: [], healthy: [], weight: h.endpoint.localityWeight ?? 0 };
        byLocality[p]!.set(locKey, group);
        level.localities.push(group);
      }
      group.hosts.push(h);
      if (!h.ejected) group.healthy.push(h);
    }
    for (const level of levels) {
      // locality_wrr.cc rebuildLocalityScheduler: effective weight = weight x availability.
      if (!this.cluster.localityWeightedLb || level.healthy.length === 0) continue;
      const sched = new EdfScheduler<number>();
      const effective = level.localities.map((g) =>
        g.hosts.length === 0
          ? 0
          : g.weight *
            Math.min(1, ((OVERPROVISIONING_FACTOR / 100) * g.healthy.length) / g.hosts.length),
      );
      effective.forEach((w, i) => {
        if (w > 0) sched.add(w, i);
      });
      if (sched.size > 0) {
        level.localityScheduler = sched;
        level.localityEffective = effective;
      }
    }
    const panic = this.outlier ? this.outlier.policy.minHealthPercent : ENVOY_DEFAULT_PANIC;
    const load = priorityLoad(
      levels.map((l) => ({ total: l.hosts.length, healthy: l.healthy.length })),
      panic,
    );
    this.view = { signature, levels, load };
    return this.view;
  }

  /**
   * The host set one pick draws from: a priority level by load (the hash key, else a random draw),
   * then, in panic, all its hosts (lb_healthy_panic); with locality-weighted LB one locality's healthy
   * hosts; else the level's healthy hosts (ZoneAwareLoadBalancerBase::hostSourceToUse).
   */
  chooseHosts(opts: PickOptions = {}): { hosts: readonly Host[]; source: string } | undefined {
    const view = this.priorityView();
    if (view.levels.length === 0) return undefined;
    let load = view.load.load;
    if (opts.excludedPriorities && opts.excludedPriorities.size > 0)
      load = loadExcluding(view.load.health, opts.excludedPriorities) ?? load;
    let p = 0;
    let withLoad = 0;
    for (const l of load) if (l > 0) withLoad++;
    if (withLoad > 1) {
      const draw = opts.hash ?? Math.floor(this.random.next() * 4294967296);
      p = choosePriority(draw, load);
    } else
      p = Math.max(
        0,
        load.findIndex((l) => l > 0),
      );
    const level = view.levels[p];
    if (!level) return undefined;
    if (view.load.panic[p]) {
      this.stats.lb_healthy_panic++;
      return { hosts: level.hosts, source: `p${p}/all` };
    }
    if (level.localityScheduler) {
      const effective = level.localityEffective ?? [];
      const i = level.localityScheduler.pickAndAdd((idx) => effective[idx] ?? 1);
      const group = i === undefined ? undefined : level.localities[i];
      if (group) return { hosts: group.healthy, source: `p${p}/l${i}` };
    }
    return { hosts: level.healthy, source: `p${p}` };
  }

  /** Each priority level's health (0..100), as the retry priority plugin reads it. */
  priorityHealth(): readonly number[] {
    return this.priorityView().load.health;
  }

  /** Hosts the LB may pick for one request (non-ejected, or all of the level in panic). */
  healthyHosts(): readonly Host[] {
    return this.chooseHosts()?.hosts ?? [];
  }

  /** Chooses the host for one attempt: host set as chooseHosts, then the cluster's LB policy. */
  pickHost(opts: PickOptions = {}): Host | undefined {
    const chosen = this.chooseHosts(opts);
    if (!chosen || chosen.hosts.length === 0) return undefined;
    return this.lb.pick(chosen.hosts, {
      random: this.random,
      source: chosen.source,
      ...(opts.hash !== undefined ? { hash: opts.hash } : {}),
      ...(opts.avoid ? { avoid: opts.avoid } : {}),
    });
  }

  /**
   * Gets a connection to `host`: an idle one, a new one, or after waiting as a pending request.
   * `downstreamH2`: the request came over HTTP/2 (USE_DOWNSTREAM_PROTOCOL clusters follow it).
   */
  acquire(host: Host, cb: (r: AcquireResult) => void, downstreamH2 = false): void {
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
    const h2 = this.speaksH2(downstreamH2);
    let conn: Connection | undefined;
    while ((conn = takeIdle(host, h2))) {
      if (!conn.dead) return attach(conn);
    }
    if (this.rqActive >= limits.maxRequests) {
      // Would attach at once to a new connection: refuse before opening it.
      this.stats.upstream_rq_pending_overflow++;
      return cb({ ok: false, reason: 'overflow' });
    }
    if (this.cxActive < limits.maxConnections || host.connections === 0) {
      return cb({ ok: true, conn: this.bind(this.newConnection(host, h2)) });
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

  /**
   * Whether a retry may go under thresholds.max_retries; a refusal counts
   * upstream_rq_retry_overflow (envoyproxy/envoy source/common/router/retry_state_impl.cc
   * shouldRetry, ResourceManager retries()). An admitted retry takes its slot with startRetry().
   */
  admitRetry(): RetryAdmission {
    if (this.retriesActive >= this.cluster.connectionPool.maxRetries) {
      this.stats.upstream_rq_retry_overflow++;
      return 'overflow';
    }
    return 'admitted';
  }

  /** A retry is scheduled: it holds a max_retries slot until endRetry(). */
  startRetry(): void {
    this.retriesActive++;
    this.stats.upstream_rq_retry++;
    this.stats.upstream_rq_retry_backoff_exponential++;
  }

  /** The admitted retry went out or was given up: its max_retries slot is free again. */
  endRetry(): void {
    this.retriesActive--;
  }

  // The request lifecycle as Envoy's router counts it (envoyproxy/envoy source/common/router/router.cc,
  // upstream_request.cc): the router and the mirror report events here, never touch counters.

  /** An attempt (first try, retry or shadow) is sent to an upstream host. */
  attemptStarted(host: Host): void {
    this.stats.upstream_rq_total++;
    host.stats.rq_total++;
  }

  /**
   * A response head from `host`: its code is counted and the outlier detector sees it. The host
   * counts a 5xx as rq_error, anything else as rq_success (router.cc chargeUpstreamCode,
   * handleNon5xxResponseHeaders; gRPC's deferred success by grpc-status is not told apart).
   */
  responseFrom(host: Host, status: number): void {
    this.stats.recordCode(status);
    this.outlier?.putResult(host, { kind: 'status', status });
    if (status >= 500) host.stats.rq_error++;
    else host.stats.rq_success++;
  }

  /** The response was received whole. */
  responseCompleted(): void {
    this.stats.upstream_rq_completed++;
  }

  /** A retried request got an answer that is not retried again. */
  retrySucceeded(): void {
    this.stats.upstream_rq_retry_success++;
  }

  /** No retries were left (URX). */
  retriesExhausted(): void {
    this.stats.upstream_rq_retry_limit_exceeded++;
  }

  /** An attempt ended without a response: no connection (connect failure) or a reset after one. */
  attemptFailed(host: Host, connectFailure: boolean, reason: UpstreamResetReason): void {
    if (connectFailure) {
      this.stats.upstream_cx_connect_fail++;
      host.stats.cx_connect_fail++;
    } else {
      this.stats.upstream_rq_rx_reset++;
      host.stats.rq_error++;
    }
    if (reason === 'protocol error') this.stats.upstream_cx_protocol_error++;
    if (reason === 'connection timeout') this.stats.upstream_cx_connect_timeout++;
  }

  /** perTryTimeout fired on an attempt to `host`. */
  perTryTimedOut(host: Host): void {
    this.stats.upstream_rq_per_try_timeout++;
    host.stats.rq_timeout++;
  }

  /** The route's timeout fired (UT), with an attempt to `host` in flight or none (in backoff). */
  routeTimedOut(host: Host | undefined): void {
    this.stats.upstream_rq_timeout++;
    if (host) host.stats.rq_timeout++;
  }

  /**
   * A TCP proxy's upstream connection to `host`, admitted against max_connections
   * (upstream_cx_overflow when refused; envoyproxy/envoy source/common/tcp_proxy/tcp_proxy.cc).
   */
  admitConnection(host: Host): ConnectionAdmission {
    if (this.cxActive >= this.cluster.connectionPool.maxConnections) {
      this.stats.upstream_cx_overflow++;
      return { ok: false, reason: 'overflow' };
    }
    this.cxActive++;
    this.stats.upstream_cx_active++;
    this.stats.upstream_cx_total++;
    host.stats.cx_total++;
    host.connections++;
    host.active++;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.cxActive--;
        this.stats.upstream_cx_active--;
        host.connections--;
        host.active--;
      },
    };
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

  /**
   * Whether a new connection speaks HTTP/2: istio/istio pilot/pkg/networking/core/cluster_builder.go
   * setUpstreamProtocol (http2/grpc ports, h2UpgradePolicy UPGRADE, or the downstream's protocol on
   * USE_DOWNSTREAM_PROTOCOL clusters).
   */
  private speaksH2(downstreamH2: boolean): boolean {
    const c = this.cluster;
    if (c.useDownstreamProtocol) return downstreamH2;
    return (
      c.protocol === 'http2' ||
      c.protocol === 'grpc' ||
      c.connectionPool.h2UpgradePolicy === 'UPGRADE'
    );
  }

  private newConnection(host: Host, h2 = this.speaksH2(false)): Connection {
    const cp = this.cluster.connectionPool;
    // Auto mTLS (transport_socket_matches): mTLS only to endpoints with tlsMode istio.
    const tls = hostTls(this.cluster, host.endpoint);
    // The mesh identity is issued on first use: only ISTIO_MUTUAL clusters ask for it.
    const identity = tls?.mode === 'ISTIO_MUTUAL' ? this.identity?.() : undefined;
    this.cxActive++;
    host.connections++;
    host.stats.cx_total++;
    this.stats.upstream_cx_active++;
    return new Connection(
      host,
      {
        connectTimeoutMs: cp.connectTimeoutMs || 10_000,
        idleTimeoutMs: cp.idleTimeoutMs || 3_600_000,
        h2c: h2,
        keepAliveMs: cp.tcpKeepalive ? (cp.tcpKeepalive.timeMs ?? 7_200_000) : undefined,
        tls: tls ? upstreamTlsOptions(this.cluster, identity) : undefined,
        servername: tls ? explicitSni(this.cluster, identity) : undefined,
        lookup: this.lookup,
        createdAt: this.clock.monotonic(),
        clock: this.clock,
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
      !conn.reusable ||
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
    this.unsubscribeDns?.();
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

/** The most recently idled connection of the wanted protocol (LIFO), taken off the host's stack. */
function takeIdle(host: Host, h2: boolean): Connection | undefined {
  for (let i = host.idle.length - 1; i >= 0; i--) {
    const c = host.idle[i];
    if (c && c.h2 === h2) {
      host.idle.splice(i, 1);
      return c;
    }
  }
  return undefined;
}

// Background name resolution for one STRICT_DNS / LOGICAL_DNS cluster, as Envoy does it: every
// hostname endpoint is resolved when the cluster starts and again on a timer (the TTL of the answer
// with respect_dns_ttl, else dns_refresh_rate; after a failure dns_refresh_rate, keeping the last
// good addresses), plus a random jitter; requests never wait on DNS, and a name that has not
// resolved leaves the cluster without hosts (503 UH no_healthy_upstream).
// envoyproxy/envoy source/extensions/clusters/strict_dns/strict_dns_cluster.cc (ResolveTarget::
// startResolve), source/extensions/clusters/logical_dns/logical_dns_cluster.cc (first address only).
// The state lives in the ClusterManager keyed by cluster name, so it outlives snapshots.
import type { Endpoint } from '../../compile/snapshot.js';
import type { Clock, TimerHandle } from '../../runtime/clock.js';
import type { Random } from '../../runtime/random.js';
import { isIP } from 'node:net';
import type { DnsResolve } from './dns-resolver.js';

export interface DnsRefresh {
  /** dns_refresh_rate: between resolutions without a TTL, and after a failed one. */
  refreshRateMs: number;
  /** respect_dns_ttl: refresh after the answer's (smallest) TTL. */
  respectDnsTtl: boolean;
  /** dns_jitter: a random [0, jitter) ms added to every refresh. */
  jitterMs: number;
}

/**
 * What Istio sets on DNS clusters: dns_refresh_rate = meshConfig.dnsRefreshRate (default 60s),
 * respect_dns_ttl true, dns_jitter = PILOT_DNS_JITTER_DURATION (default 100ms)
 * (istio/istio pilot/pkg/networking/core/cluster_builder.go buildCluster; pkg/config/mesh/mesh.go;
 * pilot/pkg/features/pilot.go).
 */
export const ISTIO_DNS_REFRESH: DnsRefresh = {
  refreshRateMs: 60_000,
  respectDnsTtl: true,
  jitterMs: 100,
};

interface Target {
  endpoint: Endpoint;
  resolved: readonly Endpoint[];
  timer: TimerHandle | undefined;
  stopped: boolean;
}

export class DnsResolution {
  private targets = new Map<string, Target>();
  private readonly listeners = new Set<() => void>();
  private warmWaiters: (() => void)[] = [];
  /** Envoy's cluster init: done once the first resolution of the cluster completed (either way). */
  warm = false;

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly resolve: DnsResolve,
    private refresh: DnsRefresh,
    private logical: boolean,
    /** Envoy's cluster update counters: update_attempt, update_success, update_failure. */
    readonly stats: { update_attempt: number; update_success: number; update_failure: number } = {
      update_attempt: 0,
      update_success: 0,
      update_failure: 0,
    },
  ) {}

  /** Takes the settings of a new snapshot's cluster; applied from the next refresh on. */
  configure(refresh: DnsRefresh, logical: boolean): void {
    this.refresh = refresh;
    if (logical !== this.logical) {
      this.logical = logical;
      for (const t of this.targets.values()) t.resolved = t.resolved.slice(0, 1);
      this.publish();
    }
  }

  /** The cluster's endpoints as configured (hostnames): starts new targets, stops removed ones. */
  setTargets(endpoints: readonly Endpoint[]): void {
    const next = new Map<string, Target>();
    const started: Target[] = [];
    for (const ep of endpoints) {
      const key = `${ep.address}:${ep.port}`;
      if (next.has(key)) continue;
      const old = this.targets.get(key);
      if (old) {
        // Same name and port: keep its addresses, take the new labels and weight.
        old.endpoint = ep;
        old.resolved = old.resolved.map((r) => ({ ...ep, address: r.address }));
        next.set(key, old);
        continue;
      }
      const t: Target = { endpoint: ep, resolved: [], timer: undefined, stopped: false };
      // An IP address needs no resolution.
      if (isIP(ep.address)) t.resolved = [ep];
      else started.push(t);
      next.set(key, t);
    }
    for (const [key, t] of this.targets) if (next.get(key) !== t) stopTarget(t);
    this.targets = next;
    if (started.length === 0 && !this.warm) this.setWarm();
    this.publish();
    for (const t of started) this.run(t);
  }

  /** The resolved endpoints (IP addresses), in target order. */
  endpoints(): Endpoint[] {
    const out: Endpoint[] = [];
    for (const t of this.targets.values()) out.push(...t.resolved);
    return out;
  }

  /** Calls fn whenever the resolved endpoints change; returns the unsubscribe function. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Runs fn once the cluster is warm (at once when it already is). */
  onWarm(fn: () => void): void {
    if (this.warm) fn();
    else this.warmWaiters.push(fn);
  }

  stop(): void {
    for (const t of this.targets.values()) stopTarget(t);
    this.listeners.clear();
    this.setWarm();
  }

  private run(t: Target): void {
    if (t.stopped) return;
    t.timer = undefined;
    const hostname = t.endpoint.address;
    this.stats.update_attempt++;
    let p: Promise<readonly { address: string; ttlSeconds?: number }[]>;
    try {
      p = this.resolve(hostname);
    } catch (err) {
      p = Promise.reject(err as Error);
    }
    p.then(
      (addrs) => {
        if (t.stopped) return;
        this.stats.update_success++;
        const list = this.logical ? addrs.slice(0, 1) : addrs;
        t.resolved = list.map((a) => ({ ...t.endpoint, address: a.address }));
        let ttl = Infinity;
        for (const a of addrs) if (a.ttlSeconds !== undefined) ttl = Math.min(ttl, a.ttlSeconds);
        const useTtl = this.refresh.respectDnsTtl && addrs.length > 0 && ttl > 0 && ttl < Infinity;
        this.schedule(t, useTtl ? ttl * 1000 : this.refresh.refreshRateMs);
        this.publish();
        this.setWarm();
      },
      () => {
        if (t.stopped) return;
        // A failed resolution keeps the last addresses; retried after the failure refresh rate,
        // which Istio leaves at dns_refresh_rate (no dns_failure_refresh_rate).
        this.stats.update_failure++;
        this.schedule(t, this.refresh.refreshRateMs);
        this.setWarm();
      },
    );
  }

  private schedule(t: Target, ms: number): void {
    const jitter =
      this.refresh.jitterMs > 0 ? Math.floor(this.random.next() * this.refresh.jitterMs) : 0;
    t.timer = this.clock.setTimer(ms + jitter, () => this.run(t));
  }

  private publish(): void {
    for (const fn of this.listeners) fn();
  }

  private setWarm(): void {
    if (this.warm) return;
    this.warm = true;
    for (const fn of this.warmWaiters.splice(0)) fn();
  }
}

function stopTarget(t: Target): void {
  t.stopped = true;
  t.timer?.cancel();
  t.timer = undefined;
}

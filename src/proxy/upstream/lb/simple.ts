// ROUND_ROBIN, RANDOM and LEAST_REQUEST as Envoy defines them (envoyproxy/envoy
// source/extensions/load_balancing_policies/{round_robin,random,least_request}, common/
// load_balancer_impl.cc EdfLoadBalancerBase): equal weights use the plain pick; unequal endpoint
// weights switch ROUND_ROBIN and LEAST_REQUEST to an EDF schedule per host set; RANDOM ignores weights.
import type { Host } from '../host.js';
import { EdfScheduler } from './edf-scheduler.js';
import type { LbContext, LoadBalancer } from './load-balancer.js';

function candidates(hosts: readonly Host[], avoid: ReadonlySet<Host> | undefined): readonly Host[] {
  if (!avoid || avoid.size === 0) return hosts;
  const left = hosts.filter((h) => !avoid.has(h));
  return left.length > 0 ? left : hosts;
}

// load_balancer_impl.cc hostWeightsAreEqual: EDF is built only when two weights differ.
function weightsEqual(hosts: readonly Host[]): boolean {
  const first = hosts[0]?.weight;
  for (let i = 1; i < hosts.length; i++) if (hosts[i]!.weight !== first) return false;
  return true;
}

// Envoy's host_selection_retry_max_attempts that Istio sets with retryIgnorePreviousHosts: 5 re-picks.
const HOST_SELECTION_ATTEMPTS = 6;

/** EDF schedules per host-set array: a new array (membership or health changed) starts a new one. */
class Schedules {
  private readonly byHosts = new WeakMap<readonly Host[], EdfScheduler<Host>>();
  pick(hosts: readonly Host[], ctx: LbContext, weightOf: (h: Host) => number): Host | undefined {
    let sched = this.byHosts.get(hosts);
    if (!sched) {
      sched = new EdfScheduler<Host>();
      for (const h of hosts) sched.add(weightOf(h), h);
      this.byHosts.set(hosts, sched);
    }
    // ZoneAwareLoadBalancerBase::chooseHost: re-pick while the retry predicate rejects the host.
    let h: Host | undefined;
    for (let i = 0; i < HOST_SELECTION_ATTEMPTS; i++) {
      h = sched.pickAndAdd(weightOf);
      if (!h || !ctx.avoid?.has(h)) return h;
    }
    return h;
  }
}

/** Round robin: a cursor per host set that outlives snapshots; EDF when weights differ. */
export class RoundRobin implements LoadBalancer {
  private readonly cursors = new Map<string, number>();
  private readonly weighted = new Schedules();
  pick(hosts: readonly Host[], ctx: LbContext): Host | undefined {
    if (hosts.length === 0) return undefined;
    if (!weightsEqual(hosts)) return this.weighted.pick(hosts, ctx, (h) => h.weight);
    const c = candidates(hosts, ctx.avoid);
    const key = ctx.source ?? '';
    const cursor = this.cursors.get(key) ?? 0;
    this.cursors.set(key, (cursor + 1) % 1_000_000_007);
    return c[cursor % c.length];
  }
}

/** random_lb.cc: `hosts[random % size]`, endpoint weights not consulted. */
export class RandomLb implements LoadBalancer {
  pick(hosts: readonly Host[], ctx: LbContext): Host | undefined {
    const c = candidates(hosts, ctx.avoid);
    return c[Math.floor(ctx.random.next() * c.length)];
  }
}

// least_request_lb.cc: with equal weights, choice_count (2) random hosts, the one with fewer active
// requests wins (ties: the first drawn); with unequal weights, EDF on weight / (active + 1)
// (active_request_bias 1.0), re-evaluated each time a host is re-added.
export class LeastRequest implements LoadBalancer {
  private readonly weighted = new Schedules();
  pick(hosts: readonly Host[], ctx: LbContext): Host | undefined {
    if (hosts.length > 1 && !weightsEqual(hosts))
      return this.weighted.pick(hosts, ctx, (h) => h.weight / (h.active + 1));
    const c = candidates(hosts, ctx.avoid);
    if (c.length <= 1) return c[0];
    const a = c[Math.floor(ctx.random.next() * c.length)];
    const b = c[Math.floor(ctx.random.next() * c.length)];
    if (!a || !b) return a ?? b;
    return b.active < a.active ? b : a;
  }
}

// ROUND_ROBIN, RANDOM and LEAST_REQUEST (power of two choices), as Envoy defines them
// (envoyproxy/envoy source/extensions/load_balancing_policies/*; docs intro/arch_overview/upstream/load_balancing).
import type { Host } from '../host.js';
import type { LbContext, LoadBalancer } from './load-balancer.js';

function candidates(hosts: readonly Host[], avoid: ReadonlySet<Host> | undefined): readonly Host[] {
  if (!avoid || avoid.size === 0) return hosts;
  const left = hosts.filter((h) => !avoid.has(h));
  return left.length > 0 ? left : hosts;
}

/** Round robin with a cursor that outlives snapshots (kept in the cluster state). */
export class RoundRobin implements LoadBalancer {
  private cursor = 0;
  pick(hosts: readonly Host[], ctx: LbContext): Host | undefined {
    const c = candidates(hosts, ctx.avoid);
    if (c.length === 0) return undefined;
    const h = c[this.cursor % c.length];
    this.cursor = (this.cursor + 1) % 1_000_000_007;
    return h;
  }
}

export class RandomLb implements LoadBalancer {
  pick(hosts: readonly Host[], ctx: LbContext): Host | undefined {
    const c = candidates(hosts, ctx.avoid);
    return c[Math.floor(ctx.random.next() * c.length)];
  }
}

// Envoy LEAST_REQUEST with equal weights: pick choice_count (2) hosts at random, keep the one with
// fewest active requests (ties: the first drawn). Trade-off: O(1) per pick, near-optimal spread.
export class LeastRequest implements LoadBalancer {
  pick(hosts: readonly Host[], ctx: LbContext): Host | undefined {
    const c = candidates(hosts, ctx.avoid);
    if (c.length <= 1) return c[0];
    const a = c[Math.floor(ctx.random.next() * c.length)];
    const b = c[Math.floor(ctx.random.next() * c.length)];
    if (!a || !b) return a ?? b;
    return b.active < a.active ? b : a;
  }
}

// The load-balancer contract shared by every policy; one case table (lb.case.test.ts) runs against all.
import type { Random } from '../../../runtime/random.js';
import type { Host } from '../host.js';

export interface LbContext {
  random: Random;
  /** Consistent-hash key (ring hash / maglev); undefined = no key (Envoy picks at random). */
  hash?: number;
  /** Hosts already tried (retry previous_hosts predicate); avoided when another host is available. */
  avoid?: ReadonlySet<Host>;
  /** Which host set `hosts` is (`p0`, `p1/l2`, `p0/all`): per-set state such as round-robin cursors. */
  source?: string;
}

export interface LoadBalancer {
  /** Picks a host among `hosts` (already filtered to the healthy/panic set; never empty). */
  pick(hosts: readonly Host[], ctx: LbContext): Host | undefined;
}

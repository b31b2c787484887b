// RING_HASH (Envoy ring_hash, minimum ring size 1024) and MAGLEV (Envoy maglev, table size 65537).
// Tables are rebuilt only when the host set changes. Without a hash key Envoy picks a random host.
import type { Host } from '../host.js';
import { hashString } from './hash.js';
import type { LbContext, LoadBalancer } from './load-balancer.js';

function setKey(hosts: readonly Host[]): string {
  let k = '';
  for (const h of hosts) k += h.key + ',';
  return k;
}

type Ring = { hash: number; host: Host }[];

// Envoy's thread-aware LBs keep one table per priority level: one per host source here.
export class RingHash implements LoadBalancer {
  private readonly rings = new Map<string, { key: string; ring: Ring }>();
  constructor(private readonly minimumRingSize = 1024) {}

  private build(hosts: readonly Host[], source: string): Ring {
    const k = setKey(hosts);
    const cached = this.rings.get(source);
    if (cached && cached.key === k) return cached.ring;
    const perHost = Math.max(1, Math.ceil(this.minimumRingSize / Math.max(1, hosts.length)));
    const ring: { hash: number; host: Host }[] = [];
    for (const h of hosts) {
      const n = perHost * h.weight;
      for (let i = 0; i < n; i++) ring.push({ hash: hashString(`${h.key}_${i}`), host: h });
    }
    ring.sort((a, b) => a.hash - b.hash);
    this.rings.set(source, { key: k, ring });
    return ring;
  }

  pick(hosts: readonly Host[], ctx: LbContext): Host | undefined {
    if (hosts.length === 0) return undefined;
    if (ctx.hash === undefined) return hosts[Math.floor(ctx.random.next() * hosts.length)];
    const ring = this.build(hosts, ctx.source ?? '');
    // First ring entry with hash >= key, wrapping around.
    let lo = 0;
    let hi = ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ring[mid]?.hash ?? 0) < ctx.hash) lo = mid + 1;
      else hi = mid;
    }
    return (ring[lo] ?? ring[0])?.host;
  }
}

export class Maglev implements LoadBalancer {
  private readonly tables = new Map<string, { key: string; table: Host[] }>();
  constructor(private readonly tableSize = 65537) {}

  // Maglev population (Eisenbud et al. 2016, as Envoy maglev_lb.cc): each host walks its permutation.
  private build(hosts: readonly Host[], source: string): Host[] {
    const k = setKey(hosts);
    const cached = this.tables.get(source);
    if (cached && cached.key === k) return cached.table;
    const m = this.tableSize;
    const table = new Array<Host | undefined>(m).fill(undefined);
    const offsets = hosts.map((h) => hashString(h.key, 1) % m);
    const skips = hosts.map((h) => (hashString(h.key, 2) % (m - 1)) + 1);
    const next = hosts.map(() => 0);
    let filled = 0;
    while (filled < m) {
      for (let i = 0; i < hosts.length && filled < m; i++) {
        const off = offsets[i] ?? 0;
        const skip = skips[i] ?? 1;
        for (;;) {
          const c = (off + (next[i] ?? 0) * skip) % m;
          next[i] = (next[i] ?? 0) + 1;
          if (table[c] === undefined) {
            table[c] = hosts[i];
            filled++;
            break;
          }
        }
      }
    }
    this.tables.set(source, { key: k, table: table as Host[] });
    return table as Host[];
  }

  pick(hosts: readonly Host[], ctx: LbContext): Host | undefined {
    if (hosts.length === 0) return undefined;
    if (ctx.hash === undefined) return hosts[Math.floor(ctx.random.next() * hosts.length)];
    return this.build(hosts, ctx.source ?? '')[ctx.hash % this.tableSize];
  }
}

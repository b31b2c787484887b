// Per-kind generation numbers for config snapshots, so the registry and compiler can build an index
// once per generation and reuse it while no object of the kinds it reads has changed. Stored
// resources are immutable, so object identity is change detection: one O(n) pointer pass per new
// snapshot (against the previous one) and O(1) per question after that.
import type { ConfigSnapshot } from './snapshot.js';
import type { Resource } from './types.js';

export class KindGenerations {
  private readonly byConfig = new WeakMap<ConfigSnapshot, Map<string, number>>();
  private last: ConfigSnapshot | undefined;
  private next = 0;

  /**
   * The generation of `kind` in `config`: equal for two snapshots exactly when their `kind` objects
   * are the same objects in the same order (0 while the kind has never had an object).
   */
  of(config: ConfigSnapshot, kind: string): number {
    return this.tokens(config).get(kind) ?? 0;
  }

  /** True when every kind in `kinds` has the same generation in both snapshots. */
  same(a: ConfigSnapshot, b: ConfigSnapshot, kinds: readonly string[]): boolean {
    for (const k of kinds) if (this.of(a, k) !== this.of(b, k)) return false;
    return true;
  }

  /** The kinds whose objects differ between two snapshots this tracker has seen. */
  changedKinds(a: ConfigSnapshot, b: ConfigSnapshot): Set<string> {
    const ta = this.tokens(a);
    const tb = this.tokens(b);
    const out = new Set<string>();
    for (const [k, v] of ta) if (tb.get(k) !== v) out.add(k);
    for (const [k, v] of tb) if (ta.get(k) !== v) out.add(k);
    return out;
  }

  private tokens(config: ConfigSnapshot): Map<string, number> {
    const known = this.byConfig.get(config);
    if (known) return known;
    const prev = this.last ? this.byConfig.get(this.last) : undefined;
    const out = new Map<string, number>();
    if (!prev || !this.last) {
      for (const r of config.resources) if (!out.has(r.kind)) out.set(r.kind, ++this.next);
    } else {
      for (const [k, v] of prev) out.set(k, v);
      for (const kind of changedBetween(this.last.resources, config.resources))
        out.set(kind, ++this.next);
    }
    this.byConfig.set(config, out);
    this.last = config;
    return out;
  }
}

/** Kinds with an object added, removed, replaced or moved between two resource lists. */
function changedBetween(a: readonly Resource[], b: readonly Resource[]): Set<string> {
  const kinds = new Set<string>();
  if (a.length === b.length) {
    // The store keeps creation order and replaces an edited object in place: a pairwise pass.
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      const y = b[i]!;
      if (x === y) continue;
      kinds.add(x.kind);
      kinds.add(y.kind);
    }
    return kinds;
  }
  // Objects came or went: compare each kind's list in order.
  const listOf = (rs: readonly Resource[]) => {
    const m = new Map<string, Resource[]>();
    for (const r of rs) {
      let l = m.get(r.kind);
      if (!l) m.set(r.kind, (l = []));
      l.push(r);
    }
    return m;
  };
  const la = listOf(a);
  const lb = listOf(b);
  for (const kind of new Set([...la.keys(), ...lb.keys()])) {
    const x = la.get(kind) ?? [];
    const y = lb.get(kind) ?? [];
    if (x.length !== y.length || x.some((r, i) => r !== y[i])) kinds.add(kind);
  }
  return kinds;
}

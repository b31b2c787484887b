// Route tables with Envoy's virtual host lookup precomputed: exact domains (with and without the
// listener port, as ignore_port_in_host_matching / strip_any_host_port make ports irrelevant), suffix
// wildcards longest first, and the `*` catch-all. patchRouteTable swaps virtual hosts in place of
// others with the same domains, so an incremental compile need not rebuild the whole lookup.
import type { RouteTable, VirtualHost } from './snapshot.js';
import { portStart } from '../units/index.js';
import { runSteps, UNITS_PER_YIELD, type Steps } from '../runtime/steps.js';

export function makeRouteTable(
  name: string,
  virtualHosts: readonly VirtualHost[],
  listenerPort: number,
): RouteTable {
  return runSteps(makeRouteTableSteps(name, virtualHosts, listenerPort));
}

export function* makeRouteTableSteps(
  name: string,
  virtualHosts: readonly VirtualHost[],
  listenerPort: number,
): Steps<RouteTable> {
  const exact = new Map<string, VirtualHost>();
  const wild: [string, VirtualHost][] = [];
  let catchAll: VirtualHost | undefined;
  let units = 0;
  for (const vh of virtualHosts) {
    if (++units % UNITS_PER_YIELD === 0) yield;
    for (const raw of vh.domains) {
      const d = raw.toLowerCase();
      if (d === '*') {
        catchAll ??= vh;
      } else if (d.startsWith('*')) {
        const suffix = d.slice(1);
        if (!wild.some(([s]) => s === suffix)) wild.push([suffix, vh]);
      } else {
        if (!exact.has(d)) exact.set(d, vh);
        // A domain without a port also answers `domain:listenerPort` (IPv6 literals stay bracketed).
        if (listenerPort > 0 && portStart(d) < 0) {
          const withPort = `${d}:${listenerPort}`;
          if (!exact.has(withPort)) exact.set(withPort, vh);
        }
      }
    }
  }
  wild.sort((a, b) => b[0].length - a[0].length);
  return Object.freeze({
    name,
    virtualHosts: Object.freeze([...virtualHosts]),
    exactDomains: exact,
    wildcardDomains: wild,
    ...(catchAll ? { catchAll } : {}),
  });
}

/**
 * A patched table's exact-domain lookup: the previous map with the swapped virtual hosts on top, so a
 * patch costs the swapped domains rather than a copy of every domain; flattened into a plain Map
 * once the overlay grows past a quarter of the base. Read-only like the Map it stands for.
 */
export class PatchedDomainMap implements ReadonlyMap<string, VirtualHost> {
  constructor(
    readonly base: ReadonlyMap<string, VirtualHost>,
    readonly overlay: ReadonlyMap<string, VirtualHost>,
  ) {}
  get(key: string): VirtualHost | undefined {
    return this.overlay.get(key) ?? this.base.get(key);
  }
  has(key: string): boolean {
    return this.base.has(key);
  }
  get size(): number {
    return this.base.size;
  }
  *entries(): MapIterator<[string, VirtualHost]> {
    for (const [k, v] of this.base) yield [k, this.overlay.get(k) ?? v];
  }
  keys(): MapIterator<string> {
    return this.base.keys();
  }
  *values(): MapIterator<VirtualHost> {
    for (const [k, v] of this.base) yield this.overlay.get(k) ?? v;
  }
  forEach(
    fn: (value: VirtualHost, key: string, map: ReadonlyMap<string, VirtualHost>) => void,
  ): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }
  [Symbol.iterator](): MapIterator<[string, VirtualHost]> {
    return this.entries();
  }
}

/**
 * The table with each virtual host in `replaced` swapped for its replacement, which must have the same
 * domains: the same lookups as makeRouteTable over the swapped list, at the cost of the swapped hosts'
 * domains.
 */
export function patchRouteTable(
  table: RouteTable,
  replaced: ReadonlyMap<VirtualHost, VirtualHost>,
  listenerPort: number,
): RouteTable {
  const swap = (vh: VirtualHost) => replaced.get(vh) ?? vh;
  const prior = table.exactDomains;
  const base = prior instanceof PatchedDomainMap ? prior.base : prior;
  const overlay = new Map(prior instanceof PatchedDomainMap ? prior.overlay : []);
  for (const [before, after] of replaced) {
    for (const raw of before.domains) {
      const d = raw.toLowerCase();
      if (prior.get(d) === before) overlay.set(d, after);
      if (listenerPort > 0 && portStart(d) < 0) {
        const withPort = `${d}:${listenerPort}`;
        if (prior.get(withPort) === before) overlay.set(withPort, after);
      }
    }
  }
  const exact: ReadonlyMap<string, VirtualHost> =
    overlay.size * 4 > base.size
      ? new Map([...base].map(([k, v]) => [k, overlay.get(k) ?? v] as const))
      : new PatchedDomainMap(base, overlay);
  const catchAll = table.catchAll ? swap(table.catchAll) : undefined;
  return Object.freeze({
    name: table.name,
    virtualHosts: Object.freeze(table.virtualHosts.map(swap)),
    exactDomains: exact,
    wildcardDomains: table.wildcardDomains.map(([s, vh]) => [s, swap(vh)] as [string, VirtualHost]),
    ...(catchAll ? { catchAll } : {}),
  });
}

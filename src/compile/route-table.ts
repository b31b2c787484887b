// Route tables with Envoy's virtual host lookup precomputed: exact domains (with and without the
// listener port, as ignore_port_in_host_matching / strip_any_host_port make ports irrelevant), suffix
// wildcards longest first, and the `*` catch-all.
import type { RouteTable, VirtualHost } from './snapshot.js';
import { portStart } from '../units/index.js';

export function makeRouteTable(
  name: string,
  virtualHosts: readonly VirtualHost[],
  listenerPort: number,
): RouteTable {
  const exact = new Map<string, VirtualHost>();
  const wild: [string, VirtualHost][] = [];
  let catchAll: VirtualHost | undefined;
  for (const vh of virtualHosts) {
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

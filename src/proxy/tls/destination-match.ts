// The original destination of a connection and Envoy's matches on it: tcp_proxy routes by
// destination_ip_addresses (envoyproxy/envoy source/common/tcp_proxy/tcp_proxy.cc Config::getRouteFromEntries),
// filter chains by prefix_ranges then server_names (source/common/listener_manager/
// filter_chain_manager_impl.cc: destination IP is matched before SNI). Locally a tunnel's target
// (CONNECT host:port) or a gateway socket's local address stands for the original destination.
import { isIP } from 'node:net';
import type { FilterChain, Listener, TcpRoute } from '../../compile/snapshot.js';
import { chainForServerName } from './chain-match.js';

export interface Destination {
  /** Host as the client named it (CONNECT target): an IP literal or a name. */
  host: string;
  port: number;
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!/^\d{1,3}$/.test(p) || v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

/** Whether `ip` is inside `cidr` (`10.0.0.0/8`, or a bare address = /32 or /128). */
export function inSubnet(ip: string, cidr: string): boolean {
  const slash = cidr.indexOf('/');
  const base = slash < 0 ? cidr : cidr.slice(0, slash);
  if (isIP(ip) === 6 || isIP(base) === 6) {
    // IPv6: exact address only (Istio subnets for local stand-ins are IPv4).
    return slash < 0 || cidr.endsWith('/128') ? ip.toLowerCase() === base.toLowerCase() : false;
  }
  const a = ipv4ToInt(ip);
  const b = ipv4ToInt(base);
  if (a === undefined || b === undefined) return false;
  const bits = slash < 0 ? 32 : Number(cidr.slice(slash + 1));
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  if (bits === 0) return true;
  const mask = bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

/** A route whose destinationSubnets hold the destination (a name is matched literally). */
function routeHolds(r: TcpRoute, host: string): boolean {
  return (r.destinationSubnets ?? []).some((s) =>
    isIP(host) ? inSubnet(host, s) : s.toLowerCase() === host.toLowerCase(),
  );
}

/**
 * tcp_proxy route for a destination: the first route whose subnets hold it, else the first route
 * without subnets; for a host name or no known destination, else the first route.
 */
export function routeForDestination(
  routes: readonly TcpRoute[],
  dest: Destination | undefined,
): TcpRoute | undefined {
  const held = dest ? routes.find((r) => routeHolds(r, dest.host)) : undefined;
  if (held) return held;
  const open = routes.find((r) => !r.destinationSubnets || r.destinationSubnets.length === 0);
  // An IP destination no subnet holds has no route (NR). A name (CONNECT by host name) stands for
  // the VIP local DNS capture would have returned, which the chain's own subnets hold.
  if (dest && isIP(dest.host)) return open;
  return open ?? routes[0];
}

/**
 * Whether a chain is specific to the destination: a route's subnets hold it, or (a name the local
 * DNS capture would have resolved to the service's VIP) the chain is the service's own
 * `outbound|<port>||<host>` chain.
 */
function chainHolds(c: FilterChain, dest: Destination, namespace: string | undefined): boolean {
  if ((c.tcp?.routes ?? []).some((r) => routeHolds(r, dest.host))) return true;
  const name = c.name.toLowerCase();
  return podSearchNames(dest.host, namespace).some((h) => name === `outbound|${dest.port}||${h}`);
}

/**
 * The names a pod's resolver tries for a host: with fewer than 5 dots (ndots:5) the search list of
 * dnsPolicy ClusterFirst comes first, `<ns>.svc.cluster.local svc.cluster.local cluster.local`
 * (kubernetes/kubernetes pkg/kubelet/network/dns/dns.go generateSearchesForDNSClusterFirst), then
 * the name as given. `tcp-echo` from a pod in `default` is `tcp-echo.default.svc.cluster.local`.
 */
export function podSearchNames(host: string, namespace: string | undefined): string[] {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!namespace || isIP(h) || host.endsWith('.') || h.split('.').length > 5) return [h];
  return [`${h}.${namespace}.svc.cluster.local`, `${h}.svc.cluster.local`, `${h}.cluster.local`, h];
}

/** Whether a connection must be inspected for SNI first (any chain is chosen by server name). */
export function needsSni(listener: Listener): boolean {
  return listener.filterChains.some((c) => c.serverNames.length > 0 || c.tls || c.passthrough);
}

function chainIsGeneric(c: FilterChain): boolean {
  return (c.tcp?.routes ?? []).some(
    (r) => !r.destinationSubnets || r.destinationSubnets.length === 0,
  );
}

/**
 * The L4 chain (TLS passthrough / TCP proxy, not HTTP) for a connection: destination first, then
 * SNI among the chains left. `generic` = also chains that are not specific to the destination.
 */
export function l4ChainFor(
  listener: Listener,
  serverName: string | undefined,
  dest: Destination | undefined,
  opts: { generic?: boolean; namespace?: string } = {},
): FilterChain | undefined {
  const l4 = listener.filterChains.filter((c) => c.tcp && !c.http);
  const pick = (chains: FilterChain[]): FilterChain | undefined =>
    chains.length === 0
      ? undefined
      : chainForServerName({ ...listener, filterChains: chains }, serverName);
  if (!dest) return pick(l4);
  const specific = pick(l4.filter((c) => chainHolds(c, dest, opts.namespace)));
  if (specific || opts.generic === false) return specific;
  return pick(l4.filter((c) => chainIsGeneric(c)));
}

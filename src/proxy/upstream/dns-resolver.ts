// The name resolver STRICT_DNS / LOGICAL_DNS clusters use, as a plain function so tests can inject a
// fake name table. The system one asks DNS for A records with their TTL (Envoy's c-ares resolver;
// Istio gives IPv4 proxies DnsLookupFamily V4_ONLY, istio/istio pilot/pkg/networking/core/
// cluster_builder.go), and falls back to getaddrinfo for names DNS does not serve (/etc/hosts,
// `localhost`: c-ares reads the hosts file too), preferring IPv4 addresses, then IPv6.
import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface ResolvedAddress {
  address: string;
  /** Seconds the answer may be cached (DNS TTL); undefined when the source has none (hosts file). */
  ttlSeconds?: number;
}

/** Resolves a name to addresses; rejects when it does not resolve. */
export type DnsResolve = (hostname: string) => Promise<readonly ResolvedAddress[]>;

let resolver: Resolver | undefined;

/** The system resolver: DNS A records with TTLs, else getaddrinfo (IPv4 first). */
export const systemDnsResolve: DnsResolve = async (hostname) => {
  if (isIP(hostname)) return [{ address: hostname }];
  try {
    resolver ??= new Resolver({ timeout: 5000, tries: 2 });
    const a = await resolver.resolve4(hostname, { ttl: true });
    if (a.length > 0) return a.map((r) => ({ address: r.address, ttlSeconds: r.ttl }));
  } catch {
    // Not served by DNS (or no DNS server): the hosts file may still know it.
  }
  const all = await lookup(hostname, { all: true });
  const v4 = all.filter((a) => a.family === 4);
  return (v4.length > 0 ? v4 : all).map((a) => ({ address: a.address }));
};

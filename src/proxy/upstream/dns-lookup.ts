// Connect-time name resolution for a hostname endpoint outside a DNS cluster (STRICT_DNS / LOGICAL_DNS
// clusters resolve in the background instead, dns-resolution.ts): IPv4 first, falling back to IPv6
// when a name has no A record (Istio gives IPv4 proxies DnsLookupFamily V4_ONLY; istio/istio
// pilot/pkg/networking/core/cluster_builder.go setDNSLookupFamily). `strict` rotates over the
// addresses per connection.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

export type LookupFunction = (hostname: string, options: LookupOptions, cb: LookupCallback) => void;

/** A `lookup` for net/tls connect: IPv4 first; STRICT_DNS rotates over the addresses per connection. */
export function clusterLookup(strict: boolean): LookupFunction {
  let next = 0;
  return (hostname, options, cb) => {
    dnsLookup(hostname, { all: true }, (err, addresses) => {
      if (err) return cb(err, '', 0);
      const v4 = addresses.filter((a) => a.family === 4);
      const list = v4.length > 0 ? v4 : addresses;
      if (list.length === 0) {
        const e = new Error(`getaddrinfo ENOTFOUND ${hostname}`) as NodeJS.ErrnoException;
        e.code = 'ENOTFOUND';
        return cb(e, '', 0);
      }
      const pick = strict ? list[next++ % list.length]! : list[0]!;
      if (options.all) return cb(null, [pick]);
      cb(null, pick.address, pick.family);
    });
  };
}

// Name resolution for hostname endpoints (DNS / DNS_ROUND_ROBIN ServiceEntries, ExternalName), done with
// node:dns when a connection is made. Istio gives IPv4-only proxies DnsLookupFamily V4_ONLY (falling
// back to V6 when a name has no A record here, as V4_PREFERRED; istio/istio pilot/pkg/networking/core/
// cluster_builder.go setDNSLookupFamily). STRICT_DNS spreads connections over every resolved address
// (each is a host in Envoy); LOGICAL_DNS uses the first address only (envoyproxy/envoy
// source/extensions/clusters/logical_dns).
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

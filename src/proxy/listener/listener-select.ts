// Listener -> filter chain for one HTTP request, the step before the route table: a sidecar's
// virtualOutbound hands the request to `0.0.0.0_<port of Host>` (Istio's outbound listener per
// service port), inbound picks the chain by destination port, a gateway listener by SNI (TLS) or its
// plain HTTP chain. Shared by the HTTP connection manager and explain/test so both take the same path.
import type { FilterChain, Listener, ProxySnapshot } from '../../compile/snapshot.js';
import { authorityPort } from '../../units/index.js';

export type Binding =
  | { kind: 'virtualOutbound' }
  | { kind: 'inbound'; destinationPort: number }
  | { kind: 'listener'; name: string };

export interface ListenerIndex {
  byName: ReadonlyMap<string, Listener>;
  /** Per listener, the chain plain HTTP uses (first HTTP chain, else the first chain). */
  httpChain: ReadonlyMap<Listener, FilterChain | undefined>;
  /** Per listener, the chain a request without TLS takes on a named (gateway) listener. */
  plainChain: ReadonlyMap<Listener, FilterChain | undefined>;
  /** `virtualInbound` chains by destination port. */
  inbound: ReadonlyMap<number, FilterChain>;
  /** The sidecar's policy for unknown destinations. */
  outboundPolicy: 'ALLOW_ANY' | 'REGISTRY_ONLY';
}

// Built once per snapshot, so a request does no scans over listeners or chains.
const indexes = new WeakMap<ProxySnapshot, ListenerIndex>();
export function listenerIndex(s: ProxySnapshot): ListenerIndex {
  let idx = indexes.get(s);
  if (!idx) {
    const byName = new Map(s.listeners.map((l) => [l.name, l]));
    const inbound = new Map<number, FilterChain>();
    for (const c of byName.get('virtualInbound')?.filterChains ?? [])
      if (c.destinationPort !== undefined && !inbound.has(c.destinationPort))
        inbound.set(c.destinationPort, c);
    idx = {
      byName,
      httpChain: new Map(
        s.listeners.map((l) => [l, l.filterChains.find((c) => c.http) ?? l.filterChains[0]]),
      ),
      inbound,
      plainChain: new Map(
        s.listeners.map((l) => [
          l,
          l.filterChains.find((c) => c.http && !c.tls) ??
            l.filterChains.find((c) => c.http) ??
            l.filterChains[0],
        ]),
      ),
      outboundPolicy:
        byName.get('virtualOutbound')?.outboundTrafficPolicy ??
        s.listeners.find((l) => l.outboundTrafficPolicy)?.outboundTrafficPolicy ??
        'ALLOW_ANY',
    };
    indexes.set(s, idx);
  }
  return idx;
}

/** Listener and chain for a request; `unknownDestination` when no outbound listener has its port. */
export interface ListenerSelection {
  listener?: Listener;
  chain?: FilterChain;
  /** virtualOutbound only: the Host's port (80 when absent) has no listener (Passthrough/BlackHole). */
  unknownDestination?: boolean;
  /** virtualOutbound only: the port taken from the Host. */
  port?: number;
}

/**
 * `tlsChain` is the chain a TLS connection's SNI chose (chain-match.ts chainForServerName); it is
 * looked up again by name in this snapshot, as a connection keeps its chain across config swaps.
 */
export function selectListener(
  snap: ProxySnapshot,
  binding: Binding,
  authority: string,
  tlsChain?: FilterChain,
): ListenerSelection {
  const idx = listenerIndex(snap);
  if (binding.kind === 'virtualOutbound') {
    const port = authorityPort(authority) ?? 80;
    const listener = idx.byName.get(`0.0.0.0_${port}`);
    if (!listener) return { unknownDestination: true, port };
    const chain = idx.httpChain.get(listener);
    return { listener, ...(chain ? { chain } : {}), port };
  }
  if (binding.kind === 'inbound') {
    const listener = idx.byName.get('virtualInbound');
    const chain = idx.inbound.get(binding.destinationPort);
    return { ...(listener ? { listener } : {}), ...(chain ? { chain } : {}) };
  }
  const listener = idx.byName.get(binding.name);
  const chain = tlsChain
    ? (listener?.filterChains.find((c) => c.name === tlsChain.name) ?? tlsChain)
    : listener && idx.plainChain.get(listener);
  return { ...(listener ? { listener } : {}), ...(chain ? { chain } : {}) };
}

// Picks a listener's filter chain by SNI as Envoy's filter chain matcher does
// (envoyproxy/envoy source/common/listener_manager/filter_chain_manager_impl.cc findFilterChainForServerName):
// an exact server name first, then the longest matching `*.suffix` wildcard, then a chain without
// server names (the default); no match means the connection is closed.
import type { FilterChain, Listener } from '../../compile/snapshot.js';

export function chainForServerName(
  listener: Listener,
  serverName: string | undefined,
): FilterChain | undefined {
  const sni = serverName?.toLowerCase();
  if (sni) {
    for (const c of listener.filterChains) if (c.serverNames.includes(sni)) return c;
    // Walk up the labels: a.b.example.com tries *.b.example.com, then *.example.com, ...
    let dot = sni.indexOf('.');
    while (dot >= 0) {
      const wildcard = `*${sni.slice(dot)}`;
      for (const c of listener.filterChains) if (c.serverNames.includes(wildcard)) return c;
      dot = sni.indexOf('.', dot + 1);
    }
  }
  return listener.filterChains.find((c) => c.serverNames.length === 0);
}

/**
 * Whether the listener is handled at L4 (TLS termination, passthrough or TCP proxy). A gateway
 * listener left without chains (its servers skipped, e.g. a missing Secret) closes every connection.
 */
export function isL4Listener(listener: Listener): boolean {
  if (listener.filterChains.length === 0) return true;
  return listener.filterChains.some((c) => c.tls || c.passthrough || (c.tcp && !c.http));
}

/** Whether any chain expects TLS (so a non-TLS first byte closes the connection). */
export function expectsTls(listener: Listener): boolean {
  return listener.filterChains.some((c) => c.tls || c.passthrough);
}

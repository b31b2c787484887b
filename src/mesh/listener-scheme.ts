// How `switchyard up` announces a gateway listener: https for TLS-terminating chains, tls for
// passthrough-only, tcp for TCP proxying, http otherwise.
import type { Listener } from '../compile/snapshot.js';

export function listenerScheme(l: Listener): 'http' | 'https' | 'tls' | 'tcp' {
  if (l.filterChains.some((c) => c.tls && c.http)) return 'https';
  if (l.filterChains.some((c) => c.tls || c.passthrough)) return 'tls';
  if (l.filterChains.length > 0 && l.filterChains.every((c) => c.tcp && !c.http)) return 'tcp';
  return 'http';
}

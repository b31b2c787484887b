// A proxy's mesh identity: the workload certificate istio-agent fetches over SDS (`default`) and the
// mesh root (`ROOTCA`), given to createProxy by whoever runs the mesh CA (src/mesh/mesh-ca.ts).
import type { PeerCertificate } from 'node:tls';

export interface MeshIdentity {
  /** `spiffe://cluster.local/ns/<ns>/sa/<sa>`. */
  spiffeId: string;
  /** PEM: the workload certificate. */
  certChain: string;
  /** PEM. */
  privateKey: string;
  /** PEM: the mesh root that signs every workload certificate. */
  rootCert: string;
  /** Expiry of certChain (epoch ms). */
  notAfterMs: number;
}

/**
 * How a proxy is given its identity: the material, or a function that issues it on first use (the
 * mesh CA generates keys lazily, so proxies that never speak mTLS cost nothing).
 */
export type MeshIdentitySource = MeshIdentity | (() => MeshIdentity);

/** A memoizing getter over a MeshIdentitySource. */
export function identityGetter(src: MeshIdentitySource): () => MeshIdentity {
  if (typeof src !== 'function') return () => src;
  let got: MeshIdentity | undefined;
  return () => (got ??= src());
}

/** The URI SANs of a peer certificate (`URI:spiffe://...` entries of subjectaltname). */
export function uriSans(cert: PeerCertificate | undefined | null): string[] {
  const alt = cert?.subjectaltname ?? '';
  return alt
    .split(/,\s*/)
    .filter((e) => e.startsWith('URI:'))
    .map((e) => e.slice(4));
}

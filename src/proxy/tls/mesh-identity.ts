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
 * How a proxy is given its identity: the material, or a function returning the current certificate
 * (the mesh CA issues lazily and rotates: src/mesh/mesh-ca.ts WorkloadIdentity). The function is
 * called for every new upstream connection and inbound handshake, so it must be cheap.
 */
export type MeshIdentitySource = MeshIdentity | (() => MeshIdentity);

/** A getter over a MeshIdentitySource (never cached here: a rotated certificate shows at once). */
export function identityGetter(src: MeshIdentitySource): () => MeshIdentity {
  return typeof src === 'function' ? src : () => src;
}

/** The URI SANs of a peer certificate (`URI:spiffe://...` entries of subjectaltname). */
export function uriSans(cert: PeerCertificate | undefined | null): string[] {
  const alt = cert?.subjectaltname ?? '';
  return alt
    .split(/,\s*/)
    .filter((e) => e.startsWith('URI:'))
    .map((e) => e.slice(4));
}

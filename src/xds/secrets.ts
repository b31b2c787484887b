// SDS for the local mesh CA's certificates: the `default` workload certificate (chain and private key)
// and the `ROOTCA` trust bundle, as istio-agent's SDS server builds them from its secret cache
// (istio/istio security/pkg/nodeagent/sds/sdsservice.go toEnvoySecret: inline bytes, ROOTCA as a
// validation context). Clusters and listeners name them through sds_config when mTLS applies
// (generate/tls.ts). The material comes from whoever runs the CA (an injected SecretSource: xds does
// not reach into the apps above it); it lives only on the xDS stream, never in the generator's output
// nor in config dumps.
import type { ProxyIdentity, ProxySnapshot } from '../compile/index.js';
import { SDS_DEFAULT, SDS_ROOTCA } from './generate/tls.js';
import { TYPE_PREFIX, type ProtoObject } from './protos.js';

export const SECRET_TYPE = `${TYPE_PREFIX}envoy.extensions.transport_sockets.tls.v3.Secret`;

/** A workload's certificate from the mesh CA (PEM). */
export interface WorkloadCertificate {
  certChain: string;
  privateKey: string;
  /** The mesh root that signed certChain. */
  rootCert: string;
  /**
   * In how many ms the source will issue a newer certificate (its rotation time): the xDS server
   * fetches again then and pushes the new secret, as istio-agent's SDS server pushes a rotated
   * certificate to Envoy (istio/istio security/pkg/nodeagent/sds/sdsservice.go, cache/secretcache.go).
   */
  refreshInMs?: number;
}

/** Issues (or returns the current) certificate for `spiffe://<td>/ns/<namespace>/sa/<serviceAccount>`. */
export interface SecretSource {
  workloadCertificate(namespace: string, serviceAccount: string): Promise<WorkloadCertificate>;
}

/** Whether the proxy's config names the mesh SDS secrets (ISTIO_MUTUAL upstream or downstream). */
export function usesMeshSds(s: ProxySnapshot): boolean {
  for (const c of s.clusters.values()) if (c.tls?.mode === 'ISTIO_MUTUAL') return true;
  for (const l of s.listeners)
    for (const fc of l.filterChains) if (fc.tls?.mode === 'ISTIO_MUTUAL') return true;
  return false;
}

/** The Secret resources `default` and `ROOTCA` for a workload certificate. */
export function meshSecrets(cert: WorkloadCertificate): ProtoObject[] {
  const bytes = (pem: string) => ({ inline_bytes: Buffer.from(pem, 'utf8') });
  return [
    {
      '@type': SECRET_TYPE,
      name: SDS_DEFAULT,
      tls_certificate: {
        certificate_chain: bytes(cert.certChain),
        private_key: bytes(cert.privateKey),
      },
    },
    {
      '@type': SECRET_TYPE,
      name: SDS_ROOTCA,
      validation_context: { trusted_ca: bytes(cert.rootCert) },
    },
  ];
}

/** The identity a proxy's certificate is issued for (its namespace and service account). */
export function certificateKey(p: ProxyIdentity): { namespace: string; serviceAccount: string } {
  return { namespace: p.namespace, serviceAccount: p.serviceAccount || 'default' };
}

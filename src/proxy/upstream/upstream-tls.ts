// TLS origination for one upstream connection (Envoy UpstreamTlsContext as Istio builds it,
// istio/istio pilot/pkg/networking/core/cluster_tls.go): TLS 1.2..1.3; CA from the rule or the system
// roots; no verification with insecureSkipVerify; SNI from `sni` or, when unset, auto_sni from the
// host (with auto_san_validation against it when no subjectAltNames are given, setAutoSniAndAutoSanValidation);
// explicit subjectAltNames matched exactly (Envoy match_typed_subject_alt_names) against DNS/URI/IP SANs.
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import { isIP } from 'node:net';
import type { Cluster, Endpoint, UpstreamTls } from '../../compile/snapshot.js';
import { uriSans, type MeshIdentity } from '../tls/mesh-identity.js';

/** The SAN entries of a peer certificate (`DNS:a, URI:b, IP Address:c`) as plain values. */
export function certSans(cert: PeerCertificate): string[] {
  const raw = cert.subjectaltname ?? '';
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => s.slice(s.indexOf(':') + 1));
}

/**
 * The TLS settings of a connection to one endpoint: the cluster's, except that auto mTLS matches
 * transport sockets on the endpoint's tlsMode (Envoy transport_socket_matches `tlsMode-istio` with
 * the mTLS socket, `tlsMode-disabled` raw_buffer; istio/istio pilot/pkg/networking/core/cluster_tls.go).
 */
export function hostTls(cluster: Cluster, endpoint: Endpoint): UpstreamTls | undefined {
  const tls = cluster.tls;
  if (tls?.autoMtls && endpoint.tlsMode !== 'istio') return undefined;
  return tls;
}

/**
 * The rule's explicit `sni`, sent on every request of the cluster. Without it the SNI is Envoy's
 * auto_sni: the request's Host (undici derives a request's servername from its Host header, and
 * reconnects when it changes), never an IP address.
 */
export function explicitSni(cluster: Cluster, identity?: MeshIdentity): string | undefined {
  const tls = cluster.tls;
  if (tls?.mode === 'ISTIO_MUTUAL')
    return identity ? (tls.sni ?? istioMutualSni(cluster)) : undefined;
  return tls ? tls.sni : undefined;
}

/**
 * The SNI an Istio sidecar sends with ISTIO_MUTUAL: `outbound_.<port>_.<subset>_.<host>`
 * (istio/istio pilot/pkg/model/service.go BuildDNSSrvSubsetKey, set in cluster_tls.go buildIstioMutualTLS).
 */
export function istioMutualSni(cluster: Cluster): string {
  return `outbound_.${cluster.port}_.${cluster.subset}_.${cluster.serviceHost}`;
}

/**
 * ISTIO_MUTUAL with the proxy's mesh identity (cluster_tls.go buildIstioMutualTLS): the workload
 * certificate as client certificate, the mesh root as the only trust anchor, and the server's SPIFFE
 * identity checked against the rule's subjectAltNames or, when it gives none, the service accounts
 * behind the service (the compiler puts them in subjectAltNames).
 */
function istioMutualOptions(cluster: Cluster, identity: MeshIdentity): ConnectionOptions {
  const sans = cluster.tls?.subjectAltNames ?? [];
  return {
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
    rejectUnauthorized: true,
    servername: explicitSni(cluster, identity),
    cert: identity.certChain,
    key: identity.privateKey,
    ca: identity.rootCert,
    checkServerIdentity: (_host, cert) => {
      if (sans.length === 0) return undefined;
      const have = uriSans(cert);
      if (sans.some((s) => have.includes(s))) return undefined;
      const err = new Error(
        `SAN mismatch: certificate has [${have.join(', ')}], want one of [${sans.join(', ')}]`,
      ) as NodeJS.ErrnoException;
      err.code = 'ERR_TLS_CERT_ALTNAME_INVALID';
      return err;
    },
  };
}

/**
 * node:tls options for a connection of `cluster`, or undefined for plaintext.
 * ISTIO_MUTUAL needs the proxy's mesh identity (createProxy `identity`); a proxy without one (no
 * mesh CA) stays plaintext.
 */
export function upstreamTlsOptions(
  cluster: Cluster,
  identity?: MeshIdentity,
): ConnectionOptions | undefined {
  const tls = cluster.tls;
  if (!tls) return undefined;
  if (tls.mode === 'ISTIO_MUTUAL')
    return identity ? istioMutualOptions(cluster, identity) : undefined;
  const verify = !tls.insecureSkipVerify;
  const sans = tls.subjectAltNames ?? [];
  const opts: ConnectionOptions = {
    // cluster_tls.go defaultUpstreamCommonTLSContext: TLSv1_2 .. TLSv1_3.
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
    rejectUnauthorized: verify,
    ...(tls.sni && !isIP(tls.sni) ? { servername: tls.sni } : {}),
    ...(tls.caCertificates ? { ca: tls.caCertificates } : {}),
    ...(tls.certChain ? { cert: tls.certChain } : {}),
    ...(tls.privateKey ? { key: tls.privateKey } : {}),
    checkServerIdentity: (host, cert) => {
      if (!verify) return undefined;
      if (sans.length > 0) {
        const have = certSans(cert);
        if (sans.some((s) => have.includes(s))) return undefined;
        const err = new Error(
          `SAN mismatch: certificate has [${have.join(', ')}], want one of [${sans.join(', ')}]`,
        ) as NodeJS.ErrnoException;
        err.code = 'ERR_TLS_CERT_ALTNAME_INVALID';
        return err;
      }
      // auto_san_validation only when the SNI was automatic; an explicit sni verifies the chain only.
      if (tls.sni) return undefined;
      return checkServerIdentity(host, cert);
    },
  };
  return opts;
}

// OpenSSL / node:tls verification and handshake error codes: a failed handshake is a connect failure
// in Envoy (503 UF, transport failure reason TLS_error).
const TLS_CODES = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ECONNRESET_TLS',
  'EPROTO',
]);

/** True when an upstream error is a TLS handshake or verification failure. */
export function isTlsHandshakeError(err: { code?: string; message?: string }): boolean {
  const code = err.code ?? '';
  return (
    TLS_CODES.has(code) ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_') ||
    // The peer closed during the handshake (e.g. a PeerAuthentication DISABLE port has no TLS chain):
    // Envoy raises Connected only after the handshake, so this is a connect failure too.
    /SSL routines|alert|before secure TLS connection was established/i.test(err.message ?? '')
  );
}

// DestinationRule `tls` -> the cluster's UpstreamTls (istio/istio pilot/pkg/networking/core/cluster_tls.go
// buildUpstreamClusterTLSContext, constructUpstreamTLS): DISABLE = plaintext; SIMPLE/MUTUAL with
// `credentialName` (a Secret in the proxy's namespace) or file paths (read here, as istio-agent serves
// them over SDS); SANs from the rule, else the ServiceEntry's `subjectAltNames`.
import type { ClientTLSSettings, ServiceEntrySpec } from '../config/istio-types.js';
import type { Service } from '../registry/types.js';
import { strings } from '../registry/shape.js';
import type { TlsSourceFiles, UpstreamTls } from './snapshot.js';
import { NO_TLS_FILE_ROOTS, readTlsFile, type PemKind, type TlsFileRoots } from './tls-files.js';
import type { WarningList } from './warnings.js';

export interface SecretPems {
  cert?: string;
  key?: string;
  ca?: string;
}

export function upstreamTlsOf(
  tls: ClientTLSSettings | undefined,
  svc: Service | undefined,
  /** Reads a Secret's tls.crt/tls.key/ca.crt (clusters.ts readSecret). */
  lookupSecret: (namespace: string, name: string) => SecretPems | undefined,
  proxyNamespace: string,
  warnings: WarningList,
  /** SPIFFE IDs of the service's workloads: ISTIO_MUTUAL's SANs when the rule gives none. */
  serviceAccounts: readonly string[] = [],
  /** Where file paths may point (tls-files.ts). */
  roots: TlsFileRoots = NO_TLS_FILE_ROOTS,
): UpstreamTls | undefined {
  if (!tls || !tls.mode || tls.mode === 'DISABLE') return undefined;
  // cluster_tls.go: "Use subject alt names specified in service entry if TLS settings does not have
  // subject alt names" (External registry only).
  let sans = tls.subjectAltNames ?? [];
  if (sans.length === 0 && svc?.registry === 'ServiceEntry')
    sans = strings((svc.source.spec as ServiceEntrySpec).subjectAltNames);
  const out: UpstreamTls = {
    mode: tls.mode,
    insecureSkipVerify: tls.insecureSkipVerify ?? false,
    ...(tls.sni ? { sni: tls.sni } : {}),
    ...(sans.length > 0 ? { subjectAltNames: sans } : {}),
  };
  if (tls.mode === 'ISTIO_MUTUAL') {
    // cluster_tls.go buildIstioMutualTLS: the rule's subjectAltNames, else the service accounts.
    if (sans.length === 0 && serviceAccounts.length > 0) out.subjectAltNames = serviceAccounts;
    return out;
  }
  if (tls.credentialName) {
    const secret = lookupSecret(proxyNamespace, tls.credentialName);
    if (secret) {
      if (secret.cert) out.certChain = secret.cert;
      if (secret.key) out.privateKey = secret.key;
      if (secret.ca) out.caCertificates = secret.ca;
    } else warnings.add(`credentialName ${tls.credentialName}: no Secret in ${proxyNamespace}`);
  } else {
    // An unset caCertificates means the system roots (pilot/pkg/networking/core/cluster_traffic_policy.go
    // selectTrafficPolicyComponents: VERIFY_CERTIFICATE_AT_CLIENT sets it to "system").
    // A refused file: the agent never serves the secret, so Envoy's cluster never warms and is not
    // there for requests (503 NC); here the cluster is left out (clusters.ts) with this warning.
    const files: TlsSourceFiles = {};
    const read = (
      path: string | undefined,
      field: string,
      kind: PemKind,
      key: keyof TlsSourceFiles,
    ) => {
      if (typeof path !== 'string' || !path) return;
      const r = readTlsFile(path, kind, roots);
      if ('error' in r) {
        warnings.add(`DestinationRule tls ${field} ${r.error}; cluster left out`);
        out.unavailable = true;
        return;
      }
      out[key] = r.pem;
      files[key] = path;
    };
    if (tls.caCertificates !== 'system')
      read(tls.caCertificates, 'caCertificates', 'certificate', 'caCertificates');
    read(tls.clientCertificate, 'clientCertificate', 'certificate', 'certChain');
    read(tls.privateKey, 'privateKey', 'private-key', 'privateKey');
    // The CRL is checked like the rest; the proxy does not apply revocation lists yet.
    if (typeof tls.caCrl === 'string' && tls.caCrl) {
      const r = readTlsFile(tls.caCrl, 'crl', roots);
      if ('error' in r) {
        warnings.add(`DestinationRule tls caCrl ${r.error}; cluster left out`);
        out.unavailable = true;
      }
    }
    if (Object.keys(files).length > 0) out.sourceFiles = files;
  }
  // constructUpstreamTLS: MUTUAL needs a client certificate and key.
  if (tls.mode === 'MUTUAL' && (!out.certChain || !out.privateKey))
    warnings.add(
      'DestinationRule tls MUTUAL: client certificate and private key must not be empty',
    );
  return out;
}

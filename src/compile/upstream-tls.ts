// DestinationRule `tls` -> the cluster's UpstreamTls (istio/istio pilot/pkg/networking/core/cluster_tls.go
// buildUpstreamClusterTLSContext, constructUpstreamTLS): DISABLE = plaintext; SIMPLE/MUTUAL with
// `credentialName` (a Secret in the proxy's namespace) or file paths (read here, as istio-agent serves
// them over SDS); SANs from the rule, else the ServiceEntry's `subjectAltNames`.
import { readFileSync } from 'node:fs';
import type { ClientTLSSettings, ServiceEntrySpec } from '../config/istio-types.js';
import type { Service } from '../registry/types.js';
import { strings } from '../registry/shape.js';
import type { UpstreamTls } from './snapshot.js';
import type { WarningList } from './warnings.js';

export interface SecretPems {
  cert?: string;
  key?: string;
  ca?: string;
}

function readPem(path: string, what: string, warnings: WarningList): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    warnings.add(
      `DestinationRule tls ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`,
    );
    return undefined;
  }
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
    if (tls.caCertificates && tls.caCertificates !== 'system') {
      const ca = readPem(tls.caCertificates, 'caCertificates', warnings);
      if (ca) out.caCertificates = ca;
    }
    if (tls.clientCertificate) {
      const cert = readPem(tls.clientCertificate, 'clientCertificate', warnings);
      if (cert) out.certChain = cert;
    }
    if (tls.privateKey) {
      const key = readPem(tls.privateKey, 'privateKey', warnings);
      if (key) out.privateKey = key;
    }
  }
  // constructUpstreamTLS: MUTUAL needs a client certificate and key.
  if (tls.mode === 'MUTUAL' && (!out.certChain || !out.privateKey))
    warnings.add(
      'DestinationRule tls MUTUAL: client certificate and private key must not be empty',
    );
  return out;
}

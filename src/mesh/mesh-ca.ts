// The local mesh CA: what istiod's built-in CA does for sidecars (istio/istio security/pkg/pki/ca/ca.go
// NewSelfSignedIstioCAOptions, security/pkg/pki/util/generate_cert.go GenCertFromCSR): a self-signed
// root with `O=<trust domain>`, and per-workload leaf certificates whose only identity is the SPIFFE URI
// SAN `spiffe://<trust domain>/ns/<ns>/sa/<sa>` (empty subject, so the SAN is critical), usable for
// server and client auth. Keys come from node:crypto (RSA 2048, Istio's default key size); node-forge
// only builds and signs the X.509 structures (Node has no certificate generation API).
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { systemClock, type Clock } from '../runtime/clock.js';
import type { MeshIdentity } from '../proxy/tls/mesh-identity.js';

/** istio/istio pkg/config/constants: the default trust domain. */
export const DEFAULT_TRUST_DOMAIN = 'cluster.local';
/** pilot-agent SECRET_TTL default (24h). */
export const DEFAULT_WORKLOAD_TTL_MS = 24 * 3600 * 1000;
/** istiod CITADEL_SELF_SIGNED_CA_CERT_TTL default (10 years). */
export const DEFAULT_ROOT_TTL_MS = 10 * 365 * 24 * 3600 * 1000;
/** generate_cert.go: NotBefore is backdated to tolerate clock skew. */
const BACKDATE_MS = 2 * 60 * 1000;

/** `spiffe://cluster.local/ns/default/sa/bookinfo-productpage` (istio pkg/spiffe MustGenSpiffeURI). */
export function spiffeId(
  namespace: string,
  serviceAccount: string,
  trustDomain = DEFAULT_TRUST_DOMAIN,
) {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

export interface MeshCaOptions {
  trustDomain?: string;
  clock?: Clock;
  workloadTtlMs?: number;
  rootTtlMs?: number;
}

function rsaKey(): {
  pem: string;
  forgePriv: forge.pki.rsa.PrivateKey;
  forgePub: forge.pki.PublicKey;
} {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return {
    pem: privateKey,
    forgePriv: forge.pki.privateKeyFromPem(privateKey),
    forgePub: forge.pki.publicKeyFromPem(publicKey),
  };
}

let serial = 0;
function nextSerial(now: number): string {
  // Positive, unique within the process (a leading 0 nibble keeps the DER integer positive).
  serial++;
  return `0${now.toString(16)}${serial.toString(16).padStart(6, '0')}`;
}

export class MeshCa {
  readonly trustDomain: string;
  /** PEM of the self-signed root (istio-ca-root-cert's root-cert.pem). */
  readonly rootCert: string;
  private readonly root: forge.pki.Certificate;
  private readonly rootKey: forge.pki.rsa.PrivateKey;
  private readonly clock: Clock;
  private readonly workloadTtlMs: number;
  private readonly issued = new Map<string, MeshIdentity>();

  constructor(opts: MeshCaOptions = {}) {
    this.trustDomain = opts.trustDomain ?? DEFAULT_TRUST_DOMAIN;
    this.clock = opts.clock ?? systemClock;
    this.workloadTtlMs = opts.workloadTtlMs ?? DEFAULT_WORKLOAD_TTL_MS;
    const now = this.clock.now();
    const key = rsaKey();
    const cert = forge.pki.createCertificate();
    cert.publicKey = key.forgePub;
    cert.serialNumber = nextSerial(now);
    cert.validity.notBefore = new Date(now - BACKDATE_MS);
    cert.validity.notAfter = new Date(now + (opts.rootTtlMs ?? DEFAULT_ROOT_TTL_MS));
    // ca.go: the self-signed root's subject is O=<trust domain>.
    const subject = [{ name: 'organizationName', value: this.trustDomain }];
    cert.setSubject(subject);
    cert.setIssuer(subject);
    cert.setExtensions([
      { name: 'basicConstraints', cA: true, critical: true },
      {
        name: 'keyUsage',
        keyCertSign: true,
        cRLSign: true,
        digitalSignature: true,
        critical: true,
      },
      { name: 'subjectKeyIdentifier' },
    ]);
    cert.sign(key.forgePriv, forge.md.sha256.create());
    this.root = cert;
    this.rootKey = key.forgePriv;
    this.rootCert = forge.pki.certificateToPem(cert);
  }

  /**
   * The workload certificate for a service account (one per identity, as every pod of a service
   * account carries the same SAN). Cached until it has lived half its TTL (pilot-agent rotates at 50%).
   */
  issue(namespace: string, serviceAccount: string): MeshIdentity {
    const id = spiffeId(namespace, serviceAccount, this.trustDomain);
    const now = this.clock.now();
    const cached = this.issued.get(id);
    if (cached && now < cached.notAfterMs - this.workloadTtlMs / 2) return cached;
    const key = rsaKey();
    const cert = forge.pki.createCertificate();
    cert.publicKey = key.forgePub;
    cert.serialNumber = nextSerial(now);
    cert.validity.notBefore = new Date(now - BACKDATE_MS);
    cert.validity.notAfter = new Date(now + this.workloadTtlMs);
    cert.setSubject([]);
    cert.setIssuer(this.root.subject.attributes);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      {
        name: 'authorityKeyIdentifier',
        keyIdentifier: this.root.generateSubjectKeyIdentifier().getBytes(),
      },
      // generate_cert.go buildSubjectAltNameExtension: critical when the subject is empty.
      { name: 'subjectAltName', critical: true, altNames: [{ type: 6, value: id }] },
    ]);
    cert.sign(this.rootKey, forge.md.sha256.create());
    const identity: MeshIdentity = {
      spiffeId: id,
      certChain: forge.pki.certificateToPem(cert),
      privateKey: key.pem,
      rootCert: this.rootCert,
      notAfterMs: cert.validity.notAfter.getTime(),
    };
    this.issued.set(id, identity);
    return identity;
  }

  /** True when `pem` is a certificate this CA's root signed (used by tests and diagnostics). */
  verifies(pem: string): boolean {
    return new X509Certificate(pem).verify(new X509Certificate(this.rootCert).publicKey);
  }
}

export function createMeshCa(opts: MeshCaOptions = {}): MeshCa {
  return new MeshCa(opts);
}

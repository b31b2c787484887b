// The local mesh CA: what istiod's built-in CA does for sidecars (istio/istio security/pkg/pki/ca/ca.go
// NewSelfSignedIstioCAOptions, security/pkg/pki/util/generate_cert.go GenCertFromCSR): a self-signed
// root with `O=<trust domain>`, and per-workload leaf certificates whose only identity is the SPIFFE URI
// SAN `spiffe://<trust domain>/ns/<ns>/sa/<sa>` (empty subject, so the SAN is critical), usable for
// server and client auth. Keys come from node:crypto (RSA 2048, Istio's default key size); node-forge
// only builds the X.509 structures (Node has no certificate generation API); signatures are native.
import { generateKeyPairSync, sign, X509Certificate } from 'node:crypto';
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

function rsaKey(): { pem: string; forgePub: forge.pki.PublicKey } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return {
    pem: privateKey,
    forgePub: forge.pki.publicKeyFromPem(publicKey),
  };
}

let serial = 0;
function nextSerial(now: number): string {
  // Positive, unique within the process (a leading 0 nibble keeps the DER integer positive).
  serial++;
  return `0${now.toString(16)}${serial.toString(16).padStart(6, '0')}`;
}

interface Root {
  cert: forge.pki.Certificate;
  pem: string;
  /** PKCS#1 PEM of the root key (signing is native: node:crypto). */
  keyPem: string;
}

/** Signs a forge certificate with node:crypto (forge's pure-JS RSA is ~20x slower). */
function signNative(cert: forge.pki.Certificate, keyPem: string): void {
  const oid = forge.pki.oids['sha256WithRSAEncryption'] ?? '1.2.840.113549.1.1.11';
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  // getTBSCertificate exists in node-forge (lib/x509.js) but not in its type definitions.
  const pki = forge.pki as typeof forge.pki & {
    getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1;
  };
  const tbs = pki.getTBSCertificate(cert);
  cert.tbsCertificate = tbs;
  const der = Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary');
  cert.signature = sign('sha256', der, keyPem).toString('binary');
}

export class MeshCa {
  readonly trustDomain: string;
  private rootState: Root | undefined;
  private readonly clock: Clock;
  private readonly workloadTtlMs: number;
  private readonly rootTtlMs: number;
  private readonly issued = new Map<string, MeshIdentity>();

  /** Nothing is generated until the first certificate is needed (a mesh without mTLS pays nothing). */
  constructor(opts: MeshCaOptions = {}) {
    this.trustDomain = opts.trustDomain ?? DEFAULT_TRUST_DOMAIN;
    this.clock = opts.clock ?? systemClock;
    this.workloadTtlMs = opts.workloadTtlMs ?? DEFAULT_WORKLOAD_TTL_MS;
    this.rootTtlMs = opts.rootTtlMs ?? DEFAULT_ROOT_TTL_MS;
  }

  private root(): Root {
    if (this.rootState) return this.rootState;
    const now = this.clock.now();
    const key = rsaKey();
    const cert = forge.pki.createCertificate();
    cert.publicKey = key.forgePub;
    cert.serialNumber = nextSerial(now);
    cert.validity.notBefore = new Date(now - BACKDATE_MS);
    cert.validity.notAfter = new Date(now + this.rootTtlMs);
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
    signNative(cert, key.pem);
    this.rootState = { cert, pem: forge.pki.certificateToPem(cert), keyPem: key.pem };
    return this.rootState;
  }

  /** PEM of the self-signed root (istio-ca-root-cert's root-cert.pem). */
  get rootCert(): string {
    return this.root().pem;
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
    const root = this.root();
    const key = rsaKey();
    const cert = forge.pki.createCertificate();
    cert.publicKey = key.forgePub;
    cert.serialNumber = nextSerial(now);
    cert.validity.notBefore = new Date(now - BACKDATE_MS);
    cert.validity.notAfter = new Date(now + this.workloadTtlMs);
    cert.setSubject([]);
    cert.setIssuer(root.cert.subject.attributes);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      {
        name: 'authorityKeyIdentifier',
        keyIdentifier: root.cert.generateSubjectKeyIdentifier().getBytes(),
      },
      // generate_cert.go buildSubjectAltNameExtension: critical when the subject is empty.
      { name: 'subjectAltName', critical: true, altNames: [{ type: 6, value: id }] },
    ]);
    signNative(cert, root.keyPem);
    const identity: MeshIdentity = {
      spiffeId: id,
      certChain: forge.pki.certificateToPem(cert),
      privateKey: key.pem,
      rootCert: root.pem,
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

// The local mesh CA: what istiod's built-in CA does for sidecars (istio/istio security/pkg/pki/ca/ca.go
// NewSelfSignedIstioCAOptions, security/pkg/pki/util/generate_cert.go GenCertFromCSR): a self-signed
// root with `O=<trust domain>`, and per-workload leaf certificates whose only identity is the SPIFFE URI
// SAN `spiffe://<trust domain>/ns/<ns>/sa/<sa>` (empty subject, so the SAN is critical), usable for
// server and client auth. Keys come from node:crypto (RSA 2048, Istio's default key size); node-forge
// only builds the X.509 structures (Node has no certificate generation API); signatures are native.
import { generateKeyPair, generateKeyPairSync, sign, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { systemClock, type Clock, type TimerHandle } from '../runtime/clock.js';
import type { MeshIdentity } from '../proxy/tls/mesh-identity.js';

/** istio/istio pkg/config/constants: the default trust domain. */
export const DEFAULT_TRUST_DOMAIN = 'cluster.local';
/** pilot-agent SECRET_TTL default (24h). */
export const DEFAULT_WORKLOAD_TTL_MS = 24 * 3600 * 1000;
/** istiod CITADEL_SELF_SIGNED_CA_CERT_TTL default (10 years). */
export const DEFAULT_ROOT_TTL_MS = 10 * 365 * 24 * 3600 * 1000;
/**
 * pilot-agent SECRET_GRACE_PERIOD_RATIO default 0.5 (pilot/cmd/pilot-agent/options/options.go): a
 * workload certificate is rotated when half its lifetime is left
 * (security/pkg/nodeagent/cache/secretcache.go rotateTime).
 */
export const SECRET_GRACE_PERIOD_RATIO = 0.5;
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

interface RsaKey {
  pem: string;
  forgePub: forge.pki.PublicKey;
}

const KEY_OPTIONS = {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
} as const;

/** Blocks the event loop for ~0.1-0.3s: only when a certificate is needed before one was prepared. */
function rsaKeySync(): RsaKey {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', KEY_OPTIONS);
  return { pem: privateKey, forgePub: forge.pki.publicKeyFromPem(publicKey) };
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** Key generation on libuv's thread pool: the event loop keeps serving requests meanwhile. */
async function rsaKey(): Promise<RsaKey> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', KEY_OPTIONS);
  return { pem: privateKey, forgePub: forge.pki.publicKeyFromPem(publicKey) };
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
  private readonly pending = new Map<string, Promise<MeshIdentity>>();

  /** Nothing is generated until the first certificate is needed (a mesh without mTLS pays nothing). */
  constructor(opts: MeshCaOptions = {}) {
    this.trustDomain = opts.trustDomain ?? DEFAULT_TRUST_DOMAIN;
    this.clock = opts.clock ?? systemClock;
    this.workloadTtlMs = opts.workloadTtlMs ?? DEFAULT_WORKLOAD_TTL_MS;
    this.rootTtlMs = opts.rootTtlMs ?? DEFAULT_ROOT_TTL_MS;
  }

  private root(): Root {
    return (this.rootState ??= this.buildRoot(rsaKeySync()));
  }

  private async rootAsync(): Promise<Root> {
    if (this.rootState) return this.rootState;
    const key = await rsaKey();
    return (this.rootState ??= this.buildRoot(key));
  }

  private buildRoot(key: RsaKey): Root {
    const now = this.clock.now();
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
    return { cert, pem: forge.pki.certificateToPem(cert), keyPem: key.pem };
  }

  /** PEM of the self-signed root (istio-ca-root-cert's root-cert.pem). */
  get rootCert(): string {
    return this.root().pem;
  }

  /** The CA's clock reading (rotation times are on it). */
  now(): number {
    return this.clock.now();
  }

  /** When a certificate issued at `createdMs` is due for rotation (secretcache.go rotateTime). */
  rotationDueMs(identity: MeshIdentity): number {
    const created = identity.notAfterMs - this.workloadTtlMs;
    return created + (1 - SECRET_GRACE_PERIOD_RATIO) * this.workloadTtlMs;
  }

  /** The cached certificate of an identity while it is not yet due for rotation. */
  private fresh(id: string): MeshIdentity | undefined {
    const cached = this.issued.get(id);
    return cached && this.clock.now() < this.rotationDueMs(cached) ? cached : undefined;
  }

  /**
   * The workload certificate for a service account (one per identity, as every pod of a service
   * account carries the same SAN). Cached until it has lived half its TTL (pilot-agent rotates at 50%).
   * Generates the key synchronously when needed; issueAsync does not block.
   */
  issue(namespace: string, serviceAccount: string): MeshIdentity {
    const id = spiffeId(namespace, serviceAccount, this.trustDomain);
    const cached = this.fresh(id);
    if (cached) return cached;
    return this.sign(id, this.root(), rsaKeySync());
  }

  /** issue() with key generation off the event loop; concurrent calls for one identity share it. */
  issueAsync(namespace: string, serviceAccount: string): Promise<MeshIdentity> {
    const id = spiffeId(namespace, serviceAccount, this.trustDomain);
    const cached = this.fresh(id);
    if (cached) return Promise.resolve(cached);
    let pending = this.pending.get(id);
    if (!pending) {
      pending = (async () => {
        try {
          const root = await this.rootAsync();
          const key = await rsaKey();
          return this.fresh(id) ?? this.sign(id, root, key);
        } finally {
          this.pending.delete(id);
        }
      })();
      this.pending.set(id, pending);
    }
    return pending;
  }

  private sign(id: string, root: Root, key: RsaKey): MeshIdentity {
    const now = this.clock.now();
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

  /** A proxy's rotating identity (what istio-agent's SecretManagerClient keeps for one pod). */
  workloadIdentity(namespace: string, serviceAccount: string): WorkloadIdentity {
    return new WorkloadIdentity(this, namespace, serviceAccount, this.clock);
  }

  /** True when `pem` is a certificate this CA's root signed (used by tests and diagnostics). */
  verifies(pem: string): boolean {
    return new X509Certificate(pem).verify(new X509Certificate(this.rootCert).publicKey);
  }
}

/**
 * One proxy's workload certificate over time, as istio-agent's SecretManagerClient keeps it
 * (security/pkg/nodeagent/cache/secretcache.go registerSecret): a timer on the injected clock fires
 * when half the certificate's lifetime is left and a new certificate is issued off the event loop;
 * `get` always returns the current one (the proxy serves it to the next handshake, no restart).
 * Istio adds a random ±1% jitter to the rotation time (SECRET_GRACE_PERIOD_RATIO_JITTER); this does not.
 */
export class WorkloadIdentity {
  private current: MeshIdentity | undefined;
  private timer: TimerHandle | undefined;
  private closed = false;
  private readonly listeners: ((id: MeshIdentity) => void)[] = [];

  constructor(
    private readonly ca: MeshCa,
    private readonly namespace: string,
    private readonly serviceAccount: string,
    private readonly clock: Clock,
  ) {}

  /** The current certificate (issued synchronously only if none was prepared, or it expired). */
  readonly get = (): MeshIdentity => {
    if (!this.current || this.clock.now() >= this.current.notAfterMs)
      this.install(this.ca.issue(this.namespace, this.serviceAccount));
    return this.current as MeshIdentity;
  };

  /** Prepares the first certificate without blocking (istio-agent fetches it before Envoy starts). */
  async ready(): Promise<MeshIdentity> {
    if (!this.current) this.install(await this.ca.issueAsync(this.namespace, this.serviceAccount));
    return this.current as MeshIdentity;
  }

  /** Calls fn with every certificate installed after a rotation. */
  onRotate(fn: (id: MeshIdentity) => void): void {
    this.listeners.push(fn);
  }

  /** Stops the rotation timer. */
  close(): void {
    this.closed = true;
    this.timer?.cancel();
  }

  private install(id: MeshIdentity): void {
    if (this.closed || id === this.current) return;
    const rotated = this.current !== undefined;
    this.current = id;
    this.timer?.cancel();
    const delay = Math.max(0, this.ca.rotationDueMs(id) - this.clock.now());
    this.timer = this.clock.setTimer(delay, () => void this.rotate());
    if (rotated) for (const fn of this.listeners) fn(id);
  }

  private async rotate(): Promise<void> {
    try {
      const id = await this.ca.issueAsync(this.namespace, this.serviceAccount);
      // The CA still had the current certificate as fresh (a timer a hair early): ask again shortly.
      if (id === this.current && !this.closed)
        this.timer = this.clock.setTimer(1000, () => void this.rotate());
      else this.install(id);
    } catch {
      // Istio retries with backoff; the current certificate stays valid until it expires.
      if (!this.closed) this.timer = this.clock.setTimer(1000, () => void this.rotate());
    }
  }
}

export function createMeshCa(opts: MeshCaOptions = {}): MeshCa {
  return new MeshCa(opts);
}

/**
 * The CA as the xDS server's SDS source (src/xds/secrets.ts): the same root and workload certificates
 * the local proxies use, so an Envoy fed over xDS and a local sidecar trust each other.
 */
export function meshCaSecrets(ca: MeshCa): {
  workloadCertificate(
    namespace: string,
    serviceAccount: string,
  ): Promise<{ certChain: string; privateKey: string; rootCert: string; refreshInMs: number }>;
} {
  return {
    workloadCertificate: async (namespace, serviceAccount) => {
      const id = await ca.issueAsync(namespace, serviceAccount);
      return {
        certChain: id.certChain,
        privateKey: id.privateKey,
        rootCert: id.rootCert,
        refreshInMs: Math.max(0, ca.rotationDueMs(id) - ca.now()),
      };
    },
  };
}

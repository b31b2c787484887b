// Certificate, key and CRL *file paths* in config (Gateway server tls, DestinationRule tls), as the
// proxy's agent reads them for file-based SDS (istio/istio pkg/security/security.go file-cert:/file-root:
// resource names; security/pkg/nodeagent/cache/secretcache.go generateFileSecret). Locally config may
// come from anyone who can apply it, so a path is read only under the allowed roots, must hold PEM of the
// right type, and an error names the path and the reason — never the file's contents.
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';

export type PemKind = 'certificate' | 'private-key' | 'crl';

/** Directories whose files config may name; nothing else is read. */
export interface TlsFileRoots {
  readonly roots: readonly string[];
}

/** No roots: every file path is refused (the default when a caller sets none). */
export const NO_TLS_FILE_ROOTS: TlsFileRoots = { roots: [] };

/** Biggest file read: a long CA bundle is ~250 KiB. */
const MAX_BYTES = 1024 * 1024;

const LABELS: Readonly<Record<PemKind, readonly string[]>> = {
  certificate: ['CERTIFICATE'],
  // PKCS#8, PKCS#1 (RSA) and SEC1 (EC) keys, as Envoy's BoringSSL PEM reader takes them.
  'private-key': ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY'],
  crl: ['X509 CRL'],
};
/** Blocks that may sit beside the expected ones (openssl ecparam writes EC PARAMETERS before the key). */
const ALSO_ALLOWED: Readonly<Record<PemKind, readonly string[]>> = {
  certificate: [],
  'private-key': ['EC PARAMETERS'],
  crl: [],
};

const WHAT: Readonly<Record<PemKind, string>> = {
  certificate: 'a certificate',
  'private-key': 'a private key',
  crl: 'a certificate revocation list',
};

/** A file's PEM text, or an error naming the path and the reason (never the contents). */
export function readTlsFile(
  path: string,
  kind: PemKind,
  allowed: TlsFileRoots,
): { pem: string } | { error: string } {
  if (!isAbsolute(path)) return { error: `${path}: not an absolute path` };
  let real: string;
  try {
    real = realpathSync(path);
  } catch (err) {
    return { error: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` };
  }
  // Symlinks are resolved first: a link under a root pointing elsewhere is outside.
  if (!allowed.roots.some((root) => isUnder(real, root)))
    return {
      error: `${path}: not under an allowed certificate root (${allowed.roots.join(', ') || 'none'}; add one with up --cert-root DIR)`,
    };
  let text: string;
  try {
    const st = statSync(real);
    if (!st.isFile()) return { error: `${path}: not a regular file` };
    if (st.size > MAX_BYTES) return { error: `${path}: larger than ${MAX_BYTES} bytes` };
    text = readFileSync(real, 'utf8');
  } catch (err) {
    return { error: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` };
  }
  const problem = pemProblem(text, kind);
  return problem ? { error: `${path}: ${problem}` } : { pem: text };
}

function isUnder(path: string, root: string): boolean {
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    return false;
  }
  const rel = relative(realRoot, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Why text is not PEM of the wanted kind, or undefined when it is. Says only block labels, never data. */
export function pemProblem(text: string, kind: PemKind): string | undefined {
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g)];
  if (blocks.length === 0) return `holds no PEM block (want ${WHAT[kind]})`;
  const wanted = LABELS[kind];
  let found = 0;
  for (const b of blocks) {
    const label = b[1] ?? '';
    const body = b[2] ?? '';
    if (wanted.includes(label)) found++;
    else if (!ALSO_ALLOWED[kind].includes(label))
      return `holds a ${label} block where ${WHAT[kind]} belongs`;
    // Encrypted legacy keys carry Proc-Type/DEK-Info headers; there is no passphrase to give.
    if (/^[A-Za-z-]+:/m.test(body)) return `holds an encrypted or annotated ${label} block`;
    if (!/^[A-Za-z0-9+/=\s]+$/.test(body)) return `holds a ${label} block that is not base64`;
  }
  if (found === 0) return `holds no ${wanted[0]} block`;
  if (kind === 'private-key' && found > 1) return 'holds more than one private key';
  return undefined;
}

// Real certificates for TLS tests, made with the openssl CLI (installed by scripts/install-test-deps.sh).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pem {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

export interface TestPki {
  dir: string;
  ca: Pem;
  /** A leaf signed by the CA; `names` become DNS SANs (IPs become IP SANs), the first also the CN. */
  issue(names: string[], opts?: { client?: boolean; uri?: string }): Pem;
}

let counter = 0;

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Creates a fresh CA in a temporary directory. */
export function createPki(name = 'Switchyard Test CA'): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-pki-'));
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}/O=switchyard-test`,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  const ca: Pem = {
    cert: read('ca.crt'),
    key: read('ca.key'),
    certFile: join(dir, 'ca.crt'),
    keyFile: join(dir, 'ca.key'),
  };
  return {
    dir,
    ca,
    issue(names, opts = {}) {
      const id = `leaf${++counter}`;
      const sans = names.map((n) =>
        /^[\d.]+$/.test(n) || n.includes(':') ? `IP:${n}` : `DNS:${n}`,
      );
      if (opts.uri) sans.push(`URI:${opts.uri}`);
      writeFileSync(
        join(dir, `${id}.ext`),
        [
          'basicConstraints=CA:FALSE',
          'keyUsage=critical,digitalSignature,keyEncipherment',
          `extendedKeyUsage=${opts.client ? 'clientAuth' : 'serverAuth,clientAuth'}`,
          ...(sans.length > 0 ? [`subjectAltName=${sans.join(',')}`] : []),
        ].join('\n'),
      );
      openssl(
        [
          'req',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-subj',
          `/CN=${names[0] ?? id}/O=switchyard-test`,
          '-keyout',
          `${id}.key`,
          '-out',
          `${id}.csr`,
        ],
        dir,
      );
      openssl(
        [
          'x509',
          '-req',
          '-in',
          `${id}.csr`,
          '-CA',
          'ca.crt',
          '-CAkey',
          'ca.key',
          '-CAcreateserial',
          '-days',
          '2',
          '-extfile',
          `${id}.ext`,
          '-out',
          `${id}.crt`,
        ],
        dir,
      );
      return {
        cert: read(`${id}.crt`),
        key: read(`${id}.key`),
        certFile: join(dir, `${id}.crt`),
        keyFile: join(dir, `${id}.key`),
      };
    },
  };
}

/** A Kubernetes TLS Secret as a gateway's credentialName reads it (tls.crt, tls.key, optional ca.crt). */
export function tlsSecretYaml(name: string, namespace: string, pem: Pem, caCert?: string): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Secret',
    `metadata: {name: ${name}, namespace: ${namespace}}`,
    'type: kubernetes.io/tls',
    'data:',
    `  tls.crt: ${b64(pem.cert)}`,
    `  tls.key: ${b64(pem.key)}`,
    ...(caCert ? [`  ca.crt: ${b64(caCert)}`] : []),
    '',
  ].join('\n');
}

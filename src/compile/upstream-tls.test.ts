import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Service } from '../registry/types.js';
import { upstreamTlsOf } from './upstream-tls.js';
import { WarningList } from './warnings.js';

const noSecret = () => undefined;
const seService = {
  registry: 'ServiceEntry',
  source: { spec: { subjectAltNames: ['spiffe://cluster.local/ns/ext/sa/api'] } },
} as unknown as Service;

test('DISABLE and no tls are plaintext; SIMPLE reads file paths; a missing file is a warning', () => {
  const w = new WarningList();
  assert.equal(upstreamTlsOf(undefined, undefined, noSecret, 'default', w), undefined);
  assert.equal(upstreamTlsOf({ mode: 'DISABLE' }, undefined, noSecret, 'default', w), undefined);
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-tls-'));
  const caPem = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
  writeFileSync(join(dir, 'ca.pem'), caPem);
  const roots = { roots: [dir] };
  const t = upstreamTlsOf(
    { mode: 'SIMPLE', caCertificates: join(dir, 'ca.pem'), sni: 'api.example.com' },
    undefined,
    noSecret,
    'default',
    w,
    [],
    roots,
  );
  assert.deepEqual(t, {
    mode: 'SIMPLE',
    insecureSkipVerify: false,
    sni: 'api.example.com',
    caCertificates: caPem,
    sourceFiles: { caCertificates: join(dir, 'ca.pem') },
  });
  assert.deepEqual(w.items, []);
  const w2 = new WarningList();
  const gone = upstreamTlsOf(
    { mode: 'SIMPLE', caCertificates: join(dir, 'nope.pem') },
    undefined,
    noSecret,
    'default',
    w2,
    [],
    roots,
  );
  assert.match(w2.items[0]?.message ?? '', /caCertificates cannot read .*nope\.pem: ENOENT/);
  assert.equal(gone?.unavailable, true, 'the cluster is left out');
});

// Istio accepts any string here and its agent reads the file (pkg/security/security.go file-root:);
// Switchyard reads only under the allowed roots and only PEM of the right type (tls-files.ts).
test('caCertificates: /etc/passwd is refused by path and reason, without its contents; the cluster is left out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-tls-roots-'));
  writeFileSync(
    join(dir, 'key.pem'),
    '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
  );
  const w = new WarningList();
  const passwd = upstreamTlsOf(
    { mode: 'SIMPLE', caCertificates: '/etc/passwd' },
    undefined,
    noSecret,
    'default',
    w,
    [],
    { roots: [dir] },
  );
  assert.equal(passwd?.unavailable, true);
  assert.equal(passwd?.caCertificates, undefined);
  assert.match(
    w.items[0]?.message ?? '',
    /caCertificates \/etc\/passwd: not under an allowed certificate root/,
  );
  assert.doesNotMatch(w.items[0]?.message ?? '', /root:x/);
  const w2 = new WarningList();
  const wrong = upstreamTlsOf(
    { mode: 'SIMPLE', caCertificates: join(dir, 'key.pem') },
    undefined,
    noSecret,
    'default',
    w2,
    [],
    { roots: [dir] },
  );
  assert.equal(wrong?.unavailable, true);
  assert.match(
    w2.items[0]?.message ?? '',
    /key\.pem: holds a PRIVATE KEY block where a certificate belongs/,
  );
  // No roots configured: nothing is read.
  const w3 = new WarningList();
  upstreamTlsOf(
    { mode: 'SIMPLE', caCertificates: join(dir, 'key.pem') },
    undefined,
    noSecret,
    'default',
    w3,
  );
  assert.match(w3.items[0]?.message ?? '', /not under an allowed certificate root \(none;/);
});

test("SANs fall back to the ServiceEntry's subjectAltNames; MUTUAL without a key is reported", () => {
  const w = new WarningList();
  const t = upstreamTlsOf({ mode: 'SIMPLE' }, seService, noSecret, 'default', w);
  assert.deepEqual(t?.subjectAltNames, ['spiffe://cluster.local/ns/ext/sa/api']);
  const own = upstreamTlsOf(
    { mode: 'SIMPLE', subjectAltNames: ['a'] },
    seService,
    noSecret,
    'default',
    w,
  );
  assert.deepEqual(own?.subjectAltNames, ['a']);
  upstreamTlsOf(
    { mode: 'MUTUAL', credentialName: 'c' },
    undefined,
    () => ({ ca: 'CA' }),
    'default',
    w,
  );
  assert.match(
    w.items[w.items.length - 1]?.message ?? '',
    /MUTUAL: client certificate and private key must not be empty/,
  );
});

test("ISTIO_MUTUAL: the service accounts' SPIFFE IDs are the SANs unless the rule names some", () => {
  const w = new WarningList();
  const sas = ['spiffe://cluster.local/ns/default/sa/bookinfo-reviews'];
  assert.deepEqual(
    upstreamTlsOf({ mode: 'ISTIO_MUTUAL' }, undefined, noSecret, 'default', w, sas),
    {
      mode: 'ISTIO_MUTUAL',
      insecureSkipVerify: false,
      subjectAltNames: sas,
    },
  );
  const own = upstreamTlsOf(
    { mode: 'ISTIO_MUTUAL', subjectAltNames: ['spiffe://cluster.local/ns/x/sa/y'] },
    undefined,
    noSecret,
    'default',
    w,
    sas,
  );
  assert.deepEqual(own?.subjectAltNames, ['spiffe://cluster.local/ns/x/sa/y']);
});

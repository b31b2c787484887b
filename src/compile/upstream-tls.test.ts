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
  writeFileSync(join(dir, 'ca.pem'), 'CA-PEM');
  const t = upstreamTlsOf(
    { mode: 'SIMPLE', caCertificates: join(dir, 'ca.pem'), sni: 'api.example.com' },
    undefined,
    noSecret,
    'default',
    w,
  );
  assert.deepEqual(t, {
    mode: 'SIMPLE',
    insecureSkipVerify: false,
    sni: 'api.example.com',
    caCertificates: 'CA-PEM',
  });
  assert.deepEqual(w.items, []);
  const w2 = new WarningList();
  upstreamTlsOf(
    { mode: 'SIMPLE', caCertificates: join(dir, 'nope.pem') },
    undefined,
    noSecret,
    'default',
    w2,
  );
  assert.match(w2.items[0]?.message ?? '', /caCertificates .*nope\.pem: ENOENT/);
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

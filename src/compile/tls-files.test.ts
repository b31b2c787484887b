import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pemProblem } from './tls-files.js';

const block = (label: string, body = 'AAAA') =>
  `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;

test('PEM types: certificates, PKCS#8/PKCS#1/SEC1 keys and CRLs each accept only their own blocks', () => {
  assert.equal(pemProblem(block('CERTIFICATE') + block('CERTIFICATE'), 'certificate'), undefined);
  for (const k of ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY'])
    assert.equal(pemProblem(block(k), 'private-key'), undefined, k);
  assert.equal(
    pemProblem(block('EC PARAMETERS') + block('EC PRIVATE KEY'), 'private-key'),
    undefined,
  );
  assert.equal(pemProblem(block('X509 CRL'), 'crl'), undefined);
  assert.match(
    pemProblem('root:x:0:0:root:/root:/bin/bash\n', 'certificate') ?? '',
    /holds no PEM block/,
  );
  assert.match(
    pemProblem(block('PRIVATE KEY'), 'certificate') ?? '',
    /PRIVATE KEY block where a certificate/,
  );
  assert.match(
    pemProblem(block('CERTIFICATE'), 'private-key') ?? '',
    /CERTIFICATE block where a private key/,
  );
  assert.match(
    pemProblem(block('PRIVATE KEY') + block('PRIVATE KEY'), 'private-key') ?? '',
    /more than one/,
  );
  assert.match(
    pemProblem(
      block('RSA PRIVATE KEY', 'Proc-Type: 4,ENCRYPTED\nDEK-Info: AES\n\nAAAA'),
      'private-key',
    ) ?? '',
    /encrypted/,
  );
  assert.match(pemProblem(block('CERTIFICATE', 'not base64!'), 'certificate') ?? '', /not base64/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createPki } from './certs.js';

test('the test PKI issues leaves signed by its CA with the requested SANs', () => {
  const pki = createPki();
  const leaf = pki.issue(['httpbin.example.com', '127.0.0.1']);
  const x = new X509Certificate(leaf.cert);
  assert.ok(x.verify(new X509Certificate(pki.ca.cert).publicKey));
  assert.match(x.subjectAltName ?? '', /DNS:httpbin\.example\.com/);
  assert.match(x.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
});

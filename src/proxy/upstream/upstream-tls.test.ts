import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PeerCertificate } from 'node:tls';
import type { Cluster, UpstreamTls } from '../../compile/snapshot.js';
import { certSans, explicitSni, isTlsHandshakeError, upstreamTlsOptions } from './upstream-tls.js';

function cluster(tls: UpstreamTls | undefined): Cluster {
  return {
    name: 'outbound|80||edition.example.com',
    serviceHost: 'edition.example.com',
    tls,
  } as Cluster;
}

const cert = (san: string) => ({ subjectaltname: san }) as unknown as PeerCertificate;

test('plaintext for no tls and ISTIO_MUTUAL; TLS 1.2..1.3 with the rule CA and client cert', () => {
  assert.equal(upstreamTlsOptions(cluster(undefined)), undefined);
  assert.equal(
    upstreamTlsOptions(cluster({ mode: 'ISTIO_MUTUAL', insecureSkipVerify: false })),
    undefined,
  );
  const o = upstreamTlsOptions(
    cluster({
      mode: 'MUTUAL',
      insecureSkipVerify: false,
      caCertificates: 'CA',
      certChain: 'C',
      privateKey: 'K',
    }),
  );
  assert.equal(o?.minVersion, 'TLSv1.2');
  assert.equal(o?.maxVersion, 'TLSv1.3');
  assert.equal(o?.ca, 'CA');
  assert.equal(o?.cert, 'C');
  assert.equal(o?.key, 'K');
  assert.equal(o?.rejectUnauthorized, true);
  assert.equal(o?.servername, undefined, 'auto SNI: the request Host decides');
});

test('SAN checks: explicit list exact, auto SAN against the SNI, explicit sni alone checks nothing, insecure', () => {
  const sans = upstreamTlsOptions(
    cluster({ mode: 'SIMPLE', insecureSkipVerify: false, subjectAltNames: ['a.example.com'] }),
  )!;
  assert.equal(
    sans.checkServerIdentity!('x', cert('DNS:a.example.com, DNS:b.example.com')),
    undefined,
  );
  assert.match(String(sans.checkServerIdentity!('x', cert('DNS:b.example.com'))), /SAN mismatch/);
  const auto = upstreamTlsOptions(cluster({ mode: 'SIMPLE', insecureSkipVerify: false }))!;
  assert.equal(auto.checkServerIdentity!('a.example.com', cert('DNS:a.example.com')), undefined);
  assert.ok(auto.checkServerIdentity!('c.example.com', cert('DNS:a.example.com')) instanceof Error);
  const sni = cluster({ mode: 'SIMPLE', insecureSkipVerify: false, sni: 'z.example.org' });
  assert.equal(explicitSni(sni), 'z.example.org');
  assert.equal(upstreamTlsOptions(sni)!.servername, 'z.example.org');
  assert.equal(
    upstreamTlsOptions(sni)!.checkServerIdentity!('z.example.org', cert('DNS:other')),
    undefined,
  );
  const insecure = upstreamTlsOptions(cluster({ mode: 'SIMPLE', insecureSkipVerify: true }))!;
  assert.equal(insecure.rejectUnauthorized, false);
  assert.equal(insecure.checkServerIdentity!('a', cert('DNS:b')), undefined);
});

test('certSans and TLS error classification', () => {
  assert.deepEqual(certSans(cert('DNS:a, URI:spiffe://x/y, IP Address:127.0.0.1')), [
    'a',
    'spiffe://x/y',
    '127.0.0.1',
  ]);
  assert.equal(isTlsHandshakeError({ code: 'SELF_SIGNED_CERT_IN_CHAIN' }), true);
  assert.equal(isTlsHandshakeError({ code: 'ERR_SSL_WRONG_VERSION_NUMBER' }), true);
  assert.equal(
    isTlsHandshakeError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }),
    false,
  );
});

test('ISTIO_MUTUAL with a mesh identity: workload cert, mesh root, Istio SNI, SPIFFE SAN check', () => {
  const identity = {
    spiffeId: 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage',
    certChain: 'LEAF',
    privateKey: 'KEY',
    rootCert: 'ROOT',
    notAfterMs: 0,
  };
  const c = {
    ...cluster({
      mode: 'ISTIO_MUTUAL',
      insecureSkipVerify: false,
      subjectAltNames: ['spiffe://cluster.local/ns/default/sa/bookinfo-reviews'],
    }),
    name: 'outbound|9080|v1|reviews.default.svc.cluster.local',
    serviceHost: 'reviews.default.svc.cluster.local',
    port: 9080,
    subset: 'v1',
  } as Cluster;
  const o = upstreamTlsOptions(c, identity);
  assert.equal(o?.cert, 'LEAF');
  assert.equal(o?.key, 'KEY');
  assert.equal(o?.ca, 'ROOT');
  assert.equal(o?.rejectUnauthorized, true);
  assert.equal(o?.servername, 'outbound_.9080_.v1_.reviews.default.svc.cluster.local');
  assert.equal(explicitSni(c, identity), 'outbound_.9080_.v1_.reviews.default.svc.cluster.local');
  assert.equal(explicitSni(c), undefined, 'no identity: plaintext, no SNI');
  const check = o?.checkServerIdentity;
  assert.ok(check);
  assert.equal(
    check('x', cert('URI:spiffe://cluster.local/ns/default/sa/bookinfo-reviews')),
    undefined,
  );
  const err = check('x', cert('URI:spiffe://cluster.local/ns/default/sa/intruder'));
  assert.equal((err as NodeJS.ErrnoException | undefined)?.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
  assert.ok(isTlsHandshakeError(err as NodeJS.ErrnoException));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../runtime/clock.js';
import { createMeshCa, spiffeId } from './mesh-ca.js';
import { uriSans, type MeshIdentity } from '../proxy/tls/mesh-identity.js';

const clock = new ManualClock(Date.parse('2026-11-26T12:00:00Z'));
const ca = createMeshCa({ clock });

test('workload certificate: SPIFFE URI SAN only, signed by the root, 24h', () => {
  const id = ca.issue('default', 'bookinfo-productpage');
  assert.equal(id.spiffeId, 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage');
  const leaf = new X509Certificate(id.certChain);
  const root = new X509Certificate(id.rootCert);
  assert.equal(
    leaf.subjectAltName,
    'URI:spiffe://cluster.local/ns/default/sa/bookinfo-productpage',
  );
  assert.ok(!leaf.subject);
  assert.equal(root.subject, 'O=cluster.local');
  assert.ok(root.ca);
  assert.ok(!leaf.ca);
  assert.ok(leaf.checkIssued(root));
  assert.ok(leaf.verify(root.publicKey));
  assert.ok(ca.verifies(id.certChain));
  assert.equal(Date.parse(leaf.validTo), Date.parse('2026-11-27T12:00:00Z'));
  assert.ok(Date.parse(leaf.validFrom) < clock.now());
  assert.equal(id.notAfterMs, Date.parse('2026-11-27T12:00:00Z'));
});

test('one certificate per identity, reissued after half its TTL', () => {
  const a = ca.issue('default', 'reviews');
  assert.equal(ca.issue('default', 'reviews'), a);
  assert.notEqual(ca.issue('other', 'reviews').spiffeId, a.spiffeId);
  clock.advance(12 * 3600 * 1000 + 1);
  const b = ca.issue('default', 'reviews');
  assert.notEqual(b.certChain, a.certChain);
  assert.ok(b.notAfterMs > a.notAfterMs);
});

test('spiffeId: trust domain, namespace, service account', () => {
  assert.equal(spiffeId('ns1', 'sa1', 'example.org'), 'spiffe://example.org/ns/ns1/sa/sa1');
});

test('a real mutual TLS handshake with two workload certificates', async () => {
  const real = createMeshCa();
  const server = real.issue('default', 'reviews');
  const client = real.issue('default', 'bookinfo-productpage');
  const srv = createServer({
    cert: server.certChain,
    key: server.privateKey,
    ca: server.rootCert,
    requestCert: true,
    rejectUnauthorized: true,
  });
  const peers: string[][] = [];
  srv.on('secureConnection', (s: TLSSocket) => {
    peers.push(uriSans(s.getPeerCertificate()));
    s.end('ok');
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as AddressInfo).port;
  const sock = connect({
    host: '127.0.0.1',
    port,
    cert: client.certChain,
    key: client.privateKey,
    ca: client.rootCert,
    checkServerIdentity: () => undefined,
  });
  await once(sock, 'secureConnect');
  assert.ok(sock.authorized, String(sock.authorizationError));
  assert.deepEqual(uriSans(sock.getPeerCertificate()), [server.spiffeId]);
  sock.resume();
  await once(sock, 'end');
  assert.deepEqual(peers, [[client.spiffeId]]);
  // A certificate from another CA is refused.
  const other = createMeshCa().issue('default', 'intruder');
  const bad = connect({
    host: '127.0.0.1',
    port,
    cert: other.certChain,
    key: other.privateKey,
    ca: client.rootCert,
    checkServerIdentity: () => undefined,
  });
  const [err] = (await Promise.race([once(bad, 'error'), once(bad, 'close')])) as [unknown];
  void err;
  assert.equal(peers.length, 1);
  srv.close();
});

test('issueAsync generates keys off the event loop and shares one generation per identity', async () => {
  const fresh = createMeshCa({ clock: new ManualClock(Date.parse('2026-11-26T12:00:00Z')) });
  let ticks = 0;
  let turning = true;
  const spin = (): void => {
    ticks++;
    if (turning) setImmediate(spin);
  };
  setImmediate(spin);
  const [a, b] = await Promise.all([
    fresh.issueAsync('default', 'ratings'),
    fresh.issueAsync('default', 'ratings'),
  ]);
  turning = false;
  assert.equal(a, b, 'concurrent calls share the certificate');
  assert.ok(ticks > 0, 'the event loop kept turning during RSA key generation');
  assert.ok(fresh.verifies(a.certChain));
  assert.equal(fresh.issue('default', 'ratings'), a, 'cached for issue() too');
});

test('WorkloadIdentity rotates at half the lifetime on the injected clock (SECRET_GRACE_PERIOD_RATIO 0.5)', async () => {
  const c = new ManualClock(Date.parse('2026-11-26T12:00:00Z'));
  const fresh = createMeshCa({ clock: c });
  const wid = fresh.workloadIdentity('default', 'details');
  const first = await wid.ready();
  assert.equal(wid.get(), first);
  const rotated = new Promise<MeshIdentity>((resolve) => wid.onRotate(resolve));
  c.advance(12 * 3600 * 1000 - 1);
  assert.equal(wid.get(), first, 'not yet due');
  c.advance(1);
  const second = await rotated;
  assert.notEqual(second.certChain, first.certChain);
  assert.equal(wid.get(), second, 'the new certificate is current without asking');
  assert.equal(second.notAfterMs, c.now() + 24 * 3600 * 1000);
  // A day after the first certificate (it has expired), the proxy still holds a valid one.
  const third = new Promise<MeshIdentity>((resolve) => wid.onRotate(resolve));
  c.advance(12 * 3600 * 1000);
  await third;
  assert.ok(wid.get().notAfterMs > c.now());
  assert.ok(first.notAfterMs <= c.now());
  wid.close();
  assert.equal(c.pendingTimers(), 0, 'close stops the rotation timer');
});

// Gateway TLS: SIMPLE/MUTUAL termination with certificates from credentialName Secrets, TLS
// passthrough chains by SNI from VS tls routes, TCP servers with VS tcp routes, protocol conflicts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFrom, routeRows } from './helpers/compile.js';
import { fixture } from './helpers/shared.js';
import { listenersTable } from '../src/compile/index.js';

const bookinfo = readFileSync(fixture('compile', 'bookinfo.yaml'), 'utf8');
const b64 = (s: string) => Buffer.from(s).toString('base64');
const gw = `
apiVersion: v1
kind: Secret
metadata: { name: shop-cred, namespace: istio-system }
type: kubernetes.io/tls
data:
  tls.crt: ${b64('CERT PEM')}
  tls.key: ${b64('KEY PEM')}
---
apiVersion: v1
kind: Secret
metadata: { name: shop-cred-cacert, namespace: istio-system }
data:
  ca.crt: ${b64('CA PEM')}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: edge, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers:
    - port: { number: 443, name: https-shop, protocol: HTTPS }
      hosts: ["shop.example.com"]
      tls: { mode: MUTUAL, credentialName: shop-cred, minProtocolVersion: TLSV1_3 }
    - port: { number: 443, name: tls-pass, protocol: TLS }
      hosts: ["pass.example.com"]
      tls: { mode: PASSTHROUGH }
    - port: { number: 443, name: https-missing, protocol: HTTPS }
      hosts: ["missing.example.com"]
      tls: { mode: SIMPLE, credentialName: nope }
    - port: { number: 31400, name: tcp, protocol: TCP }
      hosts: ["*"]
    - port: { number: 31400, name: http-conflict, protocol: HTTP }
      hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: shop }
spec:
  hosts: [shop.example.com]
  gateways: [istio-system/edge]
  http:
    - route: [{ destination: { host: productpage } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: pass }
spec:
  hosts: [pass.example.com]
  gateways: [istio-system/edge]
  tls:
    - match: [{ sniHosts: [pass.example.com] }]
      route: [{ destination: { host: reviews, port: { number: 9080 } } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: tcp }
spec:
  hosts: ["*"]
  gateways: [istio-system/edge]
  tcp:
    - match: [{ port: 31400 }]
      route:
        - { destination: { host: ratings }, weight: 70 }
        - { destination: { host: details }, weight: 30 }
`;

test('HTTPS MUTUAL server terminates with the Secret and its -cacert companion', () => {
  const { snapshot, warnings } = compileFrom([bookinfo, gw], 'istio-ingressgateway');
  const l443 = snapshot.listeners.find((l) => l.port === 443)!;
  const https = l443.filterChains.find((c) => c.http)!;
  assert.equal(https.name, 'https.443.https-shop.edge.istio-system');
  assert.deepEqual(https.serverNames, ['shop.example.com']);
  assert.deepEqual(https.tls, {
    mode: 'MUTUAL',
    certChain: 'CERT PEM',
    privateKey: 'KEY PEM',
    caCertificates: 'CA PEM',
    minProtocolVersion: 'TLSv1.3',
    credentialName: 'kubernetes://istio-system/shop-cred',
  });
  assert.deepEqual(routeRows(snapshot, 'https.443.https-shop.edge.istio-system'), [
    'shop.example.com:443 / -> outbound|9080||productpage.default.svc.cluster.local',
  ]);
  assert.ok(warnings.some((w) => w.message.includes('credentialName nope')));
  assert.ok(warnings.some((w) => w.message.includes('port 31400 already serves tcp')));
});

test('TLS passthrough by SNI and TCP servers with weighted VS tcp routes', () => {
  const { snapshot } = compileFrom([bookinfo, gw], 'istio-ingressgateway');
  const pass = snapshot.listeners
    .find((l) => l.port === 443)!
    .filterChains.find((c) => c.passthrough)!;
  assert.deepEqual(pass.serverNames, ['pass.example.com']);
  assert.equal(
    pass.tcp!.routes[0]!.clusters[0]!.clusterName,
    'outbound|9080||reviews.default.svc.cluster.local',
  );
  const tcp = snapshot.listeners.find((l) => l.port === 31400)!;
  assert.equal(tcp.filterChains.length, 1);
  assert.deepEqual(
    tcp.filterChains[0]!.tcp!.routes[0]!.clusters.map((c) => [c.clusterName, c.weight]),
    [
      ['outbound|9080||ratings.default.svc.cluster.local', 70],
      ['outbound|9080||details.default.svc.cluster.local', 30],
    ],
  );
  const table = listenersTable(snapshot);
  assert.match(table, /^ADDRESSES +PORT +MATCH +DESTINATION\n/);
  assert.match(
    table,
    /0\.0\.0\.0 +443 +SNI: shop\.example\.com +Route: https\.443\.https-shop\.edge\.istio-system/,
  );
});

test('ServiceEntry hosts get sidecar vhosts with their own domains and DNS clusters', () => {
  const se = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: httpbin }
spec:
  hosts: [httpbin.org]
  ports: [{ number: 80, name: http, protocol: HTTP }, { number: 3306, name: tcp, protocol: TCP }]
  resolution: DNS
`;
  const { snapshot } = compileFrom([bookinfo, se], 'productpage-v1');
  const t = snapshot.routeTables.get('80')!;
  assert.deepEqual(
    t.virtualHosts.map((v) => [v.name, v.domains]),
    [
      ['httpbin.org:80', ['httpbin.org']],
      ['allow_any', ['*']],
    ],
  );
  const c = snapshot.clusters.get('outbound|80||httpbin.org')!;
  assert.equal(c.type, 'STRICT_DNS');
  assert.deepEqual(
    c.endpoints.map((e) => `${e.address}:${e.port}`),
    ['httpbin.org:80'],
  );
  const l3306 = snapshot.listeners.find((l) => l.port === 3306)!;
  assert.equal(
    l3306.filterChains[0]!.tcp!.routes[0]!.clusters[0]!.clusterName,
    'outbound|3306||httpbin.org',
  );
});

test('file paths (serverCertificate/privateKey/caCertificates) are read from disk; OPTIONAL_MUTUAL keeps the CA', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-gw-files-'));
  const pem = (what: string) => `-----BEGIN ${what}-----\nAAAA\n-----END ${what}-----\n`;
  writeFileSync(join(dir, 'tls.crt'), pem('CERTIFICATE'));
  writeFileSync(join(dir, 'tls.key'), pem('PRIVATE KEY'));
  writeFileSync(join(dir, 'ca.crt'), pem('CERTIFICATE'));
  const files = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: files, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers:
    - port: { number: 8443, name: https-files, protocol: HTTPS }
      hosts: ["files.example.com"]
      tls:
        mode: OPTIONAL_MUTUAL
        serverCertificate: ${join(dir, 'tls.crt')}
        privateKey: ${join(dir, 'tls.key')}
        caCertificates: ${join(dir, 'ca.crt')}
    - port: { number: 8443, name: https-gone, protocol: HTTPS }
      hosts: ["gone.example.com"]
      tls: { mode: SIMPLE, serverCertificate: ${join(dir, 'nope.crt')}, privateKey: ${join(dir, 'tls.key')} }
`;
  const { snapshot, warnings } = compileFrom([bookinfo, files], 'istio-ingressgateway');
  const chains = snapshot.listeners.find((l) => l.port === 8443)!.filterChains;
  assert.equal(chains.length, 1);
  assert.deepEqual(chains[0]!.tls, {
    mode: 'OPTIONAL_MUTUAL',
    certChain: pem('CERTIFICATE'),
    privateKey: pem('PRIVATE KEY'),
    caCertificates: pem('CERTIFICATE'),
    minProtocolVersion: 'TLSv1.2',
    sourceFiles: {
      certChain: join(dir, 'tls.crt'),
      privateKey: join(dir, 'tls.key'),
      caCertificates: join(dir, 'ca.crt'),
    },
  });
  assert.ok(warnings.some((w) => w.message.includes('nope.crt: ENOENT')));
});

// Istio's agent reads these paths for file-based SDS (pkg/security/security.go file-cert:/file-root:);
// Switchyard reads only under the allowed roots, only PEM of the right type, and never echoes contents.
test('a Gateway server whose files are outside the roots or of the wrong PEM type is skipped, naming only the path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-gw-refused-'));
  const pem = (what: string) => `-----BEGIN ${what}-----\nAAAA\n-----END ${what}-----\n`;
  writeFileSync(join(dir, 'tls.crt'), pem('CERTIFICATE'));
  writeFileSync(join(dir, 'tls.key'), pem('PRIVATE KEY'));
  symlinkSync('/etc/passwd', join(dir, 'link.crt'));
  const server = (port: number, cert: string, key: string) => `
    - port: { number: ${port}, name: https-${port}, protocol: HTTPS }
      hosts: ["h${port}.example.com"]
      tls: { mode: SIMPLE, serverCertificate: ${cert}, privateKey: ${key} }`;
  const gw = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: refused, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers:${server(9001, '/etc/passwd', join(dir, 'tls.key'))}${server(9002, join(dir, 'link.crt'), join(dir, 'tls.key'))}${server(9003, join(dir, 'tls.key'), join(dir, 'tls.key'))}${server(9004, join(dir, 'tls.crt'), join(dir, 'tls.crt'))}
`;
  const { snapshot, warnings } = compileFrom([bookinfo, gw], 'istio-ingressgateway');
  for (const port of [9001, 9002, 9003, 9004])
    assert.equal(
      snapshot.listeners.find((l) => l.port === port)?.filterChains.length ?? 0,
      0,
      `port ${port}: no filter chain`,
    );
  const text = warnings.map((w) => w.message).join('\n');
  assert.match(text, /serverCertificate \/etc\/passwd: not under an allowed certificate root/);
  assert.match(text, /link\.crt: not under an allowed certificate root/, 'symlinks are resolved');
  assert.match(text, /tls\.key: holds a PRIVATE KEY block where a certificate belongs/);
  assert.match(
    text,
    /privateKey .*tls\.crt: holds a CERTIFICATE block where a private key belongs/,
  );
  assert.doesNotMatch(text, /root:|AAAA/, 'no file contents in messages');
});

// TLS origination at the sidecar (DestinationRule tls on an external ServiceEntry host): a plain-HTTP
// request leaves the proxy as HTTPS to a stand-in on 127.0.0.3, with real handshakes: CA from a file or
// a credentialName Secret, auto SNI and SAN validation, explicit subjectAltNames, insecureSkipVerify,
// MUTUAL with a client certificate, DISABLE, and a failed verification as 503 UF (TLS_error).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createProxy, type Proxy } from '../src/proxy/index.js';
import { compileFrom } from './helpers/compile.js';
import { createPki, tlsSecretYaml } from './helpers/certs.js';
import { startStandIn, type StandIn } from './helpers/external-stand-in.js';
import { get } from './helpers/mesh.js';

let https: StandIn;
let plain: StandIn;
let proxy: Proxy;
let port = 0;
const logs: string[] = [];

const SLEEP = {
  name: 'sleep',
  namespace: 'default',
  labels: { app: 'sleep' },
  serviceAccount: 'sleep',
  address: '127.0.0.1',
  ports: {},
};

function serviceEntry(host: string, address: string, endpointPort: number): string {
  // Istio's egress-tls-origination task: port 80 (HTTP) with targetPort 443; the stand-in's real port
  // is given by the endpoint's named port.
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${host.split('.')[0]}, namespace: default}
spec:
  hosts: [${host}]
  ports:
  - {number: 80, name: http-port, protocol: HTTP, targetPort: 443}
  resolution: DNS
  endpoints:
  - address: ${address}
    ports: {http-port: ${endpointPort}}
`;
}

function tlsRule(host: string, tls: string): string {
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${host.split('.')[0]}, namespace: default}
spec:
  host: ${host}
  trafficPolicy:
    portLevelSettings:
    - port: {number: 80}
      tls: ${tls}
`;
}

before(async () => {
  const pki = createPki();
  const names = [
    'edition.example.com',
    'nosan.example.com',
    'insecure.example.com',
    'san.example.com',
    'wrongsan.example.com',
    'mtls.example.com',
    'sysca.example.com',
  ];
  const server = pki.issue(names);
  const client = pki.issue(['sleep-client'], { client: true });
  https = await startStandIn('127.0.0.3', {
    cert: server.cert,
    key: server.key,
    ca: pki.ca.cert,
    requestCert: true,
  });
  plain = await startStandIn('127.0.0.4');
  const texts = [
    ...names.map((h) => serviceEntry(h, '127.0.0.3', https.port)),
    serviceEntry('plain.example.com', '127.0.0.4', plain.port),
    tlsRule('edition.example.com', `{mode: SIMPLE, caCertificates: ${pki.ca.certFile}}`),
    // No CA: the system roots, which do not know the test CA.
    tlsRule('sysca.example.com', '{mode: SIMPLE}'),
    tlsRule('insecure.example.com', '{mode: SIMPLE, insecureSkipVerify: true}'),
    tlsRule(
      'san.example.com',
      `{mode: SIMPLE, caCertificates: ${pki.ca.certFile}, sni: sni.example.org, subjectAltNames: [san.example.com]}`,
    ),
    tlsRule(
      'wrongsan.example.com',
      `{mode: SIMPLE, caCertificates: ${pki.ca.certFile}, subjectAltNames: [other.example.com]}`,
    ),
    // Explicit sni without SANs: the chain is verified, the name is not (no auto SAN validation).
    tlsRule(
      'nosan.example.com',
      `{mode: SIMPLE, caCertificates: ${pki.ca.certFile}, sni: unrelated.example.org}`,
    ),
    tlsRule('mtls.example.com', '{mode: MUTUAL, credentialName: client-credential}'),
    tlsSecretYaml('client-credential', 'default', client, pki.ca.cert),
    tlsRule('plain.example.com', '{mode: DISABLE}'),
  ];
  const { snapshot, warnings } = compileFrom(texts, 'sleep.default', { local: [SLEEP] });
  assert.deepEqual(warnings, []);
  proxy = createProxy({
    name: 'sleep.default',
    accessLog: { encoding: 'TEXT', sink: (l) => logs.push(l) },
  });
  proxy.update(snapshot);
  port = (await proxy.listen('virtualOutbound', { host: '127.0.0.1', port: 0 })).port;
});

after(async () => {
  await proxy?.close(50);
  await https?.close();
  await plain?.close();
});

async function call(host: string) {
  const r = await get(`http://127.0.0.1:${port}/path`, { host });
  return {
    status: r.status,
    body: r.body,
    seen: r.status === 200 ? (JSON.parse(r.body) as Record<string, unknown>) : undefined,
  };
}

test('SIMPLE with caCertificates: the plain-HTTP call leaves as HTTPS with auto SNI = the host', async () => {
  const r = await call('edition.example.com');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.seen?.tls, true);
  assert.equal(r.seen?.servername, 'edition.example.com');
  assert.equal(r.seen?.host, 'edition.example.com');
  assert.equal(r.seen?.clientCert, undefined, 'SIMPLE sends no client certificate');
});

test('an unknown CA fails the handshake: 503 UF with a TLS_error transport failure reason', async () => {
  const r = await call('sysca.example.com');
  assert.equal(r.status, 503);
  assert.match(r.body, /upstream connect error or disconnect\/reset before headers/);
  const line = logs.find((l) => l.includes('outbound|80||sysca.example.com'));
  assert.ok(line, logs.join(''));
  // Istio's default retry policy retries connect failures: UF,URX.
  assert.match(line, / 503 UF,URX /);
  // envoyproxy/envoy router.cc onUpstreamReset + ssl_socket.cc: details and %UPSTREAM_TRANSPORT_FAILURE_REASON%.
  assert.match(
    line,
    / 503 UF,URX upstream_reset_before_response_started\{remote_connection_failure\|TLS_error:\|268435581:SSL_routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end\} - "TLS_error:\|268435581:SSL_routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end" /,
  );
  assert.match(
    r.body,
    /retried and the latest reset reason: remote connection failure, transport failure reason: TLS_error:\|268435581:SSL routines/,
  );
});

test('insecureSkipVerify accepts the certificate without a CA', async () => {
  assert.equal((await call('insecure.example.com')).status, 200);
});

test('explicit sni is sent; subjectAltNames are matched exactly, a mismatch fails', async () => {
  const ok = await call('san.example.com');
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.seen?.servername, 'sni.example.org');
  assert.equal((await call('wrongsan.example.com')).status, 503);
  const nosan = await call('nosan.example.com');
  assert.equal(nosan.status, 200, 'explicit sni without SANs verifies the chain only');
  assert.equal(nosan.seen?.servername, 'unrelated.example.org');
});

test('MUTUAL with credentialName presents the client certificate from the Secret', async () => {
  const r = await call('mtls.example.com');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.seen?.clientCert, 'sleep-client');
});

test('DISABLE stays plaintext', async () => {
  const r = await call('plain.example.com');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.seen?.tls, false);
});

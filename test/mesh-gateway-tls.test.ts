// HTTPS at the edge of a running `switchyard up` (issue 7 acceptance): SIMPLE TLS for
// httpbin.example.com with curl, plain HTTP refused on the TLS port, MUTUAL with and without a client
// cert, two hosts on one port with their own certificates, SNI passthrough to a backend that
// terminates TLS itself, and a Gateway port added and removed after startup. One mesh, many steps.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { promisify } from 'node:util';
import { freePort } from '../src/mesh/ports.js';
import { createPki, tlsSecretYaml, type Pem, type TestPki } from './helpers/certs.js';
import { get, startMesh, type RunningMesh } from './helpers/mesh.js';
import { fixture } from './helpers/shared.js';
import { tcpRoundTrip, tlsRequest } from './helpers/tls-clients.js';

const run = promisify(execFile);
let mesh: RunningMesh;
let pki: TestPki;
let backendPki: TestPki;
let client: Pem;
let backend: TlsServer;
let port: number;

const gateway = (extra = '') => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: httpbin-gateway, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers:
    - port: { number: 443, name: https, protocol: HTTPS }
      hosts: [httpbin.example.com]
      tls: { mode: SIMPLE, credentialName: httpbin-credential }
    - port: { number: 443, name: https-helloworld, protocol: HTTPS }
      hosts: [helloworld.example.com]
      tls: { mode: SIMPLE, credentialName: helloworld-credential }
    - port: { number: 443, name: https-mtls, protocol: HTTPS }
      hosts: [mtls.example.com]
      tls: { mode: MUTUAL, credentialName: mtls-credential }
    - port: { number: 443, name: tls-pass, protocol: TLS }
      hosts: [nginx.example.com]
      tls: { mode: PASSTHROUGH }
${extra}`;

before(async () => {
  pki = createPki();
  backendPki = createPki('Backend CA');
  client = pki.issue(['client.example.com'], { client: true });
  const be = backendPki.issue(['nginx.example.com']);
  backend = createTlsServer({ cert: be.cert, key: be.key }, (s) => {
    s.on('error', () => undefined);
    s.end('HTTP/1.1 200 OK\r\ncontent-length: 13\r\nconnection: close\r\n\r\nnginx says hi');
  });
  const backendPort = await new Promise<number>((r) =>
    backend.listen(0, '127.0.0.1', () => r((backend.address() as { port: number }).port)),
  );
  const file = join(pki.dir, 'edge.yaml');
  writeFileSync(
    file,
    [
      readFileSync(fixture('gateway-tls', 'httpbin.yaml'), 'utf8'),
      tlsSecretYaml('httpbin-credential', 'istio-system', pki.issue(['httpbin.example.com'])),
      tlsSecretYaml('helloworld-credential', 'istio-system', pki.issue(['helloworld.example.com'])),
      tlsSecretYaml(
        'mtls-credential',
        'istio-system',
        pki.issue(['mtls.example.com']),
        pki.ca.cert,
      ),
      gateway(),
      `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: httpbin }
spec:
  hosts: [httpbin.example.com, helloworld.example.com, mtls.example.com]
  gateways: [istio-system/httpbin-gateway]
  http:
    - match: [{ uri: { prefix: /status } }, { uri: { prefix: /headers } }]
      route: [{ destination: { host: httpbin, port: { number: 8000 } } }]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: nginx }
spec:
  hosts: [nginx.example.com]
  location: MESH_INTERNAL
  ports: [{ number: 443, name: https, protocol: TLS }]
  resolution: STATIC
  endpoints: [{ address: 127.0.0.1, ports: { https: ${backendPort} } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: nginx }
spec:
  hosts: [nginx.example.com]
  gateways: [istio-system/httpbin-gateway]
  tls:
    - match: [{ port: 443, sniHosts: [nginx.example.com] }]
      route: [{ destination: { host: nginx.example.com, port: { number: 443 } } }]
`,
    ].join('\n---\n'),
  );
  mesh = await startMesh(['-f', file, '--no-watch'], 443);
  port = Number(new URL(mesh.gateway).port);
});

after(async () => {
  await mesh?.stop();
  backend?.close();
});

function curl(host: string, path: string, extra: string[] = [], p = port) {
  return run('curl', [
    '-sS',
    '-w',
    '\n%{http_code}',
    '--resolve',
    `${host}:${p}:127.0.0.1`,
    ...extra,
    `https://${host}:${p}${path}`,
  ]);
}

test('SIMPLE: curl --resolve --cacert gets 200 from httpbin; plain HTTP to the port fails', async () => {
  const r = await curl('httpbin.example.com', '/status/200', ['--cacert', pki.ca.certFile]);
  assert.match(r.stdout, /\n200$/);
  const h = await curl('httpbin.example.com', '/headers', ['--cacert', pki.ca.certFile]);
  assert.match(h.stdout, /"X-Forwarded-Proto":\s*\[\s*"https"/);
  await assert.rejects(run('curl', ['-sS', `http://127.0.0.1:${port}/status/200`]));
  // The gateway's access log carries the SNI (%REQUESTED_SERVER_NAME%).
  const log = (await get(`${mesh.admin}/logs?proxy=istio-ingressgateway-0.istio-system&tail=20`))
    .body;
  assert.match(log, /"GET \/status\/200 HTTP\/2" 200 .* httpbin\.example\.com \S+$/m);
});

test('two hosts on one HTTPS port each present their own certificate', async () => {
  for (const host of ['httpbin.example.com', 'helloworld.example.com']) {
    const r = await tlsRequest(port, { servername: host, ca: pki.ca.cert });
    assert.equal(r.ok, true, r.error);
    assert.equal(r.peerCN, host);
  }
});

test('MUTUAL: without a client certificate refused; with one signed by the CA, 200', async () => {
  await assert.rejects(curl('mtls.example.com', '/status/200', ['--cacert', pki.ca.certFile]));
  const r = await curl('mtls.example.com', '/status/200', [
    '--cacert',
    pki.ca.certFile,
    '--cert',
    client.certFile,
    '--key',
    client.keyFile,
  ]);
  assert.match(r.stdout, /\n200$/);
});

test('SNI PASSTHROUGH: the client sees the backend certificate', async () => {
  const r = await curl('nginx.example.com', '/', ['--cacert', backendPki.ca.certFile]);
  assert.match(r.stdout, /nginx says hi\n200$/);
  const s = await tlsRequest(port, { servername: 'nginx.example.com', ca: backendPki.ca.cert });
  assert.equal(s.peerCN, 'nginx.example.com');
});

test('a Gateway port added after startup is bound, and closed again when removed', async () => {
  const extra = await freePort();
  const added = gateway(`    - port: { number: ${extra}, name: https-extra, protocol: HTTPS }
      hosts: [httpbin.example.com]
      tls: { mode: SIMPLE, credentialName: httpbin-credential }`);
  assert.equal(mesh.cli(['apply', '-f', '-'], added).status, 0);
  let ok = '';
  for (let i = 0; i < 100 && !ok.endsWith('200'); i++) {
    ok = await curl('httpbin.example.com', '/status/200', ['--cacert', pki.ca.certFile], extra)
      .then((r) => r.stdout)
      .catch(() => '');
    if (!ok.endsWith('200')) await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(ok, /\n200$/);
  assert.equal(mesh.cli(['apply', '-f', '-'], gateway()).status, 0);
  let closed = false;
  for (let i = 0; i < 100 && !closed; i++) {
    closed = (await tcpRoundTrip(extra, '')) === '' && !(await isOpen(extra));
    if (!closed) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(closed, `port ${extra} closed after the server was removed`);
});

async function isOpen(p: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const s = connect(p, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

test('a re-applied Secret with a new certificate serves new handshakes without a restart', async () => {
  const before = await tlsRequest(port, { servername: 'httpbin.example.com', ca: pki.ca.cert });
  const renewed = pki.issue(['httpbin.example.com']);
  const applied = mesh.cli(
    ['apply', '-f', '-'],
    tlsSecretYaml('httpbin-credential', 'istio-system', renewed),
  );
  assert.equal(applied.status, 0, applied.stderr);
  let fingerprint = before.fingerprint;
  for (let i = 0; i < 100 && fingerprint === before.fingerprint; i++) {
    fingerprint = (await tlsRequest(port, { servername: 'httpbin.example.com', ca: pki.ca.cert }))
      .fingerprint;
    if (fingerprint === before.fingerprint) await new Promise((r) => setTimeout(r, 100));
  }
  assert.notEqual(fingerprint, before.fingerprint);
  const r = await curl('httpbin.example.com', '/status/200', ['--cacert', pki.ca.certFile]);
  assert.match(r.stdout, /\n200$/);
});

// Gateway TLS on the data plane with real handshakes: SNI picks the chain and certificate among
// servers on one port, SIMPLE / MUTUAL / OPTIONAL_MUTUAL / subjectAltNames / minProtocolVersion,
// ALPN h2, plain HTTP refused on a TLS port, a Secret change applied to new handshakes, SNI
// passthrough to a backend that terminates TLS itself, TCP proxying with UF/UO and the TCP log line,
// httpsRedirect; curl and openssl s_client where a user would use them.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer as createNetServer, Socket, type Server as NetServer } from 'node:net';
import { after, before, test } from 'node:test';
import {
  connect as tlsConnect,
  createServer as createTlsServer,
  type Server as TlsServer,
} from 'node:tls';
import { promisify } from 'node:util';
import { createProxy, type Proxy } from '../src/proxy/index.js';
import { compileFrom } from './helpers/compile.js';
import { createPki, tlsSecretYaml, type Pem, type TestPki } from './helpers/certs.js';
import { startEcho, type EchoBackend } from './helpers/echo-backend.js';
import { h2Get, httpGet, tcpRoundTrip, tlsRequest } from './helpers/tls-clients.js';

const run = promisify(execFile);
const GW = 'istio-ingressgateway';

let pki: TestPki;
let other: TestPki;
let certs: Record<string, Pem>;
let echo: EchoBackend;
let tlsBackend: TlsServer;
let tcpEcho: NetServer;
let banner: NetServer;
let deadPort: number;
let proxy: Proxy;
const ports: Record<string, number> = {};
const lines: string[] = [];
const held: Socket[] = [];

function listen(s: NetServer | TlsServer): Promise<number> {
  return new Promise((resolve) =>
    s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port)),
  );
}

function config(httpbinCert: Pem): string[] {
  const se = (name: string, host: string, port: number, proto: string, target: number) => `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${name}, namespace: default }
spec:
  hosts: [${host}]
  location: MESH_INTERNAL
  ports: [{ number: ${port}, name: p, protocol: ${proto} }]
  resolution: STATIC
  endpoints: [{ address: 127.0.0.1, ports: { p: ${target} } }]
`;
  const server = (name: string, host: string, tls: string, port = 443, proto = 'HTTPS') =>
    `    - port: { number: ${port}, name: ${name}, protocol: ${proto} }
      hosts: ["${host}"]
      tls: ${tls}`;
  return [
    se('backend', 'backend.internal', 8000, 'HTTP', echo.port),
    se('pass', 'pass.example.com', 443, 'TLS', (tlsBackend.address() as { port: number }).port),
    se('tcp-echo', 'tcp.internal', 9000, 'TCP', (tcpEcho.address() as { port: number }).port),
    se('dead', 'dead.internal', 9001, 'TCP', deadPort),
    se('banner', 'banner.internal', 9002, 'TCP', (banner.address() as { port: number }).port),
    tlsSecretYaml('httpbin-cred', 'istio-system', httpbinCert),
    tlsSecretYaml('other-cred', 'istio-system', certs.other!),
    tlsSecretYaml('mtls-cred', 'istio-system', certs.mtls!, pki.ca.cert),
    `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: edge, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers:
${server('https', 'httpbin.example.com', '{ mode: SIMPLE, credentialName: httpbin-cred }')}
${server('https-other', 'other.example.com', '{ mode: SIMPLE, credentialName: other-cred }')}
${server('https-mtls', 'mtls.example.com', '{ mode: MUTUAL, credentialName: mtls-cred }')}
${server('https-opt', 'opt.example.com', '{ mode: OPTIONAL_MUTUAL, credentialName: mtls-cred }')}
${server('https-san', 'san.example.com', '{ mode: MUTUAL, credentialName: mtls-cred, subjectAltNames: [spiffe://partner/ok] }')}
${server('https-v13', 'v13.example.com', '{ mode: SIMPLE, credentialName: other-cred, minProtocolVersion: TLSV1_3 }')}
${server('tls-pass', 'pass.example.com', '{ mode: PASSTHROUGH }', 443, 'TLS')}
${server('http', 'httpbin.example.com', '{ httpsRedirect: true }', 80, 'HTTP')}
    - port: { number: 31400, name: tcp, protocol: TCP }
      hosts: ["*"]
    - port: { number: 31401, name: tcp-dead, protocol: TCP }
      hosts: ["*"]
    - port: { number: 31403, name: tcp-banner, protocol: TCP }
      hosts: ["*"]
    - port: { number: 31402, name: tls-terminated, protocol: TLS }
      hosts: ["other.example.com"]
      tls: { mode: SIMPLE, credentialName: other-cred }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: httpbin, namespace: default }
spec:
  hosts: [httpbin.example.com, other.example.com, mtls.example.com, opt.example.com, san.example.com, v13.example.com]
  gateways: [istio-system/edge]
  http:
    - route: [{ destination: { host: backend.internal } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: pass, namespace: default }
spec:
  hosts: [pass.example.com]
  gateways: [istio-system/edge]
  tls:
    - match: [{ sniHosts: [pass.example.com], port: 443 }]
      route: [{ destination: { host: pass.example.com, port: { number: 443 } } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: tcp, namespace: default }
spec:
  hosts: ["*"]
  gateways: [istio-system/edge]
  tcp:
    - match: [{ port: 31400 }]
      route: [{ destination: { host: tcp.internal, port: { number: 9000 } } }]
    - match: [{ port: 31401 }]
      route: [{ destination: { host: dead.internal, port: { number: 9001 } } }]
    - match: [{ port: 31403 }]
      route: [{ destination: { host: banner.internal, port: { number: 9002 } } }]
    - match: [{ port: 31402 }]
      route: [{ destination: { host: tcp.internal, port: { number: 9000 } } }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: tcp-echo, namespace: default }
spec:
  host: tcp.internal
  trafficPolicy: { connectionPool: { tcp: { maxConnections: 1 } } }
`,
  ];
}

before(async () => {
  pki = createPki();
  other = createPki('Backend CA');
  certs = {
    httpbin: pki.issue(['httpbin.example.com']),
    other: pki.issue(['other.example.com', 'v13.example.com']),
    mtls: pki.issue(['mtls.example.com', 'opt.example.com', 'san.example.com']),
    client: pki.issue(['client.partner'], { client: true }),
    clientOk: pki.issue(['ok.partner'], { client: true, uri: 'spiffe://partner/ok' }),
    stranger: other.issue(['client.partner'], { client: true }),
    backend: other.issue(['pass.example.com']),
  };
  echo = await startEcho('backend');
  tlsBackend = createTlsServer({ cert: certs.backend!.cert, key: certs.backend!.key }, (s) => {
    s.end(`HTTP/1.1 200 OK\r\ncontent-length: 7\r\nconnection: close\r\n\r\nbackend`);
  });
  await listen(tlsBackend);
  tcpEcho = createNetServer((s) => {
    held.push(s);
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await listen(tcpEcho);
  // A server-first protocol (SMTP-like): it speaks before the client sends anything.
  banner = createNetServer((s) => {
    s.on('error', () => undefined);
    s.end('220 banner.internal ready\r\n');
  });
  await listen(banner);
  const dead = createNetServer();
  deadPort = await listen(dead);
  await new Promise<void>((r) => dead.close(() => r()));
  const { snapshot, warnings } = compileFrom(config(certs.httpbin!), GW);
  assert.deepEqual(
    warnings.map((w) => w.message),
    [],
  );
  proxy = createProxy({ name: GW, accessLog: { encoding: 'TEXT', sink: (l) => lines.push(l) } });
  proxy.update(snapshot);
  for (const p of [443, 80, 31400, 31401, 31402, 31403]) {
    ports[p] = (await proxy.listen(`0.0.0.0_${p}`, { host: '127.0.0.1', port: 0 })).port;
  }
});

after(async () => {
  for (const s of held) s.destroy();
  await proxy?.close(100);
  await echo?.close();
  tlsBackend?.close();
  tcpEcho?.close();
  banner?.close();
});

/** The first access-log line matching `pred`; TCP lines are written when the connection closes. */
async function logLine(pred: (l: string) => boolean): Promise<string | undefined> {
  for (let i = 0; i < 200; i++) {
    const l = lines.find(pred);
    if (l) return l;
    await new Promise((r) => setImmediate(r));
    if (i > 50) await new Promise((r) => setTimeout(r, 10));
  }
  return undefined;
}

const https = (servername: string, extra: Record<string, unknown> = {}) =>
  tlsRequest(ports[443]!, {
    servername,
    ca: pki.ca.cert,
    request: httpGet(servername, '/status/200'),
    ...extra,
  });

test('SIMPLE: SNI picks the certificate; HTTP runs after the handshake with x-forwarded-proto https', async () => {
  const a = await https('httpbin.example.com');
  assert.equal(a.ok, true, a.error);
  assert.equal(a.peerCN, 'httpbin.example.com');
  assert.equal(a.protocol, 'TLSv1.3');
  assert.match(a.response ?? '', /^HTTP\/1\.1 200 /);
  const got = echo.received.at(-1)!;
  assert.equal(got.headers['x-forwarded-proto'], 'https');
  assert.equal(got.url, '/status/200');
  const b = await https('other.example.com');
  assert.equal(b.peerCN, 'other.example.com');
  assert.match(b.response ?? '', /^HTTP\/1\.1 200 /);
  // %REQUESTED_SERVER_NAME% sits before the route name in Istio's TEXT format.
  const line = lines.find((l) => l.includes('"other.example.com"'));
  assert.match(line ?? '', / other\.example\.com \S+$/m);
  // An unknown SNI matches no chain (every HTTPS server names its hosts): closed.
  const c = await https('nobody.example.com');
  assert.equal(c.ok, false);
  assert.ok(
    await logLine(
      (l) => l.includes(' NR filter_chain_not_found ') && l.includes('nobody.example.com'),
    ),
  );
});

test('ALPN h2 on an HTTPS server', async () => {
  const r = await h2Get(ports[443]!, 'httpbin.example.com', pki.ca.cert, '/h2');
  assert.equal(r.status, 200, r.error);
  assert.equal(echo.received.at(-1)!.url, '/h2');
});

test('plain HTTP to a TLS port fails: the connection is closed without an HTTP response', async () => {
  const out = await tcpRoundTrip(ports[443]!, httpGet('httpbin.example.com'));
  assert.equal(out, '');
});

test('MUTUAL: no client cert or a foreign CA is refused; a CA-signed one gets 200', async () => {
  const none = await https('mtls.example.com');
  assert.equal(none.ok && /^HTTP/.test(none.response ?? ''), false);
  const foreign = await https('mtls.example.com', {
    cert: certs.stranger!.cert,
    key: certs.stranger!.key,
  });
  assert.equal(foreign.ok && /^HTTP/.test(foreign.response ?? ''), false);
  const good = await https('mtls.example.com', {
    cert: certs.client!.cert,
    key: certs.client!.key,
  });
  assert.equal(good.ok, true, good.error);
  assert.match(good.response ?? '', /^HTTP\/1\.1 200 /);
});

test('OPTIONAL_MUTUAL admits clients without a cert; subjectAltNames must match the client cert', async () => {
  const opt = await https('opt.example.com');
  assert.match(opt.response ?? '', /^HTTP\/1\.1 200 /);
  const wrongSan = await https('san.example.com', {
    cert: certs.client!.cert,
    key: certs.client!.key,
  });
  assert.equal(/^HTTP/.test(wrongSan.response ?? ''), false);
  const rightSan = await https('san.example.com', {
    cert: certs.clientOk!.cert,
    key: certs.clientOk!.key,
  });
  assert.match(rightSan.response ?? '', /^HTTP\/1\.1 200 /);
});

test('minProtocolVersion TLSV1_3 refuses a TLS 1.2 client; the default minimum is TLS 1.2', async () => {
  const old = await https('v13.example.com', { maxVersion: 'TLSv1.2' });
  assert.equal(old.ok, false);
  const ok12 = await https('other.example.com', { maxVersion: 'TLSv1.2' });
  assert.equal(ok12.protocol, 'TLSv1.2');
  const tls11 = await https('other.example.com', { maxVersion: 'TLSv1.1', minVersion: 'TLSv1' });
  assert.equal(tls11.ok, false);
});

test('a Secret change applies to new handshakes without a restart', async () => {
  const before = await https('httpbin.example.com');
  const renewed = pki.issue(['httpbin.example.com']);
  proxy.update(compileFrom(config(renewed), GW).snapshot);
  const afterUpdate = await https('httpbin.example.com');
  assert.notEqual(afterUpdate.fingerprint, before.fingerprint);
  assert.match(afterUpdate.response ?? '', /^HTTP\/1\.1 200 /);
});

test('PASSTHROUGH: the client sees the backend certificate; the TCP log line names the SNI', async () => {
  const r = await tlsRequest(ports[443]!, {
    servername: 'pass.example.com',
    ca: other.ca.cert,
    request: httpGet('pass.example.com'),
  });
  assert.equal(r.ok, true, r.error);
  assert.equal(r.peerCN, 'pass.example.com');
  assert.match(r.response ?? '', /backend$/);
  const line = await logLine((l) => l.includes('outbound|443||pass.example.com'));
  assert.match(
    line ?? '',
    /^\[\S+\] "- - -" 0 - - - "-" \d+ \d+ \d+ - "-" "-" "-" "-" "127\.0\.0\.1:\d+" outbound\|443\|\|pass\.example\.com /,
  );
  assert.match(line ?? '', / pass\.example\.com -$/m);
});

test('curl and openssl s_client as a user runs them', async (t) => {
  const { stdout } = await run('curl', [
    '-sS',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code} %{http_version}',
    '--resolve',
    `httpbin.example.com:${ports[443]}:127.0.0.1`,
    '--cacert',
    pki.ca.certFile,
    `https://httpbin.example.com:${ports[443]}/status/200`,
  ]);
  assert.match(stdout, /^200 2$/); // curl negotiates h2 by ALPN
  const mtls = await run('curl', [
    '-sS',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '--resolve',
    `mtls.example.com:${ports[443]}:127.0.0.1`,
    '--cacert',
    pki.ca.certFile,
    '--cert',
    certs.client!.certFile,
    '--key',
    certs.client!.keyFile,
    `https://mtls.example.com:${ports[443]}/`,
  ]);
  assert.equal(mtls.stdout, '200');
  await assert.rejects(
    run('curl', [
      '-sS',
      '--resolve',
      `mtls.example.com:${ports[443]}:127.0.0.1`,
      '--cacert',
      pki.ca.certFile,
      `https://mtls.example.com:${ports[443]}/`,
    ]),
  );
  // s_client reads stdin: closing it ends the session after the handshake.
  const sclient = run('openssl', [
    's_client',
    '-connect',
    `127.0.0.1:${ports[443]}`,
    '-servername',
    'other.example.com',
    '-CAfile',
    pki.ca.certFile,
  ]);
  sclient.child.stdin?.end();
  const s = await sclient.catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  t.diagnostic(s.stdout.split('\n').find((l) => l.includes('subject=')) ?? '');
  assert.match(s.stdout, /subject=.*CN\s*=\s*other\.example\.com/);
  assert.match(s.stdout, /Verify return code: 0 \(ok\)/);
});

test('httpsRedirect: plain HTTP gets a 301 to https', async () => {
  const out = await tcpRoundTrip(ports[80]!, httpGet('httpbin.example.com', '/x?y=1'));
  assert.match(out, /^HTTP\/1\.1 301 /);
  assert.match(out, /location: https:\/\/httpbin\.example\.com\/x\?y=1/i);
});

test('TLS server with SIMPLE: terminated, then TCP proxied by the VS tcp route', async () => {
  const echoed = await new Promise<string>((resolve) => {
    const s = tlsConnect({
      host: '127.0.0.1',
      port: ports[31402]!,
      servername: 'other.example.com',
      ca: pki.ca.cert,
    });
    let out = '';
    s.on('secureConnect', () => s.write('hello over tls\n'));
    s.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        s.destroy();
        resolve(out);
      }
    });
    s.on('error', (e) => resolve(out + e.message));
  });
  assert.equal(echoed, 'hello over tls\n', lines.join(''));
  const line = await logLine(
    (l) => l.includes('outbound|9000||tcp.internal') && l.includes(' other.example.com '),
  );
  assert.match(line ?? '', /"- - -" 0 - /);
});

test('TCP: bytes proxied both ways; maxConnections overflow is UO; a dead upstream is UF', async () => {
  const echoed = await tcpRoundTrip(ports[31400]!, 'ping\n', 'ping\n');
  assert.equal(echoed, 'ping\n');
  const tcpLine = await logLine(
    (l) => l.includes('outbound|9000||tcp.internal') && l.includes('"- - -" 0 - - - "-" 5 5 '),
  );
  assert.match(tcpLine ?? '', /"- - -" 0 - - - "-" 5 5 /);
  // Hold one connection open (maxConnections: 1), the second overflows.
  const first = await new Promise<Socket>((resolve) => {
    const s = new Socket();
    s.connect(ports[31400]!, '127.0.0.1', () => {
      s.write('hold\n');
      s.once('data', () => resolve(s));
    });
  });
  const second = await tcpRoundTrip(ports[31400]!, 'x');
  assert.equal(second, '');
  first.destroy();
  assert.ok(await logLine((l) => l.includes('outbound|9000||tcp.internal') && / 0 UO /.test(l)));
  const dead = await tcpRoundTrip(ports[31401]!, 'x');
  assert.equal(dead, '');
  const deadLine = await logLine((l) => l.includes('outbound|9001||dead.internal'));
  assert.match(deadLine ?? '', / 0 UF - - "delayed_connect_error:_Connection_refused" /);
});

test('JSON access log: requested_server_name for HTTPS requests and passthrough connections', async () => {
  const json: string[] = [];
  const p = createProxy({ name: GW, accessLog: { encoding: 'JSON', sink: (l) => json.push(l) } });
  p.update(proxy.snapshot()!);
  const port = (await p.listen('0.0.0.0_443', { host: '127.0.0.1', port: 0 })).port;
  try {
    await tlsRequest(port, {
      servername: 'httpbin.example.com',
      ca: pki.ca.cert,
      request: httpGet('httpbin.example.com', '/json'),
    });
    await tlsRequest(port, {
      servername: 'pass.example.com',
      ca: other.ca.cert,
      request: httpGet('pass.example.com'),
    });
    for (let i = 0; i < 100 && json.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    const entries = json.map((l) => JSON.parse(l) as Record<string, unknown>);
    const http = entries.find((e) => e.path === '/json');
    assert.equal(http?.requested_server_name, 'httpbin.example.com');
    const tcp = entries.find((e) => e.upstream_cluster === 'outbound|443||pass.example.com');
    assert.equal(tcp?.requested_server_name, 'pass.example.com');
    assert.equal(tcp?.method, null);
    assert.equal(tcp?.response_code, 0);
  } finally {
    await p.close(50);
  }
});

test('TCP: a server-first backend speaks before the client sends anything', async () => {
  const out = await tcpRoundTrip(ports[31403]!, '', '\r\n');
  assert.equal(out, '220 banner.internal ready\r\n');
});

test('Envoy listener and ssl counters in stats()', () => {
  const stats = proxy.stats();
  const get = (k: string) => stats.get(`listener.0.0.0.0_443.${k}`) ?? 0;
  assert.ok(get('downstream_cx_total') > 10);
  assert.ok(get('ssl.handshake') > 5);
  assert.ok(get('no_filter_chain_match') >= 2, 'unknown SNI and plain HTTP');
  assert.ok(get('ssl.connection_error') >= 2, 'MUTUAL without a cert, TLS 1.2 to a TLS 1.3 server');
  assert.ok(get('ssl.fail_verify_no_cert') + get('ssl.fail_verify_error') >= 2);
  assert.ok(get('ssl.fail_verify_san') >= 1);
  assert.ok((stats.get('cluster.outbound|9000||tcp.internal.upstream_cx_overflow') ?? 0) >= 1);
});

// TLS and TCP leaving a sidecar through HTTPS_PROXY (CONNECT) on `switchyard up`: Istio's
// egress-gateway TLS-passthrough task (sidecar -> istio-egressgateway by SNI -> external host) with
// real curl and the sleep workload's https:// fetch, the external stand-in terminating TLS itself;
// a TCP ServiceEntry chosen by its address; unknown destinations to PassthroughCluster, then to
// BlackHoleCluster under a REGISTRY_ONLY Sidecar. All stand-ins are on 127.0.0.x.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fixture } from './helpers/shared.js';
import { createPki, type TestPki } from './helpers/certs.js';
import { startStandIn, type StandIn } from './helpers/external-stand-in.js';
import { get, startMesh, type RunningMesh } from './helpers/mesh.js';

let mesh: RunningMesh;
let pki: TestPki;
let edition: StandIn;
let wiki: StandIn;
let echo: Server;
let other: Server;
let sleepInbound = '';
let sleepOutbound = '';

/** A TCP echo server on a loopback address (stands in for an external TCP service). */
async function echoServer(address: string, prefix: string): Promise<Server> {
  const s = createServer((c: Socket) => {
    c.on('error', () => undefined);
    c.on('data', (d: Buffer) => c.write(`${prefix}${d.toString()}`));
  });
  await new Promise<void>((r) => s.listen(0, address, () => r()));
  return s;
}

before(async () => {
  pki = createPki();
  edition = await startStandIn('127.0.0.6', pki.issue(['edition.example.com']));
  wiki = await startStandIn('127.0.0.9', pki.issue(['www.wiki.example.com', '*.wiki.example.com']));
  echo = await echoServer('127.0.0.7', 'echo:');
  other = await echoServer('127.0.0.8', 'other:');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-egress-tls-'));
  const file = join(dir, 'egress.yaml');
  writeFileSync(
    file,
    readFileSync(fixture('egress', 'egress-gateway-tls-passthrough.yaml'), 'utf8')
      .replace('tls: STAND_IN_PORT', 'tls: ' + String(edition.port))
      .replace('https: WIKI_STAND_IN_PORT', 'https: ' + String(wiki.port))
      .replace('tcp: TCP_STAND_IN_PORT', 'tcp: ' + String((echo.address() as AddressInfo).port)),
  );
  // The sleep workload's https:// fetch verifies the stand-in against the test CA.
  process.env.NODE_EXTRA_CA_CERTS = pki.ca.certFile;
  mesh = await startMesh(['-f', fixture('egress', 'sleep.yaml'), '-f', file, '--no-watch']);
  delete process.env.NODE_EXTRA_CA_CERTS;
  const proxies = JSON.parse((await get(`${mesh.admin}/proxies`)).body) as {
    items: { name: string; listeners: string[] }[];
  };
  const sleep = proxies.items.find((p) => p.name.startsWith('sleep-'));
  sleepInbound = sleep?.listeners.find((l) => l.startsWith('inbound 80 -> '))?.slice(14) ?? '';
  sleepOutbound = sleep?.listeners.find((l) => l.startsWith('outbound '))?.slice(9) ?? '';
  assert.ok(sleepInbound && sleepOutbound, JSON.stringify(proxies));
});

after(async () => {
  await mesh?.stop();
  await edition?.close();
  await wiki?.close();
  echo?.close();
  other?.close();
});

async function logOf(proxy: string): Promise<string> {
  return (await get(`${mesh.admin}/logs?proxy=${proxy}&tail=200`)).body;
}

async function until(what: string, fn: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function curl(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', args, { env: { PATH: process.env.PATH ?? '' } }, (err, stdout, stderr) =>
      resolve({ status: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** CONNECT through the sleep sidecar, send `line`, read until the peer answers or closes. */
function tunnel(target: string, line: string): Promise<{ status: number; reply: string }> {
  const [host, port] = sleepOutbound.split(':');
  return new Promise((resolve, reject) => {
    const r = request({ host, port: Number(port), method: 'CONNECT', path: target });
    r.once('connect', (res, sock) => {
      let reply = '';
      sock.on('data', (d: Buffer) => {
        reply += d.toString();
        sock.end();
      });
      sock.on('error', () => undefined);
      sock.once('close', () => resolve({ status: res.statusCode ?? 0, reply }));
      sock.write(line);
    });
    r.once('error', reject);
    r.end();
  });
}

test('TLS passthrough two-hop: curl through the sidecar (CONNECT) -> egress gateway by SNI -> the external host', async () => {
  // Asynchronously: the stand-in answers from this process's event loop.
  const r = await curl([
    '-sS',
    '--max-time',
    '20',
    '--proxy',
    `http://${sleepOutbound}`,
    '--cacert',
    pki.ca.certFile,
    'https://edition.example.com/politics',
  ]);
  assert.equal(r.status, 0, r.stderr);
  // The stand-in terminated TLS itself: the client verified its certificate for the name.
  const seen = JSON.parse(r.stdout) as { tls: boolean; servername?: string; path: string };
  assert.deepEqual(
    { tls: seen.tls, servername: seen.servername, path: seen.path },
    { tls: true, servername: 'edition.example.com', path: '/politics' },
  );
  await until('the egress gateway log line', async () =>
    (await logOf('istio-egressgateway')).includes('outbound|443||edition.example.com'),
  );
  const gw = (await logOf('istio-egressgateway'))
    .split('\n')
    .find((l) => l.includes('outbound|443||edition.example.com'));
  // TCP access log: "- - -", the upstream host is the stand-in, %REQUESTED_SERVER_NAME% the SNI.
  assert.match(
    gw ?? '',
    /"- - -" 0 - - - .* outbound\|443\|\|edition\.example\.com .* edition\.example\.com -$/,
  );
  assert.ok(gw?.includes(`"127.0.0.6:${edition.port}"`), gw);
  await until('the sidecar log line', async () =>
    (await logOf('sleep')).includes(
      'outbound|443|edition|istio-egressgateway.istio-system.svc.cluster.local',
    ),
  );
  const side = (await logOf('sleep'))
    .split('\n')
    .find((l) => l.includes('outbound|443|edition|istio-egressgateway'));
  assert.match(side ?? '', / edition\.example\.com -$/);
});

test('wildcard egress hosts: any subdomain by SNI through the egress gateway to one external host', async () => {
  const r = await curl([
    '-sS',
    '--max-time',
    '20',
    '--proxy',
    `http://${sleepOutbound}`,
    '--cacert',
    pki.ca.certFile,
    'https://en.wiki.example.com/wiki/Main_Page',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const seen = JSON.parse(r.stdout) as { servername?: string; path: string };
  assert.deepEqual([seen.servername, seen.path], ['en.wiki.example.com', '/wiki/Main_Page']);
  await until('the egress gateway log line', async () =>
    /outbound\|443\|\|www\.wiki\.example\.com .* en\.wiki\.example\.com -/.test(
      await logOf('istio-egressgateway'),
    ),
  );
});

test('the sleep workload fetches https:// through HTTPS_PROXY with CONNECT', async () => {
  const r = await get(
    `http://${sleepInbound}/fetch?url=${encodeURIComponent('https://edition.example.com/world')}`,
  );
  const report = JSON.parse(r.body) as { status?: number; body?: string; error?: string };
  assert.equal(report.status, 200, r.body);
  const seen = JSON.parse(report.body ?? '{}') as { tls?: boolean; path?: string };
  assert.deepEqual([seen.tls, seen.path], [true, '/world']);
});

test('TCP through CONNECT: the chain by destination address or name; unknown destinations by outboundTrafficPolicy', async () => {
  // By the ServiceEntry's address (destinationSubnets) and by its name (as DNS capture resolves it).
  assert.deepEqual(await tunnel('127.0.0.7:9000', 'hi'), { status: 200, reply: 'echo:hi' });
  assert.deepEqual(await tunnel('tcp.example.com:9000', 'hey'), { status: 200, reply: 'echo:hey' });
  await until('the TCP log line', async () =>
    (await logOf('sleep')).includes('outbound|9000||tcp.example.com'),
  );
  assert.match(
    (await logOf('sleep')).split('\n').find((l) => l.includes('outbound|9000||tcp.example.com')) ??
      '',
    /"- - -" 0 - - - "-" \d+ \d+ /,
  );
  // An HTTP port: HTTP inside the tunnel runs the listener's route table (sleep.default:80).
  const http = await tunnel('sleep:80', 'GET /health HTTP/1.1\r\nhost: sleep\r\n\r\n');
  assert.match(http.reply, /^HTTP\/1\.1 200 /);
  await until('the HTTP request in the sleep log', async () =>
    /"GET \/health HTTP\/1\.1" 200 .* outbound\|80\|\|sleep\.default\.svc\.cluster\.local /.test(
      await logOf('sleep'),
    ),
  );
  // ALLOW_ANY (the default): a port no service uses goes to PassthroughCluster, to the CONNECT target.
  const port = (other.address() as AddressInfo).port;
  assert.deepEqual(await tunnel(`127.0.0.8:${port}`, 'x'), { status: 200, reply: 'other:x' });
  await until('PassthroughCluster in the log', async () =>
    (await logOf('sleep')).includes(`"127.0.0.8:${port}" PassthroughCluster`),
  );
  // REGISTRY_ONLY from a Sidecar: BlackHoleCluster, the tunnel is closed (UH, as Envoy logs it).
  const a = mesh.cli(
    ['apply', '-f', '-'],
    `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: default}
spec:
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
`,
  );
  assert.equal(a.status, 0, a.stderr + a.stdout);
  await until('the blackholed tunnel', async () => {
    const t = await tunnel(`127.0.0.8:${port}`, 'x');
    return t.status === 200 && t.reply === '';
  });
  assert.match(await logOf('sleep'), /"- - -" 0 UH .*"-" BlackHoleCluster /);
});

// Commands inside a pod, run as exec runs them (runCommand with the container's env), against real
// servers on port 0: curl's options, output and exit codes (curl(1), libcurl-errors(3)), POSIX sh for
// the `sh -c` forms Istio's tasks use, and a shell's "command not found" (status 127).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { runCommand } from './commands.js';
import type { PodIo } from './io.js';
import { createPki, type TestPki } from '../../test/helpers/certs.js';

let app: Server;
let proxy: Server;
let tlsServer: Server;
let silent: Server;
let pki: TestPki;
let appPort = 0;
let proxyPort = 0;
let tlsPort = 0;
let silentPort = 0;
const proxied: string[] = [];

const listen = (s: Server): Promise<number> =>
  new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

before(async () => {
  app = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/target' });
        res.end();
        return;
      }
      if (req.url === '/status/503') {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('no healthy upstream');
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/plain',
        'x-seen-ua': req.headers['user-agent'] ?? '',
      });
      res.end(`${req.method} ${req.url} ${req.headers['x-user'] ?? ''} ${body}`.trimEnd() + '\n');
    });
  });
  appPort = await listen(app);
  // The pod's sidecar as HTTP_PROXY: answers absolute-form requests and tunnels CONNECT.
  proxy = createServer((req, res) => {
    proxied.push(`${req.method} ${req.url}`);
    res.end(`proxied ${req.url}\n`);
  });
  proxy.on('connect', (req, socket) => {
    proxied.push(`CONNECT ${req.url}`);
    const upstream = connect(tlsPort, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
  });
  proxyPort = await listen(proxy);
  pki = createPki();
  const leaf = pki.issue(['secure.example.com']);
  tlsServer = createHttpsServer({ cert: leaf.cert, key: leaf.key }, (_req, res) =>
    res.end('secret\n'),
  );
  tlsPort = await listen(tlsServer);
  silent = createServer(() => undefined);
  silentPort = await listen(silent);
});

after(async () => {
  for (const s of [app, proxy, tlsServer, silent]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function run(
  argv: string[],
  env: Record<string, string> = {},
  files: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: PodIo = {
    env: { HOSTNAME: 'reviews-v1-abc', ...env },
    out: (d) => void (out += d.toString()),
    err: (d) => void (err += d.toString()),
    readStdin: async () => Buffer.alloc(0),
    readFile: async (p) => (files[p] === undefined ? undefined : Buffer.from(files[p])),
  };
  const code = await runCommand(argv, io);
  return { code, out, err };
}

const url = (path: string) => `http://127.0.0.1:${appPort}${path}`;

test('curl prints the body; -s -o /dev/null -w "%{http_code}\\n" prints only the code', async () => {
  assert.deepEqual(await run(['curl', '-s', url('/a')]), { code: 0, out: 'GET /a\n', err: '' });
  const w = await run(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}\\n', url('/b')]);
  assert.deepEqual(w, { code: 0, out: '200\n', err: '' });
});

test('curl -I prints the status line and headers; -i adds the body; -A/-H/-X/-d are sent', async () => {
  const head = await run(['curl', '-sI', url('/h')]);
  assert.match(head.out, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(head.out, /\r\nx-seen-ua: curl\/8\.\d+\.\d+\r\n/);
  assert.ok(head.out.endsWith('\r\n\r\n'));
  const post = await run([
    'curl',
    '-s',
    '-X',
    'PUT',
    '-H',
    'x-user: jason',
    '-d',
    'a=1',
    '-d',
    'b=2',
    url('/p'),
  ]);
  assert.equal(post.out, 'PUT /p jason a=1&b=2\n');
  const posted = await run(
    ['curl', '-s', '-d', '@/etc/body', url('/f')],
    {},
    { '/etc/body': 'x=y\n' },
  );
  assert.equal(posted.out, 'POST /f  x=y\n');
});

test('curl -L follows redirects; -f fails with 22 on 4xx/5xx', async () => {
  const follow = await run(['curl', '-sL', '-w', ' %{num_redirects}', url('/redirect')]);
  assert.equal(follow.out, 'GET /target\n 1');
  const fail = await run(['curl', '-sSf', url('/status/503')]);
  assert.equal(fail.code, 22);
  assert.equal(fail.err, 'curl: (22) The requested URL returned error: 503\n');
  const quiet = await run(['curl', '-sf', url('/status/503')]);
  assert.deepEqual(quiet, { code: 22, out: '', err: '' });
});

test('curl exit codes: 7 refused, 28 --max-time, 6 unknown host when direct, 2 bad option', async () => {
  const refused = await run(['curl', '-sS', '-w', '%{http_code}', 'http://127.0.0.1:1/']);
  assert.equal(refused.code, 7);
  assert.equal(refused.out, '000');
  assert.match(
    refused.err,
    /^curl: \(7\) Failed to connect to 127\.0\.0\.1 port 1 after \d+ ms: Couldn't connect to server\n$/,
  );
  const slow = await run(['curl', '-sS', '--max-time', '0.2', `http://127.0.0.1:${silentPort}/`]);
  assert.equal(slow.code, 28);
  assert.match(
    slow.err,
    /curl: \(28\) Operation timed out after \d+ milliseconds with 0 bytes received/,
  );
  const unknown = await run(['curl', '-sS', 'http://no-such-host.invalid/']);
  assert.equal(unknown.code, 6);
  assert.equal(unknown.err, 'curl: (6) Could not resolve host: no-such-host.invalid\n');
  const bad = await run(['curl', '--frobnicate', url('/')]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /curl: \(2\) option --frobnicate: is unknown/);
});

// The pod's outbound traffic goes through its sidecar: http:// in absolute form to http_proxy,
// https:// as a CONNECT tunnel through https_proxy with TLS end to end (--cacert from the pod's files).
test('curl through the pod proxy env: absolute-form http, CONNECT + TLS for https', async () => {
  const p = `http://127.0.0.1:${proxyPort}`;
  const env = { http_proxy: p, HTTP_PROXY: p, https_proxy: p, HTTPS_PROXY: p };
  const plain = await run(['curl', '-s', 'http://reviews:9080/reviews/0'], env);
  assert.equal(plain.out, 'proxied http://reviews:9080/reviews/0\n');
  const files = { '/etc/certs/root-cert.pem': readFileSync(pki.ca.certFile, 'utf8') };
  const secure = await run(
    ['curl', '-sS', '--cacert', '/etc/certs/root-cert.pem', 'https://secure.example.com/'],
    env,
    files,
  );
  assert.deepEqual(secure, { code: 0, out: 'secret\n', err: '' });
  assert.ok(proxied.includes('CONNECT secure.example.com:443'));
  const untrusted = await run(['curl', '-sS', 'https://secure.example.com/'], env);
  assert.equal(untrusted.code, 60);
  const insecure = await run(['curl', '-sk', 'https://secure.example.com/'], env);
  assert.equal(insecure.out, 'secret\n');
});

test('sh -c: ; && || loops over $(seq), quotes, $VAR, exit N, >/dev/null', async () => {
  assert.equal((await run(['sh', '-c', 'echo a; echo b'])).out, 'a\nb\n');
  assert.equal((await run(['sh', '-c', 'false && echo no || echo yes'])).out, 'yes\n');
  assert.equal(
    (
      await run([
        'sh',
        '-c',
        `for i in $(seq 1 3); do curl -s -o /dev/null -w "%{http_code} $i\\n" ${url('/')}; done`,
      ])
    ).out,
    '200 1\n200 2\n200 3\n',
  );
  assert.equal(
    (await run(['sh', '-c', `echo "host $HOSTNAME" 'not $HOSTNAME'`])).out,
    'host reviews-v1-abc not $HOSTNAME\n',
  );
  assert.equal(
    (await run(['sh', '-c', 'echo gone > /dev/null; nope 2>/dev/null; echo $?'])).out,
    '127\n',
  );
  assert.equal((await run(['/bin/sh', '-c', 'echo x; exit 4'])).code, 4);
  const amp = await run(['sh', '-c', 'sleep 1 &']);
  assert.equal(amp.code, 2);
  assert.match(amp.err, /^sh: syntax error: "&" is not supported/);
});

test("sh -c: (list) | cmd pipes the subshell's output; its status is the last command's", async () => {
  assert.equal((await run(['sh', '-c', '(echo a; echo b) | cat'])).out, 'a\nb\n');
  assert.equal((await run(['sh', '-c', 'echo x | cat | cat; echo $?'])).out, 'x\n0\n');
  assert.equal((await run(['sh', '-c', 'echo x | false'])).code, 1);
  assert.equal((await run(['sh', '-c', '(X=1; exit 3); echo $? $X'])).out, '3\n');
  assert.match(
    (await run(['sh', '-c', 'date'])).out,
    /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d UTC \d{4}\n$/,
  );
});

test("nc HOST PORT: stdin to the connection through the proxy env's CONNECT, the reply to stdout", async () => {
  // A tcp-echo-like server: each line comes back prefixed; the end of input ends the reply.
  const echo = createNetServer((s) => {
    s.on('data', (d: Buffer) => s.write(`one ${d.toString()}`));
    s.on('end', () => s.end());
  });
  const echoPort = await new Promise<number>((r) =>
    echo.listen(0, '127.0.0.1', () => r((echo.address() as AddressInfo).port)),
  );
  const tunnels: string[] = [];
  const tunnel = createServer();
  tunnel.on('connect', (req, socket) => {
    tunnels.push(req.url ?? '');
    const up = connect(echoPort, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 OK\r\n\r\n');
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
  });
  const tunnelPort = await listen(tunnel);
  try {
    const env = { https_proxy: `http://127.0.0.1:${tunnelPort}` };
    const r = await run(['sh', '-c', '(echo hello; sleep 0) | nc tcp-echo 9000'], env);
    assert.deepEqual(r, { code: 0, out: 'one hello\n', err: '' });
    assert.deepEqual(tunnels, ['tcp-echo:9000']);
    const direct = await run(['nc', '127.0.0.1', String(echoPort)], { NO_PROXY: '*' });
    assert.equal(direct.code, 0);
    const refused = await run(['nc', '127.0.0.1', '1'], { NO_PROXY: '*' });
    assert.deepEqual(refused, {
      code: 1,
      out: '',
      err: "nc: can't connect to remote host (127.0.0.1): Connection refused\n",
    });
    assert.equal((await run(['nc', 'onlyhost'])).code, 1);
  } finally {
    tunnel.closeAllConnections();
    await new Promise((r) => tunnel.close(r));
    await new Promise((r) => echo.close(r));
  }
});

test('unknown command: 127 and "<cmd>: command not found"; env, hostname, cat', async () => {
  assert.deepEqual(await run(['wget', 'x']), {
    code: 127,
    out: '',
    err: 'wget: command not found\n',
  });
  assert.equal((await run(['hostname'])).out, 'reviews-v1-abc\n');
  assert.match(
    (await run(['env'], { HTTP_PROXY: 'http://127.0.0.1:1' })).out,
    /^HTTP_PROXY=http:\/\/127\.0\.0\.1:1$/m,
  );
  const cat = await run(
    ['cat', '/etc/certs/cert-chain.pem', '/missing'],
    {},
    { '/etc/certs/cert-chain.pem': 'PEM\n' },
  );
  assert.deepEqual(cat, {
    code: 1,
    out: 'PEM\n',
    err: 'cat: /missing: No such file or directory\n',
  });
});

test('fortio load reports fortio-style; fortio curl prints the whole response', async () => {
  const load = await run(['fortio', 'load', '-c', '2', '-qps', '0', '-n', '10', url('/load')]);
  assert.equal(load.code, 0, load.err);
  assert.match(load.out, /^Code 200 : 10 \(100\.0 %\)$/m);
  const fc = await run(['fortio', 'curl', url('/fc')]);
  assert.match(fc.out, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nGET \/fc\n$/);
});

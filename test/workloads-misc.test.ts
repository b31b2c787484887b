// httpbin, tcp-echo, the sleep client through an HTTP forward proxy, and the `workload` command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startHttpbin, startReviews, startSleep, startTcpEcho } from '../src/workloads/index.js';
import { bypassesProxy } from '../src/workloads/mesh-client.js';
import { pickStatus } from '../src/workloads/httpbin.js';
import { SequenceRandom } from '../src/runtime/random.js';

async function getJson(port: number, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  const text = await res.text();
  return {
    status: res.status,
    text,
    json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}

test('httpbin endpoints', async (t) => {
  const httpbin = await startHttpbin({ port: 0, random: new SequenceRandom([0.1, 0.9]) });
  t.after(() => httpbin.close());
  const p = httpbin.port;
  assert.equal((await getJson(p, '/status/418')).status, 418);
  assert.equal((await getJson(p, '/status/503')).status, 503);
  // comma list: 0.1 picks the first, 0.9 the second
  assert.equal((await getJson(p, '/status/200,503')).status, 200);
  assert.equal((await getJson(p, '/status/200,503')).status, 503);
  assert.equal((await getJson(p, '/status/abc')).status, 400);
  const headers = await getJson(p, '/headers', { 'x-custom': 'yes' });
  assert.deepEqual((headers.json!.headers as Record<string, string[]>)['X-Custom'], ['yes']);
  const got = await getJson(p, '/get?a=1');
  assert.deepEqual(got.json!.args, { a: ['1'] });
  assert.equal(got.json!.method, 'GET');
  const anything = await fetch(`http://127.0.0.1:${p}/anything/x/y`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"k":1}',
  });
  const a = (await anything.json()) as Record<string, unknown>;
  assert.equal(a.method, 'POST');
  assert.deepEqual(a.json, { k: 1 });
  assert.equal((await getJson(p, '/ip')).json!.origin, '127.0.0.1');
  assert.equal(
    (await getJson(p, '/ip', { 'x-forwarded-for': '10.1.2.3, 10.0.0.1' })).json!.origin,
    '10.1.2.3',
  );
  const delayed = await getJson(p, '/delay/0');
  assert.equal(delayed.status, 200);
  // go-httpbin takes a Go duration as well as float seconds (mccutchen/go-httpbin helpers.go parseDuration)
  assert.equal((await getJson(p, '/delay/1ms')).status, 200);
  assert.equal((await getJson(p, '/delay/0.001')).status, 200);
  assert.equal((await getJson(p, '/delay/soon')).status, 400);
  assert.equal((await getJson(p, '/nope')).status, 404);
});

test('httpbin status weights', () => {
  assert.equal(pickStatus('200:0.9,503:0.1', new SequenceRandom([0.85])), 200);
  assert.equal(pickStatus('200:0.9,503:0.1', new SequenceRandom([0.95])), 503);
  assert.equal(pickStatus('99', new SequenceRandom([0])), undefined);
});

test('tcp-echo prefixes each line', async (t) => {
  const echo = await startTcpEcho({ port: 0, env: { TCP_ECHO_PREFIX: 'hello' } });
  t.after(() => echo.close());
  const socket = net.connect(echo.port, '127.0.0.1');
  socket.setEncoding('utf8');
  let got = '';
  socket.on('data', (d: string) => (got += d));
  socket.write('world\nagain\n');
  while (!got.endsWith('hello again\n')) await once(socket, 'data');
  assert.equal(got, 'hello world\nhello again\n');
  socket.end();
  const v2 = await startTcpEcho({ port: 0, version: 'v2', env: {} });
  t.after(() => v2.close());
  const s2 = net.connect(v2.port, '127.0.0.1');
  s2.setEncoding('utf8');
  s2.write('x\n');
  const [line] = (await once(s2, 'data')) as [string];
  assert.equal(line, 'two x\n');
  s2.end();
});

test('sleep /fetch goes through HTTP_PROXY in absolute form', async (t) => {
  const httpbin = await startHttpbin({ port: 0 });
  t.after(() => httpbin.close());
  // a tiny forward proxy: records the request line and sends `httpbin:8000` to the real port
  const seen: { url: string; host: string | undefined }[] = [];
  const proxy = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', host: req.headers.host });
    const target = new URL(req.url ?? '');
    const port = target.hostname === 'httpbin' ? httpbin.port : 1;
    const up = http.request(
      {
        host: '127.0.0.1',
        port,
        path: `${target.pathname}${target.search}`,
        method: req.method,
        headers: req.headers,
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => {
      res.writeHead(503);
      res.end('no healthy upstream');
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  t.after(() => {
    proxy.closeAllConnections();
    proxy.close();
  });
  const proxyPort = (proxy.address() as { port: number }).port;
  const sleep = await startSleep({ port: 0, env: { HTTP_PROXY: `http://127.0.0.1:${proxyPort}` } });
  t.after(() => sleep.close());
  const target = encodeURIComponent('http://httpbin:8000/headers');
  const r = await getJson(
    sleep.port,
    `/fetch?url=${target}&header=${encodeURIComponent('end-user: jason')}`,
  );
  assert.equal(r.status, 200);
  assert.equal(r.json!.status, 200);
  const body = JSON.parse(r.json!.body as string) as { headers: Record<string, string[]> };
  assert.deepEqual(body.headers['End-User'], ['jason']);
  assert.deepEqual(seen[0], { url: 'http://httpbin:8000/headers', host: 'httpbin:8000' });
  const status = await getJson(
    sleep.port,
    `/fetch?url=${encodeURIComponent('http://httpbin:8000/status/503')}`,
  );
  assert.equal(status.json!.status, 503);
  // without a proxy the client connects directly
  const direct = await startSleep({ port: 0, env: {} });
  t.after(() => direct.close());
  const d = await getJson(
    direct.port,
    `/fetch?url=${encodeURIComponent(`http://127.0.0.1:${httpbin.port}/ip`)}`,
  );
  assert.equal(JSON.parse(d.json!.body as string).origin, '127.0.0.1');
  // NO_PROXY hosts bypass the proxy
  const bypass = await startSleep({
    port: 0,
    env: { HTTP_PROXY: 'http://127.0.0.1:1', NO_PROXY: 'localhost,127.0.0.1' },
  });
  t.after(() => bypass.close());
  const b = await getJson(
    bypass.port,
    `/fetch?url=${encodeURIComponent(`http://127.0.0.1:${httpbin.port}/ip`)}`,
  );
  assert.equal(b.json!.status, 200);
  assert.equal(bypassesProxy('api.example.com', { NO_PROXY: '.example.com' }), true);
  assert.equal(bypassesProxy('reviews', { NO_PROXY: 'example.com' }), false);
  const refused = await getJson(
    direct.port,
    `/fetch?url=${encodeURIComponent('http://127.0.0.1:1/')}`,
  );
  assert.equal(refused.status, 502);
  assert.equal(refused.json!.code, 'ECONNREFUSED');
});

test('`switchyard workload` prints its port and exits cleanly on SIGTERM', async () => {
  const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const child = spawn(
    process.execPath,
    [main, 'workload', 'httpbin', '--port', '0', '--version', 'v2', '-q'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8');
  while (!/listening on 127\.0\.0\.1:\d+\n/.test(out)) {
    const [chunk] = (await once(child.stdout, 'data')) as [string];
    out += chunk;
  }
  const port = Number(/:(\d+)\n/.exec(out)![1]);
  assert.equal((await getJson(port, '/status/204')).status, 204);
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
});

test('reviews forwards end-user and trace headers to ratings', async (t) => {
  const seen: http.IncomingHttpHeaders[] = [];
  const ratings = http.createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"id":0,"ratings":{"Reviewer1":3,"Reviewer2":1}}');
  });
  await new Promise<void>((r) => ratings.listen(0, '127.0.0.1', r));
  t.after(() => {
    ratings.closeAllConnections();
    ratings.close();
  });
  const port = (ratings.address() as { port: number }).port;
  const reviews = await startReviews({
    port: 0,
    version: 'v2',
    env: { RATINGS_HOSTNAME: '127.0.0.1', RATINGS_SERVICE_PORT: String(port) },
  });
  t.after(() => reviews.close());
  const r = await getJson(reviews.port, '/reviews/0', {
    'end-user': 'jason',
    'x-request-id': 'abc',
    'x-b3-traceid': '0123456789abcdef',
    'x-unrelated': 'no',
  });
  assert.deepEqual((r.json!.reviews as { rating: unknown }[])[0]!.rating, {
    stars: 3,
    color: 'black',
  });
  assert.equal(seen[0]!['end-user'], 'jason');
  assert.equal(seen[0]!['x-request-id'], 'abc');
  assert.equal(seen[0]!['x-b3-traceid'], '0123456789abcdef');
  assert.equal(seen[0]!['x-unrelated'], undefined);
  assert.equal(seen[0]!.host, `127.0.0.1:${port}`);
});

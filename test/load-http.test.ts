// `switchyard load` against real sockets: per-code counts, the proxy path and --from resolution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../src/runtime/clock.js';
import { parseLoadArgs, pickProxy, resolveFrom, ResolveError, runLoad } from '../src/load/index.js';

async function listen(
  handler: http.RequestListener,
): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

function stop(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((r) => server.close(() => r()));
}

test('load counts 200 and 503 answers as fortio prints them', async (t) => {
  let n = 0;
  const seenHeaders: http.IncomingHttpHeaders[] = [];
  const { server, port } = await listen((req, res) => {
    seenHeaders.push(req.headers);
    n++;
    res.writeHead(n % 10 === 0 ? 503 : 200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  t.after(() => stop(server));
  const lines: string[] = [];
  const o = parseLoadArgs([
    '-c',
    '3',
    '-qps',
    '0',
    '-n',
    '30',
    '-H',
    'x-test: 1',
    `http://127.0.0.1:${port}/reviews/1`,
  ])!;
  const result = await runLoad(o, {
    clock: systemClock,
    out: (l) => lines.push(l),
    err: () => {},
    procs: 2,
  });
  const text = lines.join('\n');
  assert.match(
    lines[0]!,
    /^Fortio \S+ running at 0 queries per second, 2->2 procs, for 30 calls: http:\/\/127\.0\.0\.1:\d+\/reviews\/1$/,
  );
  assert.match(
    text,
    /^Starting at max qps with 3 thread\(s\) \[gomax 2\] for exactly 30 calls \(10 per thread \+ 0\)$/m,
  );
  assert.match(text, /^Ended after \S+ : 30 calls\. qps=\S+$/m);
  assert.match(
    text,
    /^Aggregated Function Time : count 30 avg \S+ \+\/- \S+ min \S+ max \S+ sum \S+$/m,
  );
  assert.match(text, /^# range, mid point, percentile, count$/m);
  assert.match(text, /^# target 50% \S+$/m);
  assert.match(text, /^# target 99\.9% \S+$/m);
  assert.match(text, /^Sockets used: 3 \(for perfect keepalive, would be 3\)$/m);
  assert.match(text, /^Code 200 : 27 \(90\.0 %\)$/m);
  assert.match(text, /^Code 503 : 3 \(10\.0 %\)$/m);
  assert.match(text, /^All done 30 calls \(plus 0 warmup\) \S+ ms avg, \S+ qps$/m);
  assert.deepEqual(result.RetCodes, { '200': 27, '503': 3 });
  assert.equal(seenHeaders.length, 30);
  assert.equal(seenHeaders[0]!['x-test'], '1');
});

test('connection failures count as code -1; duration mode does warmup calls', async (t) => {
  const { server, port } = await listen((_req, res) => res.end('ok'));
  t.after(() => stop(server));
  const lines: string[] = [];
  const o = parseLoadArgs(['-c', '2', '-qps', '40', '-t', '100ms', `http://127.0.0.1:${port}/`])!;
  await runLoad(o, { clock: systemClock, out: (l) => lines.push(l), err: () => {}, procs: 1 });
  assert.match(lines.join('\n'), /^All done 4 calls \(plus 2 warmup\)/m);
  const dead = parseLoadArgs(['-c', '1', '-qps', '0', '-n', '2', 'http://127.0.0.1:1/'])!;
  const out: string[] = [];
  const r = await runLoad(dead, { clock: systemClock, out: (l) => out.push(l), err: () => {} });
  assert.match(out.join('\n'), /^Code {2}-1 : 2 \(100\.0 %\)$/m);
  assert.deepEqual(r.RetCodes, { '-1': 2 });
});

test('--proxy sends absolute-form requests; --from resolves a sidecar via /proxies', async (t) => {
  const lines: string[] = [];
  const seen: string[] = [];
  const proxy = await listen((req, res) => {
    seen.push(`${req.url} host=${req.headers.host}`);
    res.end('via proxy');
  });
  t.after(() => stop(proxy.server));
  const admin = await listen((req, res) => {
    assert.equal(req.url, '/proxies');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify([
        { name: 'istio-ingressgateway', workload: 'istio-ingressgateway', outbound: '127.0.0.1:1' },
        { name: 'sleep-v1.default', workload: 'sleep', outbound: `127.0.0.1:${proxy.port}` },
      ]),
    );
  });
  t.after(() => stop(admin.server));
  const proxyUrl = await resolveFrom(`http://127.0.0.1:${admin.port}`, 'sleep');
  assert.equal(proxyUrl, `http://127.0.0.1:${proxy.port}`);
  const o = parseLoadArgs([
    '-qps',
    '0',
    '-n',
    '2',
    '-c',
    '1',
    '--proxy',
    proxyUrl,
    'http://reviews:9080/reviews/1',
  ])!;
  await runLoad(o, { clock: systemClock, out: (l) => lines.push(l), err: () => {} });
  assert.deepEqual(seen, [
    'http://reviews:9080/reviews/1 host=reviews:9080',
    'http://reviews:9080/reviews/1 host=reviews:9080',
  ]);
  assert.match(lines.join('\n'), /^Code 200 : 2 \(100\.0 %\)$/m);
  assert.equal(
    pickProxy([{ name: 'sleep-v1-abc.default', outbound: '127.0.0.1:9' }], 'sleep').outbound,
    '127.0.0.1:9',
  );
  assert.throws(() => pickProxy([], 'sleep'), /no sidecar found for workload "sleep"/);
  await assert.rejects(resolveFrom('http://127.0.0.1:1', 'sleep'), ResolveError);
});

test('`switchyard load --from` without a running mesh prints a clear error', async () => {
  const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const child = spawn(
    process.execPath,
    [
      main,
      'load',
      '--from',
      'sleep',
      '--server',
      'http://127.0.0.1:1',
      '-n',
      '1',
      'http://reviews:9080/',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (err += d));
  const [code] = (await once(child, 'exit')) as [number];
  assert.equal(code, 1);
  assert.match(
    err,
    /^error: no mesh at http:\/\/127\.0\.0\.1:1 \(is `switchyard up` running\? pass --server URL\)/,
  );
});

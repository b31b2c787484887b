// `npm run bench:http1`: the HTTP/1 codec (src/proxy/http1) against llhttp via node:http, measured
// as performance.md asks (interleaved rounds, medians, ratios from one run):
//  1. parse-only: realistic proxied request heads through parseRequestHead vs through a node:http
//     server (llhttp + IncomingMessage, fed by an in-memory socket), and response heads through
//     parseResponseHead;
//  2. end to end: wrk -t1 -c32 through a raw-socket forwarder built on the codec
//     (http1-raw-forwarder.ts) vs a node:http forwarder (baseline-proxy.ts), the upstream nginx
//     `return 200` (or node:http) and wrk pinned to core 0, the forwarder alone on core 1.
// BENCH_ROUNDS (default 5 parse / 3 e2e), BENCH_DURATION (default 5s), BENCH_CONNECTIONS (32).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { HeadError } from '../src/proxy/http1/head-error.js';
import { parseRequestHead, parseResponseHead } from '../src/proxy/http1/head-parser.js';
import { hasNginx, startNginx } from './nginx.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const E2E_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION = process.env.BENCH_DURATION ?? '5s';
const CONNS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const multiCore = cpus().length >= 2;
const hasTaskset = spawnSync('taskset', ['-V']).status === 0;
const hasWrk = spawnSync('which', ['wrk']).status === 0;

// A request as a browser sends it through an ingress gateway (13 fields, ~700 bytes).
const REQUEST =
  'GET /productpage?u=normal&id=42 HTTP/1.1\r\n' +
  'Host: bookinfo.example.com\r\n' +
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n' +
  'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n' +
  'Accept-Encoding: gzip, deflate, br\r\n' +
  'Accept-Language: en-US,en;q=0.9\r\n' +
  'Cookie: session=6f1c1a2e9d7b4c8e; theme=dark; _ga=GA1.2.1234567890.1700000000\r\n' +
  'X-Forwarded-For: 203.0.113.7\r\n' +
  'X-Forwarded-Proto: https\r\n' +
  'X-Request-Id: 9b2c4f7e-3a1d-4e5f-8c6b-0d9e8f7a6b5c\r\n' +
  'X-B3-TraceId: 80f198ee56343ba864fe8b2a57d3eff7\r\n' +
  'X-B3-SpanId: e457b5a2e4d86bd1\r\n' +
  'X-B3-Sampled: 1\r\n' +
  'Connection: keep-alive\r\n\r\n';
const RESPONSE =
  'HTTP/1.1 200 OK\r\n' +
  'content-type: text/html; charset=utf-8\r\n' +
  'content-length: 100\r\n' +
  'date: Wed, 02 Dec 2026 12:00:00 GMT\r\n' +
  'x-envoy-upstream-service-time: 3\r\n' +
  'server: istio-envoy\r\n' +
  'cache-control: no-cache\r\n\r\n' +
  'x'.repeat(100);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** CPU milliseconds (user + system) this process used so far: robust on a loaded machine. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Heads per CPU second through parseRequestHead, for `ms` milliseconds. */
function oursRequests(ms: number): number {
  const buf = Buffer.from(REQUEST, 'latin1');
  let n = 0;
  const cpu0 = cpuMs();
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let k = 0; k < 1000; k++) {
      const h = parseRequestHead(buf);
      if (!h || h instanceof HeadError) throw new Error('bench request did not parse');
      n++;
    }
  }
  return n / ((cpuMs() - cpu0) / 1000);
}

function oursResponses(ms: number): number {
  const buf = Buffer.from(RESPONSE, 'latin1');
  let n = 0;
  const cpu0 = cpuMs();
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let k = 0; k < 1000; k++) {
      const h = parseResponseHead(buf, 'GET');
      if (!h || h instanceof HeadError) throw new Error('bench response did not parse');
      n++;
    }
  }
  return n / ((cpuMs() - cpu0) / 1000);
}

/** An in-memory socket: what is pushed is read by the server, what it writes is dropped. */
class MemorySocket extends Duplex {
  remoteAddress = '127.0.0.1';
  remotePort = 1;
  override _read(): void {}
  override _write(_c: unknown, _e: BufferEncoding, cb: (e?: Error | null) => void): void {
    cb();
  }
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
}

/** Requests per second through a node:http server (llhttp + IncomingMessage + ServerResponse). */
async function nodeRequests(ms: number): Promise<number> {
  let seen = 0;
  const server = createServer((_req, res) => {
    seen++;
    res.end();
  });
  const sock = new MemorySocket();
  server.emit('connection', sock);
  const batch = Buffer.from(REQUEST.repeat(100), 'latin1');
  const cpu0 = cpuMs();
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const target = seen + 100;
    sock.push(batch);
    while (seen < target) await new Promise((r) => setImmediate(r));
  }
  const rate = seen / ((cpuMs() - cpu0) / 1000);
  sock.destroy();
  server.close();
  return rate;
}

function pin(core: number, cmd: string, args: string[]): [string, string[]] {
  return hasTaskset && multiCore ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args];
}

async function start(script: string, args: string[], core: number) {
  const [cmd, argv] = pin(core, process.execPath, [join(here, script), ...args]);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) =>
      resolve((JSON.parse(d.toString().split('\n')[0] ?? '{}') as { port: number }).port),
    );
    child.once('exit', (c) => reject(new Error(`${script} exited ${c}`)));
  });
  return { child, port };
}

/** CPU milliseconds (user + system) a process has used, from /proc (Linux). */
function procCpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

function wrk(port: number, duration: string): number {
  const [cmd, argv] = pin(0, 'wrk', [
    '-t1',
    `-c${CONNS}`,
    `-d${duration}`,
    '-H',
    'Host: bench',
    `http://127.0.0.1:${port}/`,
  ]);
  const out = spawnSync(cmd, argv, { encoding: 'utf8' });
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out.stdout);
  if (/Non-2xx/.test(out.stdout)) console.log(`  (non-2xx answers on :${port})`);
  return m ? Number(m[1]) : NaN;
}

async function parseOnly(): Promise<void> {
  console.log(
    `parse-only, ${ROUNDS} interleaved rounds of 1 s each, rates per CPU second of this process:`,
  );
  const ours: number[] = [];
  const node: number[] = [];
  const resp: number[] = [];
  oursRequests(300); // warm-up
  await nodeRequests(300);
  for (let r = 1; r <= ROUNDS; r++) {
    ours.push(oursRequests(1000));
    node.push(await nodeRequests(1000));
    resp.push(oursResponses(1000));
    console.log(
      `  round ${r}: codec ${fmt(ours.at(-1)!)} req heads/s, node:http ${fmt(node.at(-1)!)} req/s, codec ${fmt(resp.at(-1)!)} resp heads/s`,
    );
  }
  console.log(
    `  medians: codec ${fmt(median(ours))} request heads/s, node:http (llhttp + IncomingMessage) ${fmt(median(node))} requests/s -> ${(median(ours) / median(node)).toFixed(1)}x; codec ${fmt(median(resp))} response heads/s`,
  );
}

async function endToEnd(): Promise<void> {
  if (!hasWrk) {
    console.log('end to end: skipped (wrk not installed; scripts/install-bench-deps.sh)');
    return;
  }
  const upstream: { child: ChildProcess; port: number } = hasNginx
    ? await startNginx({ kind: 'upstream' }, (c, a) => pin(0, c, a))
    : await start('upstream.js', [], 0);
  console.log(
    `\nend to end: wrk -t1 -c${CONNS} -d${DURATION}, ${E2E_ROUNDS} interleaved rounds, upstream ${hasNginx ? 'nginx return 200' : 'node:http'} (100-byte body); ${hasTaskset && multiCore ? 'wrk + upstream on core 0, forwarder on core 1' : 'no pinning'}`,
  );
  const subjects = [
    ['node:http forwarder', 'baseline-proxy.js'],
    ['codec raw forwarder', 'http1-raw-forwarder.js'],
  ] as const;
  const rps: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  for (let r = 1; r <= E2E_ROUNDS; r++) {
    for (const [name, script] of subjects) {
      const p = await start(script, [String(upstream.port)], 1);
      wrk(p.port, '1s'); // warm-up
      const cpu0 = procCpuMs(p.child.pid);
      const v = wrk(p.port, DURATION);
      const us = ((procCpuMs(p.child.pid) - cpu0) * 1000) / (v * Number.parseFloat(DURATION));
      (rps[name] ??= []).push(v);
      (cpu[name] ??= []).push(us);
      console.log(
        `  round ${r} ${name.padEnd(20)} ${fmt(v).padStart(7)} req/s  ${us.toFixed(1)} µs CPU/request`,
      );
      p.child.kill();
    }
  }
  upstream.child.kill();
  const a = median(rps['node:http forwarder'] ?? []);
  const b = median(rps['codec raw forwarder'] ?? []);
  const ca = median(cpu['node:http forwarder'] ?? []);
  const cb = median(cpu['codec raw forwarder'] ?? []);
  console.log(
    `  medians: node:http ${fmt(a)} req/s, codec ${fmt(b)} req/s -> codec / node:http ${(b / a).toFixed(2)}x`,
  );
  console.log(
    `  forwarder CPU per request: node:http ${ca.toFixed(1)} µs, codec ${cb.toFixed(1)} µs -> ${(ca / cb).toFixed(2)}x less (req/s per core if CPU-bound: ${fmt(1e6 / ca)} vs ${fmt(1e6 / cb)})`,
  );
}

async function main(): Promise<void> {
  console.log(
    `node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? '?'}, load ${(
      await import('node:os')
    )
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  await parseOnly();
  await endToEnd();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// `npm run bench`: direct vs a featureless node:http proxy vs Switchyard (routing + header ops +
// access log), measured as docs/performance.md asks: wrk (neutral load generator, 1 thread) and the
// upstream pinned to core 0, the proxy alone on core 1, >= 3 interleaved rounds, medians, ratios.
// Latency at ~1k req/s uses a paced built-in client (wrk cannot pace), labelled as such.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'undici';
import { get, startMesh, type RunningMesh } from '../test/helpers/mesh.js';
import { hasNginx, startNginx, type Nginx } from './nginx.js';
import { processTree, treeCpuSeconds, treeRssMb } from './proc-stats.js';

const here = dirname(fileURLToPath(import.meta.url));
/** BENCH_SMOKE=1: a few seconds end to end, for CI to keep the bench working (figures meaningless). */
const SMOKE = process.env.BENCH_SMOKE === '1';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (SMOKE ? 1 : 3));
const DURATION = process.env.BENCH_DURATION ?? (SMOKE ? '1s' : '5s');
/** Config sizes for the control-plane figures (bench/compile.ts, bench/apply-loop-delay.ts). */
const COMPILE_SIZES = SMOKE ? [100] : [1000, 10_000];
const APPLY_COUNT = SMOKE ? 200 : 5000;
const CONNS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const multiCore = cpus().length >= 2;
const hasTaskset = spawnSync('taskset', ['-V']).status === 0;
const hasWrk = spawnSync('wrk', ['-v']).status !== null && spawnSync('which', ['wrk']).status === 0;

function pin(core: number, cmd: string, args: string[]): [string, string[]] {
  return hasTaskset && multiCore ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args];
}

async function start(
  script: string,
  args: string[],
  core: number,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; port: number }> {
  const [cmd, argv] = pin(core, process.execPath, [join(here, script), ...args]);
  const child = spawn(cmd, argv, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) =>
      resolve((JSON.parse(d.toString().split('\n')[0] ?? '{}') as { port: number }).port),
    );
    child.once('exit', (c) => reject(new Error(`${script} exited ${c}`)));
  });
  return { child, port };
}

function wrk(port: number, duration: string, path = '/', host = 'bench'): number {
  const [cmd, argv] = pin(0, 'wrk', [
    '-t1',
    `-c${CONNS}`,
    `-d${duration}`,
    '-H',
    `Host: ${host}`,
    `http://127.0.0.1:${port}${path}`,
  ]);
  const out = spawnSync(cmd, argv, { encoding: 'utf8' });
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out.stdout);
  return m ? Number(m[1]) : NaN;
}

/** Built-in fallback when wrk is absent (NOT neutral: it shares the event loop design under test). */
async function loop(port: number, ms: number, path = '/', host = 'bench'): Promise<number> {
  const client = new Client(`http://127.0.0.1:${port}`, { connections: CONNS } as never);
  let n = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: CONNS }, async () => {
      while (performance.now() < end) {
        const r = await client.request({ path, method: 'GET', headers: { host } });
        await r.body.dump();
        n++;
      }
    }),
  );
  await client.close();
  return n / (ms / 1000);
}

interface Paced {
  p50: number;
  p99: number;
  /** Requests per second actually sent (1000 when the pacing held). */
  rate: number;
  /** The subject's CPU over the paced run in vCPU (CPU seconds / wall seconds) at that rate. */
  vcpu: number;
}

/**
 * Paced client: one request due every millisecond (1k req/s) on one keep-alive connection, the
 * same for the direct upstream and every proxy, so added latency is the difference of the two.
 * Latency is timed from send; a request answered late delays the next, so `rate` is reported.
 */
async function pacedLatency(
  port: number,
  count: number,
  cpu: () => number,
  path = '/',
  host = 'bench',
): Promise<Paced> {
  const client = new Client(`http://127.0.0.1:${port}`);
  const lat: number[] = [];
  const cpu0 = cpu();
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const due = start + i;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    const r = await client.request({ path, method: 'GET', headers: { host } });
    await r.body.dump();
    lat.push(performance.now() - t0);
  }
  const wallS = (performance.now() - start) / 1000;
  const vcpu = (cpu() - cpu0) / wallS;
  await client.close();
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return { p50: q(0.5), p99: q(0.99), rate: count / wallS, vcpu };
}

const fmt = (x: number, digits: number, unit: string) =>
  Number.isNaN(x) ? '-' : x.toFixed(digits) + unit;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

async function main(): Promise<void> {
  console.log(
    `bench: ${ROUNDS} interleaved rounds, ${DURATION} per run, ${CONNS} connections, load generator: ${hasWrk ? 'wrk -t1 (neutral)' : 'built-in loop (NOT neutral: wrk not installed)'}`,
  );
  console.log(
    `pinning: ${hasTaskset && multiCore ? 'upstream + load generator on core 0, proxy on core 1' : 'none (taskset or a second core missing)'}`,
  );
  // nginx `return 200` is the upstream when installed (docs/performance.md's method), else a Node server.
  const upstream: { child: ChildProcess; port: number } = hasNginx
    ? await startNginx({ kind: 'upstream' }, (c, a) => pin(0, c, a))
    : await start('upstream.js', [], 0);
  console.log(
    `upstream: ${hasNginx ? 'nginx return 200 (1 worker)' : 'node:http (nginx not installed)'}`,
  );
  // BENCH_NODE_CODEC=1 adds Switchyard with its downstream on node:http (http1Codec 'node').
  const targets: string[] = ['direct', 'node-http-proxy', 'switchyard'];
  if (process.env.BENCH_NODE_CODEC === '1') targets.push('switchyard-llhttp');
  if (hasNginx) targets.push('nginx');
  const res: Record<
    string,
    {
      rps: number[];
      p50: number[];
      p99: number[];
      rss: number[];
      cpuUs: number[];
      vcpu1k: number[];
      rate: number[];
    }
  > = {};
  for (const t of targets)
    res[t] = { rps: [], p50: [], p99: [], rss: [], cpuUs: [], vcpu1k: [], rate: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const t of targets) {
      let proc: { child: ChildProcess; port: number } | undefined;
      let nginx: Nginx | undefined;
      let port = upstream.port;
      if (t === 'nginx') {
        nginx = await startNginx({ kind: 'proxy', upstreamPort: upstream.port }, (c, a) =>
          pin(1, c, a),
        );
        proc = nginx;
      }
      if (t === 'node-http-proxy')
        proc = await start('baseline-proxy.js', [String(upstream.port)], 1);
      if (t === 'switchyard') proc = await start('switchyard-proxy.js', [String(upstream.port)], 1);
      if (t === 'switchyard-llhttp')
        proc = await start('switchyard-proxy.js', [String(upstream.port)], 1, {
          SWITCHYARD_HTTP1: 'node',
        });
      if (proc) port = proc.port;
      const measure = (d: string) =>
        hasWrk ? Promise.resolve(wrk(port, d)) : loop(port, Number.parseFloat(d) * 1000);
      if (!SMOKE) await measure('1s'); // warm-up (skipped by the smoke run)
      // CPU per request: the proxy's CPU time over the measured run / the requests it served. Steadier
      // than req/s when other work shares the machine (it does not count time the proxy waited).
      // The direct row measures the upstream itself (its CPU is not a proxy's, so not reported).
      const pid = t === 'direct' ? undefined : proc?.child.pid;
      const cpu = () => treeCpuSeconds(pid);
      const cpu0 = cpu();
      const rps = await measure(DURATION);
      const cpuUs = ((cpu() - cpu0) / (rps * Number.parseFloat(DURATION))) * 1e6;
      const rss = treeRssMb(pid);
      const lat = await pacedLatency(port, SMOKE ? 300 : 3000, cpu);
      const r = res[t]!;
      r.rps.push(rps);
      r.p50.push(lat.p50);
      r.p99.push(lat.p99);
      r.rss.push(rss);
      r.cpuUs.push(cpuUs);
      r.vcpu1k.push(lat.vcpu);
      r.rate.push(lat.rate);
      console.log(
        `round ${round} ${t.padEnd(16)} ${rps.toFixed(0).padStart(7)} req/s  paced ${lat.rate.toFixed(0)} req/s: p50 ${lat.p50.toFixed(3)} ms  p99 ${lat.p99.toFixed(3)} ms  ${fmt(lat.vcpu, 3, ' vCPU')}  rss ${fmt(rss, 0, ' MB')}  cpu ${fmt(cpuUs, 1, ' us/req')}`,
      );
      proc?.child.kill();
    }
  }
  upstream.child.kill();
  const d = res.direct!;
  const b = res['node-http-proxy']!;
  const s = res.switchyard!;
  const addP50 = (x: typeof d) => median(x.p50) - median(d.p50);
  const addP99 = (x: typeof d) => median(x.p99) - median(d.p99);
  console.log('\nmedians (proxy pinned to one core, so req/s is per proxy core):');
  const n = res.nginx;
  const sl = res['switchyard-llhttp'];
  for (const [name, x] of [
    ['node-http-proxy', b],
    ['switchyard', s],
    ...(sl ? ([['switchyard-llhttp', sl]] as const) : []),
    ...(n ? ([['nginx', n]] as const) : []),
  ] as const) {
    console.log(
      `  ${name.padEnd(16)} ${median(x.rps).toFixed(0).padStart(7)} req/s   added p50 ${addP50(x).toFixed(3)} ms   added p99 ${addP99(x).toFixed(3)} ms (paced ${median(x.rate).toFixed(0)} req/s)   rss ${fmt(median(x.rss), 0, ' MB')}   cpu at 1k req/s ${fmt(median(x.vcpu1k), 3, ' vCPU')}   cpu at full load ${fmt(median(x.cpuUs), 1, ' us/req')}`,
    );
  }
  console.log(
    `  direct           ${median(d.rps).toFixed(0).padStart(7)} req/s   p50 ${median(d.p50).toFixed(3)} ms   p99 ${median(d.p99).toFixed(3)} ms (paced ${median(d.rate).toFixed(0)} req/s; the base of "added")`,
  );
  console.log('\nratios switchyard / featureless node:http proxy:');
  console.log(
    `  throughput per core  ${(median(s.rps) / median(b.rps)).toFixed(2)}x   (goal >= 1.7x)`,
  );
  console.log(
    `  added p99            ${(addP99(s) / addP99(b)).toFixed(2)}x   (goal: added p99 <= 0.45 ms; got ${addP99(s).toFixed(3)} ms)`,
  );
  console.log(
    `  RSS                  ${(median(s.rss) / median(b.rss)).toFixed(2)}x   (goal <= 80 MB; got ${median(s.rss).toFixed(0)} MB)`,
  );
  console.log(
    `  CPU per request      ${(median(s.cpuUs) / median(b.cpuUs)).toFixed(2)}x   (goal <= 0.1 vCPU per 1k req/s; got ${median(s.vcpu1k).toFixed(3)} at a paced 1k req/s)`,
  );
  if (n) {
    console.log('ratios switchyard / nginx (1 worker):');
    console.log(
      `  throughput per core  ${(median(s.rps) / median(n.rps)).toFixed(2)}x   (shown reachable: 0.56x; long goal 0.75x)`,
    );
    console.log(`  added p99            ${(addP99(s) / addP99(n)).toFixed(2)}x`);
  } else console.log('ratios switchyard / nginx: n/a (nginx not installed)');
}

/**
 * Bookinfo's product page through the gateway of a real `switchyard up --demo bookinfo` (free ports):
 * gateway -> productpage -> details + reviews -> ratings, all in the one mesh process, which is
 * pinned to core 1 like the proxies above; same load tool and paced client as the proxy rows.
 */
async function bookinfo(): Promise<void> {
  console.log(
    '\nbookinfo product page through the gateway (three hops, `switchyard up --demo bookinfo`):',
  );
  const mesh: RunningMesh = await startMesh(['--demo', 'bookinfo']);
  try {
    const pid = mesh.process.pid;
    if (hasTaskset && multiCore)
      for (const p of processTree(pid)) spawnSync('taskset', ['-a', '-p', '-c', '1', String(p)]);
    const port = Number(new URL(mesh.gateway).port);
    const path = '/productpage';
    const host = 'bookinfo';
    const measure = (d: string) =>
      hasWrk
        ? Promise.resolve(wrk(port, d, path, host))
        : loop(port, Number.parseFloat(d) * 1000, path, host);
    const cpu = () => treeCpuSeconds(pid);
    // The page must render (200) before its speed means anything.
    const first = await get(`${mesh.gateway}${path}`, { host });
    if (first.status !== 200) throw new Error(`bookinfo ${path} answered ${first.status}`);
    if (!SMOKE) await measure('1s'); // warm-up (skipped by the smoke run)
    const rows: {
      rps: number;
      cpuUs: number;
      p50: number;
      p99: number;
      rate: number;
      vcpu: number;
    }[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const cpu0 = cpu();
      const rps = await measure(DURATION);
      const cpuUs = ((cpu() - cpu0) / (rps * Number.parseFloat(DURATION))) * 1e6;
      const lat = await pacedLatency(port, SMOKE ? 100 : 1000, cpu, path, host);
      rows.push({ rps, cpuUs, ...lat });
      console.log(
        `  round ${round} ${rps.toFixed(0).padStart(7)} req/s  paced ${lat.rate.toFixed(0)} req/s: p50 ${lat.p50.toFixed(3)} ms  p99 ${lat.p99.toFixed(3)} ms  ${fmt(lat.vcpu, 3, ' vCPU')}  cpu ${fmt(cpuUs, 1, ' us/req')}`,
      );
    }
    const med = (k: keyof (typeof rows)[number]) => median(rows.map((r) => r[k]));
    console.log(
      `  1 worker         ${med('rps').toFixed(0).padStart(7)} req/s   p50 ${med('p50').toFixed(3)} ms   p99 ${med('p99').toFixed(3)} ms (paced ${med('rate').toFixed(0)} req/s)   rss ${fmt(treeRssMb(pid), 0, ' MB')} (whole mesh)   cpu at paced rate ${fmt(med('vcpu'), 3, ' vCPU')}   cpu at full load ${fmt(med('cpuUs'), 1, ' us/req')}`,
    );
    console.log('  2 workers        n/a (no worker mode yet)');
    console.log('  2 workers / 1    n/a (no worker mode yet; goal >= 1.6x)');
  } finally {
    await mesh.stop();
  }
}

/** Runs a bench script in its own process and returns the JSON lines it printed. */
function jsonLines(script: string, args: string[]): unknown[] {
  const out = spawnSync(process.execPath, [join(here, script), ...args, '--json'], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (out.status !== 0) throw new Error(`${script} exited ${out.status}: ${out.stderr}`);
  return out.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as unknown);
}

/** Issue #15 item 6 and #13 item 5: config change latency and how long config work holds the loop. */
function controlPlane(): void {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`\ncontrol plane (load average ${load} on ${cpus().length} cores):`);
  for (const r of jsonLines('compile.js', COMPILE_SIZES.map(String)) as {
    n: number;
    coldMs: number;
    changeMs: number;
    changeCpuMs: number;
  }[]) {
    const goal = r.n >= 10_000 ? 1000 : r.n >= 1000 ? 100 : undefined;
    console.log(
      `  one VirtualService change at ${r.n} VSs reaches the sidecar and the gateway in ${r.changeMs.toFixed(1)} ms (${r.changeCpuMs.toFixed(1)} ms CPU)${goal ? ` (goal <= ${goal} ms)` : ''}; cold compile ${r.coldMs.toFixed(0)} ms`,
    );
  }
  const [a] = jsonLines('apply-loop-delay.js', [
    '--count',
    String(APPLY_COUNT),
    '--warmup-ms',
    SMOKE ? '300' : '2000',
  ]) as {
    applyMs: number;
    settledMs: number;
    loopDelayMaxMs: number;
    maxTurnCpuMs: number;
    requestP99Ms: number;
    requestMaxMs: number;
  }[];
  if (a)
    console.log(
      `  apply of ${APPLY_COUNT} VSs (bookinfo mesh, paced gateway requests): every proxy updated after ${a.settledMs.toFixed(0)} ms; event-loop delay max ${a.loopDelayMaxMs.toFixed(0)} ms (goal ~50 ms), most CPU in one loop turn ${a.maxTurnCpuMs.toFixed(0)} ms; requests p99 ${a.requestP99Ms.toFixed(0)} ms, max ${a.requestMaxMs.toFixed(0)} ms`,
    );
}

main()
  .then(bookinfo)
  .then(controlPlane)
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });

// Soak benchmark (not part of npm test): `switchyard up --demo bookinfo` under mixed traffic for N
// minutes (default 10) with a config change every second. Prints the responses that were not 2xx
// beyond the injected faults, and the `up` process's RSS and open files over time with their slope.
// Usage: npm run build && node dist/bench/soak.js [--minutes 10] [--concurrency 4]
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startMesh } from '../test/helpers/mesh.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}

const minutes = flag('minutes', 10);
const concurrency = flag('concurrency', 4);

/** The config applied every second: reviews' split changes each time; a header-matched abort stays. */
function config(tick: number): string {
  const splits = [
    [100, 0, 0],
    [0, 50, 50],
    [0, 0, 100],
    [34, 33, 33],
  ];
  const [v1, v2, v3] = splits[tick % splits.length]!;
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - route:
    - {destination: {host: reviews, subset: v1}, weight: ${v1}}
    - {destination: {host: reviews, subset: v2}, weight: ${v2}}
    - {destination: {host: reviews, subset: v3}, weight: ${v3}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bookinfo, namespace: default}
spec:
  hosts: ["*"]
  gateways: [bookinfo-gateway]
  http:
  - match:
    - headers: {x-soak-fault: {exact: abort}}
    fault: {abort: {httpStatus: 503, percentage: {value: 100}}}
    route:
    - destination: {host: productpage, port: {number: 9080}}
  - match:
    - uri: {exact: /productpage}
    - uri: {prefix: /api/v1/products}
    route:
    - destination: {host: productpage, port: {number: 9080}}
    headers:
      response:
        set: {x-soak-tick: "${tick}"}
`;
}

interface Sample {
  atMin: number;
  rssMiB: number;
  fds: number;
}

function sample(pid: number, startedAt: number): Sample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return {
    atMin: (Date.now() - startedAt) / 60_000,
    rssMiB: rssKb / 1024,
    fds: readdirSync(`/proc/${pid}/fd`).length,
  };
}

/** Least-squares slope of y per minute. */
function slope(points: readonly Sample[], y: (s: Sample) => number): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p.atMin, 0) / n;
  const my = points.reduce((a, p) => a + y(p), 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.atMin - mx) * (y(p) - my);
    den += (p.atMin - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const mesh = await startMesh(['--demo', 'bookinfo']);
const token = readFileSync(join(mesh.home, 'admin-token'), 'utf8').trim();
const pid = mesh.process.pid!;
const startedAt = Date.now();
const deadline = startedAt + minutes * 60_000;
const counts = {
  requests: 0,
  ok: 0,
  injected: 0,
  unexpected: new Map<string, number>(),
  applies: 0,
  applyErrors: 0,
};
const note = (what: string) => counts.unexpected.set(what, (counts.unexpected.get(what) ?? 0) + 1);
const samples: Sample[] = [sample(pid, startedAt)];

async function worker(id: number): Promise<void> {
  for (let i = 0; Date.now() < deadline; i++) {
    const fault = (i + id) % 10 === 0;
    const path = i % 3 === 0 ? '/api/v1/products/0' : '/productpage';
    counts.requests++;
    try {
      const res = await fetch(`${mesh.gateway}${path}`, {
        headers: fault ? { 'x-soak-fault': 'abort' } : {},
      });
      await res.arrayBuffer();
      if (fault && res.status === 503) counts.injected++;
      else if (!fault && res.status >= 200 && res.status < 300) counts.ok++;
      else note(`${fault ? 'fault' : 'normal'} ${path} -> ${res.status}`);
    } catch (err) {
      note(`${path} -> ${(err as Error).message}`);
    }
  }
}

async function apply(tick: number): Promise<void> {
  const res = await fetch(`${mesh.admin}/apis/switchyard.io/v1alpha1/applies`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/yaml' },
    body: config(tick),
  });
  await res.arrayBuffer();
  counts.applies++;
  if (res.status !== 200) counts.applyErrors++;
}

async function configChanges(): Promise<void> {
  for (let tick = 1; Date.now() < deadline; tick++) {
    const next = Date.now() + 1000;
    await apply(tick);
    samples.push(sample(pid, startedAt));
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
}

// The fault rule is in place before the first request.
await apply(0);
try {
  await Promise.all([configChanges(), ...Array.from({ length: concurrency }, (_, i) => worker(i))]);
} finally {
  await mesh.stop();
}

// The first minute warms up (JIT, pools, certificates): slopes are over the rest when there is one.
const steady =
  samples.filter((s) => s.atMin >= 1).length >= 10 ? samples.filter((s) => s.atMin >= 1) : samples;
const first = samples[0]!;
const last = samples[samples.length - 1]!;
const unexpected = [...counts.unexpected.values()].reduce((a, b) => a + b, 0);
console.log(
  `soak: ${minutes} min, ${concurrency} clients, ${counts.applies} config changes (${counts.applyErrors} refused)`,
);
console.log(
  `requests ${counts.requests}: ${counts.ok} 2xx, ${counts.injected} injected 503, ${unexpected} non-2xx beyond injected faults`,
);
for (const [what, n] of counts.unexpected) console.log(`  ${n} x ${what}`);
console.log(
  `up RSS ${first.rssMiB.toFixed(1)} -> ${last.rssMiB.toFixed(1)} MiB, slope ${slope(steady, (s) => s.rssMiB).toFixed(2)} MiB/min (after the first minute)`,
);
console.log(
  `up open files ${first.fds} -> ${last.fds}, slope ${slope(steady, (s) => s.fds).toFixed(2)} /min (after the first minute)`,
);

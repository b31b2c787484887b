// Measures how long config work holds the event loop the proxies serve on (issue #13 item 5): a real
// bookinfo mesh in this process, one apply of N VirtualServices through the admin API (what
// `switchyard apply -f` sends: parse, validate, commit), then every proxy recompiled; meanwhile a
// paced request stream through the gateway and perf_hooks' event-loop delay histogram. Figures are
// printed, never asserted. `--json` prints one JSON line (bench/run.ts reads it).
// Usage: npm run build && node dist/bench/apply-loop-delay.js [--count 5000] [--warmup-ms 2000] [--json]
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { parseResources } from '../src/config/index.js';
import { FILE_APPLY_PATH } from '../src/admin/config-routes.js';
import { Mesh } from '../src/mesh/runner.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const count = Number(arg('--count') ?? 5000);
const json = process.argv.includes('--json');
/** One request every PACE_MS, whatever the answers do (open loop, as a load balancer sends). */
const PACE_MS = Number(arg('--pace') ?? 100);
/** How long requests flow before the apply (bench/run.ts's smoke run shortens it). */
const WARMUP_MS = Number(arg('--warmup-ms') ?? 2000);

process.env.SWITCHYARD_HOME = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
const demo = join(process.cwd(), 'src', 'mesh', 'demos', 'bookinfo.yaml');
const base = parseResources(readFileSync(demo, 'utf8'), demo).resources;
const mesh = new Mesh({
  files: [],
  baseResources: base,
  adminPort: 0,
  portMap: new Map([[8080, 0]]),
  watchFiles: false,
  out: () => undefined,
});
await mesh.start();
await mesh.settled();
const gateway = mesh.gatewayUrl()!;
const token = readFileSync(mesh.tokenPath, 'utf8').trim();

const docs: string[] = [];
for (let n = 0; n < count; n++)
  docs.push(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bulk-${n}, namespace: default}
spec:
  hosts: [bulk-${n}.example.com]
  http:
  - match: [{uri: {prefix: /v${n}}}]
    route: [{destination: {host: reviews, subset: v${(n % 3) + 1}}}]`);
const body = docs.join('\n---\n');

// Paced requests: latency from when each was due, so a stalled loop shows as waiting requests.
const latencies: number[] = [];
let pacing = true;
const inflight = new Set<Promise<void>>();
const pacer = (async () => {
  const start = performance.now();
  for (let i = 0; pacing; i++) {
    const due = start + i * PACE_MS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const p = fetch(`${gateway}/api/v1/products/0`)
      .then((r) => r.arrayBuffer())
      .then(() => void latencies.push(performance.now() - due))
      .catch(() => void latencies.push(performance.now() - due));
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  }
})();

// perf_hooks drops the first interval after enable(): a block right after it would go unseen, so the
// histogram runs from the warm-up on and is reset just before the apply.
const h = monitorEventLoopDelay({ resolution: 5 });
h.enable();
// Wall-clock delay also grows when the OS runs other processes (a shared machine); the CPU this
// process used between two timer turns does not: its maximum is the longest block of work itself.
let maxTurnCpuMs = 0;
let lastCpu = process.cpuUsage();
const sampler = setInterval(() => {
  const cpu = process.cpuUsage(lastCpu);
  lastCpu = process.cpuUsage();
  maxTurnCpuMs = Math.max(maxTurnCpuMs, (cpu.user + cpu.system) / 1000);
}, 1);
// Garbage-collection pauses hold the loop too; the longest is printed beside the delay it explains.
let maxGcMs = 0;
let gcMs = 0;
const gcs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    maxGcMs = Math.max(maxGcMs, e.duration);
    gcMs += e.duration;
  }
});
await new Promise((r) => setTimeout(r, WARMUP_MS));
gcs.observe({ entryTypes: ['gc'] });
latencies.length = 0;
h.reset();
maxTurnCpuMs = 0;
const t0 = performance.now();
const res = await fetch(`${mesh.adminUrl()!}${FILE_APPLY_PATH}?filename=bulk.yaml`, {
  method: 'POST',
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/yaml' },
  body,
});
const applied = (await res.json()) as { revision?: number; message?: string };
const applyMs = performance.now() - t0;
if (!res.ok) throw new Error(`apply failed: ${res.status} ${applied.message ?? ''}`);
// Every proxy on the applied revision (the reconcile passes the commit started have finished).
await mesh.settled();
const settledMs = performance.now() - t0;
await new Promise((r) => setTimeout(r, 500));
h.disable();
gcs.disconnect();
clearInterval(sampler);
pacing = false;
await pacer;
await Promise.all(inflight);
latencies.sort((a, b) => a - b);
const q = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
const result = {
  count,
  applyMs,
  settledMs,
  loopDelayMaxMs: h.max / 1e6,
  loopDelayP99Ms: h.percentile(99) / 1e6,
  maxTurnCpuMs,
  maxGcMs,
  gcMs,
  requests: latencies.length,
  requestP50Ms: q(0.5),
  requestP99Ms: q(0.99),
  requestMaxMs: latencies[latencies.length - 1] ?? 0,
};
if (json) console.log(JSON.stringify(result));
else {
  console.log(
    `apply of ${count} VirtualServices through the admin API: answered in ${applyMs.toFixed(0)} ms, every proxy recompiled after ${settledMs.toFixed(0)} ms`,
  );
  console.log(
    `event-loop delay meanwhile: max ${result.loopDelayMaxMs.toFixed(0)} ms, p99 ${result.loopDelayP99Ms.toFixed(0)} ms; most CPU between two timer turns ${maxTurnCpuMs.toFixed(0)} ms; garbage collection ${gcMs.toFixed(0)} ms, longest pause ${maxGcMs.toFixed(0)} ms`,
  );
  console.log(
    `paced gateway requests (1 per ${PACE_MS} ms, latency from when due): ${latencies.length}, p50 ${q(0.5).toFixed(0)} ms, p99 ${q(0.99).toFixed(0)} ms, max ${result.requestMaxMs.toFixed(0)} ms`,
  );
}
await mesh.stop();
process.exit(0);

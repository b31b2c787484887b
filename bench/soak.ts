// Soak benchmark (not part of npm test): `switchyard up --demo bookinfo` under mixed traffic for N
// minutes (default 10) with a config change every second. Prints the responses that were not 2xx
// beyond the injected faults, and the `up` process's RSS and open files over time with their slope.
// Usage: npm run build && node dist/bench/soak.js [--minutes 10] [--concurrency 4]
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
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

interface HeapSample {
  atMin: number;
  /** V8 heap in use right after a full GC: what `up` retains (RSS also counts reserve and native). */
  heapMiB: number;
}

/**
 * `up`'s V8 inspector (opened with --inspect=127.0.0.1:0): a full GC, then process.memoryUsage().
 * RSS alone cannot tell a leak from V8 keeping freed pages; the heap after GC can.
 */
class Inspector {
  private next = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as { id?: number; result?: unknown };
      if (msg.id !== undefined) this.pending.get(msg.id)?.(msg.result);
    });
  }

  static async open(url: string): Promise<Inspector> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new Inspector(ws);
  }

  private call(method: string, params: object = {}): Promise<unknown> {
    const id = this.next++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve) => this.pending.set(id, resolve));
  }

  async heapAfterGc(): Promise<number> {
    await this.call('HeapProfiler.collectGarbage');
    const r = (await this.call('Runtime.evaluate', {
      expression: 'process.memoryUsage().heapUsed',
      returnByValue: true,
    })) as { result: { value: number } };
    return r.result.value / 1048576;
  }

  close(): void {
    this.ws.close();
  }
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
function slope<T extends { atMin: number }>(points: readonly T[], y: (s: T) => number): number {
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

// Only `up` (and the workloads it starts) get the inspector, on a free port.
const nodeOptions = process.env.NODE_OPTIONS;
process.env.NODE_OPTIONS = `${nodeOptions ?? ''} --inspect=127.0.0.1:0`.trim();
const mesh = await startMesh(['--demo', 'bookinfo']);
if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
else process.env.NODE_OPTIONS = nodeOptions;
const inspectorUrl = /Debugger listening on (ws:\/\/\S+)/.exec(mesh.output())?.[1];
const inspector = inspectorUrl ? await Inspector.open(inspectorUrl) : undefined;
const heap: HeapSample[] = [];
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

/** Slowest config apply seen: the admin API shares `up`'s event loop, so this bounds its stalls. */
let slowestApplyMs = 0;

async function apply(tick: number): Promise<void> {
  const started = Date.now();
  try {
    const res = await fetch(`${mesh.admin}/apis/switchyard.io/v1alpha1/applies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/yaml' },
      body: config(tick),
    });
    await res.arrayBuffer();
    if (res.status !== 200) counts.applyErrors++;
  } catch (err) {
    // A POST is not retried: a keep-alive connection the server closed under it is an apply error.
    counts.applyErrors++;
    note(`apply -> ${(err as Error).message} (${String((err as { cause?: unknown }).cause)})`);
  }
  counts.applies++;
  slowestApplyMs = Math.max(slowestApplyMs, Date.now() - started);
}

async function configChanges(): Promise<void> {
  for (let tick = 1; Date.now() < deadline; tick++) {
    const next = Date.now() + 1000;
    await apply(tick);
    samples.push(sample(pid, startedAt));
    if (inspector && tick % 30 === 0)
      heap.push({
        atMin: (Date.now() - startedAt) / 60_000,
        heapMiB: await inspector.heapAfterGc(),
      });
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
}

// The fault rule is in place before the first request.
await apply(0);
try {
  await Promise.all([configChanges(), ...Array.from({ length: concurrency }, (_, i) => worker(i))]);
} finally {
  inspector?.close();
  await mesh.stop();
}

// The first minute warms up (JIT, pools, certificates): slopes are over the rest when there is one.
const steady =
  samples.filter((s) => s.atMin >= 1).length >= 10 ? samples.filter((s) => s.atMin >= 1) : samples;
const first = samples[0]!;
const last = samples[samples.length - 1]!;
const unexpected = [...counts.unexpected.values()].reduce((a, b) => a + b, 0);
console.log(
  `soak: ${minutes} min, ${concurrency} clients, ${counts.applies} config changes (${counts.applyErrors} refused or failed, slowest ${slowestApplyMs} ms)`,
);
console.log(
  `requests ${counts.requests}: ${counts.ok} 2xx, ${counts.injected} injected 503, ${unexpected} non-2xx beyond injected faults`,
);
for (const [what, n] of counts.unexpected) console.log(`  ${n} x ${what}`);
// Which hop answered each non-2xx that was not injected: every proxy's access-log line with a 4xx/5xx
// code and no FI (fault injection) flag, by file (= proxy).
const logs = join(mesh.home, 'logs');
let shown = 0;
for (const file of readdirSync(logs).filter((f) => f.endsWith('.log'))) {
  for (const line of readFileSync(join(logs, file), 'utf8').split('\n')) {
    const m = /" ([45]\d\d) (\S+) /.exec(line);
    if (!m || m[2]!.includes('FI') || shown >= 40) continue;
    shown++;
    console.log(`  ${file}: ${line}`);
  }
}
console.log(
  `up RSS ${first.rssMiB.toFixed(1)} -> ${last.rssMiB.toFixed(1)} MiB, slope ${slope(steady, (s) => s.rssMiB).toFixed(2)} MiB/min (after the first minute)`,
);
console.log(
  `up open files ${first.fds} -> ${last.fds}, slope ${slope(steady, (s) => s.fds).toFixed(2)} /min (after the first minute)`,
);
if (heap.length > 0) {
  // The logs the kubelet keeps per container (5000 lines) and per proxy (1000) fill for the first
  // minutes: the heap slope is over the second half of the run.
  const late = heap.filter((h) => h.atMin >= minutes / 2);
  console.log(
    `up V8 heap after GC ${heap[0]!.heapMiB.toFixed(1)} -> ${heap[heap.length - 1]!.heapMiB.toFixed(1)} MiB, slope ${slope(late.length >= 2 ? late : heap, (h) => h.heapMiB).toFixed(2)} MiB/min (second half): ${heap.map((h) => h.heapMiB.toFixed(0)).join(' ')}`,
  );
}

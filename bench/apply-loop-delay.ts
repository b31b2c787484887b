// Measures how long config work holds the event loop the proxies serve on (issue #13 item 5): a real
// bookinfo mesh in this process, one apply of 5,000 VirtualServices through the store (what the admin
// API's apply does), and perf_hooks' event-loop delay histogram plus gateway request latencies
// while the store commits and every proxy recompiles. Figures are printed, never asserted.
// Usage: npm run build && node dist/bench/apply-loop-delay.js [--count 5000]
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseResources } from '../src/config/index.js';
import { Mesh } from '../src/mesh/runner.js';

const i = process.argv.indexOf('--count');
const count = i >= 0 ? Number(process.argv[i + 1]) : 5000;
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
const gateway = mesh.gatewayUrl()!;

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
const resources = parseResources(docs.join('\n---\n'), 'bulk.yaml').resources;

// Requests keep flowing through the gateway while the apply runs.
const latencies: number[] = [];
let running = true;
const client = (async () => {
  while (running) {
    const t0 = performance.now();
    await fetch(`${gateway}/api/v1/products/0`).then((r) => r.arrayBuffer());
    latencies.push(performance.now() - t0);
  }
})();
// perf_hooks drops the first interval after enable(): a block right after it would go unseen, so the
// histogram runs from the warm-up on and is reset just before the apply.
const h = monitorEventLoopDelay({ resolution: 5 });
h.enable();
await new Promise((r) => setTimeout(r, 2000));
latencies.length = 0;
h.reset();
const t0 = performance.now();
mesh.store.apply(resources);
const applyMs = performance.now() - t0;
// Let the recompiles the commit started (store subscribers) finish.
await new Promise((r) => setTimeout(r, 5000));
h.disable();
running = false;
await client;
latencies.sort((a, b) => a - b);
const q = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
console.log(
  `apply of ${count} VirtualServices: store.apply ${applyMs.toFixed(0)} ms (synchronous)`,
);
console.log(
  `event-loop delay: max ${(h.max / 1e6).toFixed(0)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(0)} ms, mean ${(h.mean / 1e6).toFixed(1)} ms`,
);
console.log(
  `gateway requests meanwhile: ${latencies.length}, p50 ${q(0.5).toFixed(0)} ms, p99 ${q(0.99).toFixed(0)} ms, max ${(latencies[latencies.length - 1] ?? 0).toFixed(0)} ms`,
);
await mesh.stop();
process.exit(0);

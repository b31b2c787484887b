// Compile-time benchmark (docs/performance.md: a change visible on every proxy within 100 ms at 1,000
// VirtualServices): N Services + N VirtualServices (+ DestinationRules), one sidecar and the ingress
// gateway; reports a first compile into an empty SnapshotCache, then a one-VS change (new config
// snapshot, registry rebuilt, both proxies recompiled through the cache), as medians.
// Usage: npm run build && node dist/bench/compile.js [--json] [N...]   (default 100 1000 10000)
// `--json` prints one JSON line per size (bench/run.ts reads them).
import { performance } from 'node:perf_hooks';
import {
  createConfigSnapshot,
  defaultMeshConfig,
  parseResources,
  type Resource,
} from '../src/config/index.js';
import { SnapshotCache, compileProxy } from '../src/compile/index.js';
import {
  buildRegistry,
  RegistryCache,
  resolveProxy,
  type LocalWorkload,
} from '../src/registry/index.js';

function manifest(n: number, changedVersion = 0): string {
  const docs: string[] = [
    `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: web, namespace: default }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 8080, name: http, protocol: HTTP }, hosts: ['*'] }]`,
  ];
  for (let i = 0; i < n; i++) {
    const v = i === 0 ? changedVersion : 0;
    docs.push(`apiVersion: v1
kind: Service
metadata: { name: svc-${i}, namespace: default }
spec:
  selector: { app: svc-${i} }
  ports: [{ name: http, port: 8000 }]`);
    docs.push(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: svc-${i}, namespace: default }
spec:
  host: svc-${i}
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]`);
    docs.push(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: svc-${i}, namespace: default }
spec:
  hosts: [svc-${i}, svc-${i}.example.com]
  gateways: [web, mesh]
  http:
    - match: [{ headers: { end-user: { exact: user-${v} } } }]
      route: [{ destination: { host: svc-${i}, subset: v2 } }]
    - match: [{ uri: { prefix: /api/v${v} } }]
      rewrite: { uri: /v${v} }
      route: [{ destination: { host: svc-${i}, subset: v1 } }]
    - route:
        - { destination: { host: svc-${i}, subset: v1 }, weight: 90 }
        - { destination: { host: svc-${i}, subset: v2 }, weight: 10 }`);
  }
  return docs.join('\n---\n');
}

function resources(text: string): Resource[] {
  return parseResources(text, 'bench.yaml').resources;
}

const local: LocalWorkload[] = [
  {
    name: 'sleep',
    namespace: 'default',
    labels: { app: 'sleep' },
    serviceAccount: 'sleep',
    address: '127.0.0.1',
    ports: {},
  },
  {
    name: 'istio-ingressgateway-0',
    namespace: 'istio-system',
    labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
    serviceAccount: 'istio-ingressgateway-service-account',
    address: '127.0.0.1',
    ports: {},
  },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function run(n: number, quiet = false): void {
  const base = resources(manifest(n));
  const changedVs = resources(manifest(1, 1)).find((r) => r.kind === 'VirtualService')!;
  const mesh = defaultMeshConfig();
  const ids = ['sleep.default', 'istio-ingressgateway-0.istio-system'];
  const rounds = n >= 10_000 ? 3 : 5;
  const cold: number[] = [];
  const change: number[] = [];
  // CPU time as well: on a shared machine wall time also counts other processes' turns.
  const changeCpu: number[] = [];
  const reg: number[] = [];
  // Round 0 warms the JIT (a running mesh recompiles with warm code) and is not counted.
  for (let r = 0; r <= rounds; r++) {
    const cache = new SnapshotCache();
    // The mesh keeps the registry while no Service or Pod changed (src/mesh/reconcile.ts).
    const registries = new RegistryCache();
    const config = createConfigSnapshot(base, mesh, 1);
    let t = performance.now();
    const registry = registries.build(config, { localWorkloads: local });
    if (r > 0) reg.push(performance.now() - t);
    t = performance.now();
    for (const id of ids) cache.compile(config, registry, resolveProxy(registry, id)!);
    if (r > 0) cold.push(performance.now() - t);
    // One VirtualService changes (a new object, as the store hands out after an apply).
    const next = base.map((x) =>
      x.kind === 'VirtualService' && x.metadata.name === 'svc-0' ? changedVs : x,
    );
    t = performance.now();
    const c0 = process.cpuUsage();
    const config2 = createConfigSnapshot(next, mesh, 2);
    const registry2 = registries.build(config2, { localWorkloads: local });
    for (const id of ids) cache.compile(config2, registry2, resolveProxy(registry2, id)!);
    if (r > 0) change.push(performance.now() - t);
    const c = process.cpuUsage(c0);
    if (r > 0) changeCpu.push((c.user + c.system) / 1000);
  }
  // The size of the sidecar route config, for the report (equality with a full compile is tested in test/compile-incremental.test.ts).
  const config = createConfigSnapshot(base, mesh, 1);
  const registry = buildRegistry(config, { localWorkloads: local });
  const full = compileProxy(config, registry, resolveProxy(registry, 'sleep.default')!);
  const routes = [...full.routeTables.values()].reduce((s, t) => s + t.virtualHosts.length, 0);
  if (quiet) return;
  if (json) {
    console.log(
      JSON.stringify({
        n,
        vhosts: routes,
        registryMs: median(reg),
        coldMs: median(cold),
        changeMs: median(change),
        changeCpuMs: median(changeCpu),
      }),
    );
    return;
  }
  console.log(
    `${String(n).padStart(6)} VSs | ${String(routes).padStart(6)} sidecar vhosts | registry ${median(reg).toFixed(1)} ms | cold compile (sidecar + gateway) ${median(cold).toFixed(1)} ms | one-VS change, rebuild registry + recompile both ${median(change).toFixed(1)} ms (${median(changeCpu).toFixed(1)} ms CPU)`,
  );
}

const json = process.argv.includes('--json');
const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((x) => x > 0);
if (!json)
  console.log(
    `node ${process.version}, ${process.arch}; medians of 5 rounds (3 at 10,000) after a warm-up round`,
  );
// Warm the JIT once on a small mesh so the first listed size is not measured cold.
run(200, true);
for (const n of sizes.length > 0 ? sizes : [100, 1000, 10_000]) run(n);

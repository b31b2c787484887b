// xDS scale benchmark (not a test): the ADS server with 1,000 services (ServiceEntries, 5 endpoints
// each: 5,000 endpoints), 1,000 VirtualServices and 200 connected sidecar streams (raw grpc-js SotW
// clients in a child process, bench/xds-scale-clients.ts, that subscribe as Envoy does and ACK).
// Measures: the initial push (connect -> every client has ACKed CDS, EDS, LDS and RDS), one
// VirtualService change -> every client has ACKed the new routes (with istiod's 100 ms debounce, and
// the push alone after it), and the control plane's RSS. Goals (issue #14): <= 100 ms, <= 300 MB.
// Usage: npm run bench:xds [-- --services 1000 --endpoints 5 --clients 200 --changes 5 --in-flight-mb 0]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { meshFromFiles, TYPE, XdsServer, type MeshState } from '../src/xds/index.js';
import { treeCpuSeconds } from './proc-stats.js';

function flag(name: string, fallback: number, min = 1): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v < min) throw new Error(`--${name} needs a number >= ${min}`);
  return v;
}

const SERVICES = flag('services', 1000);
const ENDPOINTS = flag('endpoints', 5);
const CLIENTS = flag('clients', 200);
const CHANGES = flag('changes', 5);
const DEBOUNCE_MS = 100;
/** The server's cap on response bytes handed to gRPC across streams (XdsServerOptions.maxBytesInFlight). */
// 0 = no cap (the server's default).
const IN_FLIGHT_MB = flag('in-flight-mb', 0, 0);

/** Service i: a ServiceEntry with ENDPOINTS addresses and a VirtualService (header match, retries). */
function meshYaml(changed: number, tick: number): string {
  const out: string[] = [];
  for (let i = 0; i < SERVICES; i++) {
    const host = `svc-${i}.bench.svc.cluster.local`;
    const eps = Array.from(
      { length: ENDPOINTS },
      (_, e) => `{ address: 10.${(i >> 8) & 255}.${i & 255}.${e + 1} }`,
    ).join(', ');
    const timeout = i === changed ? `${tick + 2}s` : '2s';
    out.push(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: svc-${i}, namespace: bench }
spec:
  hosts: [${host}]
  location: MESH_INTERNAL
  ports: [{ number: 8080, name: http, protocol: HTTP }]
  resolution: STATIC
  endpoints: [${eps}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: svc-${i}, namespace: bench }
spec:
  hosts: [${host}]
  http:
    - match: [{ headers: { x-canary: { exact: "true" } } }]
      route: [{ destination: { host: ${host} } }]
      timeout: 1s
    - route: [{ destination: { host: ${host} } }]
      timeout: ${timeout}
      retries: { attempts: 3, retryOn: 5xx }
`);
  }
  return out.join('---\n');
}

/** Rewrites the one file and reloads it as `switchyard control-plane` does on a save. */
function loadState(dir: string, changed: number, tick: number, previous?: MeshState): MeshState {
  const file = join(dir, 'mesh.yaml');
  writeFileSync(file, meshYaml(changed, tick));
  const { state, errors } = meshFromFiles([file], {
    namespace: 'bench',
    revision: tick + 1,
    ...(previous ? { previous } : {}),
  });
  if (!state) throw new Error(errors.join('\n'));
  return state;
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
const cpus_ = () => availableParallelism();
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-xds-scale-'));
  let t = performance.now();
  const first = loadState(dir, 0, 0);
  console.log(
    `config: ${SERVICES} services, ${SERVICES * ENDPOINTS} endpoints, ${SERVICES} VirtualServices; ` +
      `parsed and indexed in ${(performance.now() - t).toFixed(0)} ms (not counted below)`,
  );
  let current = first;
  const server = new XdsServer({
    port: 0,
    debounceMs: DEBOUNCE_MS,
    maxBytesInFlight: IN_FLIGHT_MB > 0 ? IN_FLIGHT_MB * 2 ** 20 : Infinity,
  });
  server.setState(first);
  const port = await server.start();
  global.gc?.();
  const rssIdle = process.memoryUsage().rss;

  const here = dirname(fileURLToPath(import.meta.url));
  const child = fork(join(here, 'xds-scale-clients.js'), [], { stdio: 'inherit' });
  const acks = new Map<string, number>();
  let onAck: (() => void) | undefined;
  child.on('message', (m: { kind: string; client: number; type: string; message?: string }) => {
    if (m.kind === 'error') console.error(`client ${m.client}: ${m.message}`);
    if (m.kind !== 'ack') return;
    acks.set(m.type, (acks.get(m.type) ?? 0) + 1);
    onAck?.();
  });
  const waitFor = (cond: () => boolean) =>
    new Promise<void>((resolve) => {
      if (cond()) return resolve();
      onAck = () => {
        if (cond()) {
          onAck = undefined;
          resolve();
        }
      };
    });

  t = performance.now();
  let cpu = process.cpuUsage();
  child.send({ port, clients: CLIENTS });
  const all = [TYPE.cluster, TYPE.endpoint, TYPE.listener, TYPE.route];
  await waitFor(() => all.every((type) => (acks.get(type) ?? 0) >= CLIENTS));
  const initial = performance.now() - t;
  const initialCpu = cpuMs(process.cpuUsage(cpu));
  const rssConnected = process.memoryUsage().rss;
  console.log(
    `initial push: ${CLIENTS} clients ACKed CDS, EDS, LDS and RDS in ${initial.toFixed(0)} ms ` +
      `(control plane CPU ${initialCpu.toFixed(0)} ms)`,
  );

  const totals: number[] = [];
  const pushes: number[] = [];
  const cpus: number[] = [];
  const systems: number[] = [];
  const clientCpus: number[] = [];
  let rssPeak = rssConnected;
  for (let k = 1; k <= CHANGES; k++) {
    // The next version is parsed before the clock starts: the bench times the push, not YAML.
    const next = loadState(dir, 0, k, current);
    current = next;
    await new Promise((r) => setTimeout(r, 300));
    // The YAML parse's garbage is the bench's (a Kubernetes source decodes one object), not the push's.
    global.gc?.();
    const routesBefore = acks.get(TYPE.route) ?? 0;
    const other = () => all.filter((x) => x !== TYPE.route).map((x) => acks.get(x) ?? 0);
    const otherBefore = other().join();
    const start = performance.now();
    cpu = process.cpuUsage();
    const clientCpu = treeCpuSeconds(child.pid);
    let pushStart = 0;
    const unhook = server.onPush(() => (pushStart = performance.now()));
    server.update(next);
    await waitFor(() => (acks.get(TYPE.route) ?? 0) >= routesBefore + CLIENTS);
    const end = performance.now();
    const used = process.cpuUsage(cpu);
    cpus.push(cpuMs(used));
    systems.push(used.system / 1000);
    clientCpus.push((treeCpuSeconds(child.pid) - clientCpu) * 1000);
    unhook();
    totals.push(end - start);
    pushes.push(end - pushStart);
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    if (other().join() !== otherBefore) console.log('  (a type other than RDS was pushed too)');
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `one VirtualService change -> all ${CLIENTS} ACKs: median ${med(totals).toFixed(0)} ms ` +
      `(max ${Math.max(...totals).toFixed(0)}), of which ${DEBOUNCE_MS} ms debounce; ` +
      `push after the debounce: median ${med(pushes).toFixed(0)} ms (max ${Math.max(...pushes).toFixed(0)}); ` +
      `control plane CPU per change: median ${med(cpus).toFixed(0)} ms ` +
      `(of which kernel ${med(systems).toFixed(0)} ms: ${CLIENTS} copies of the route config on loopback); ` +
      `the ${CLIENTS} clients' process: median ${med(clientCpus).toFixed(0)} ms CPU (one core at most)`,
  );
  console.log(
    `load average while running: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${cpus_()} cores`,
  );
  global.gc?.();
  const m = process.memoryUsage();
  console.log(
    `control plane RSS: ${mb(rssIdle)} before clients, ${mb(rssConnected)} with ${CLIENTS} connected, peak ${mb(rssPeak)}; ` +
      `at the end${global.gc ? ' after a GC' : ''}: RSS ${mb(m.rss)}, heap used ${mb(m.heapUsed)}, external ${mb(m.external)}`,
  );
  child.kill();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

void main();

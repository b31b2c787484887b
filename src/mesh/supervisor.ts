// Runs pods' app processes for the local kubelet and restarts them when they die with the kubelet's
// back-off (container-backoff.ts: at once, then 10 s doubling to 5 min), keeping each one's ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer, type Server } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkloadInstance } from './workload-plan.js';
import { PARENT_PIPE_ENV } from './parent-watch.js';
import { ContainerBackoff } from './container-backoff.js';

/** The compiled CLI entry, used to start built-in workloads as their own processes. */
export const CLI_ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');
/** The wrapper that ends a non-built-in command with `up` (child-guard.ts). */
export const GUARD_ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), 'child-guard.js');

/** Where the supervisor notes each child process it starts and sees exit (run-record.ts). */
export interface ChildRecord {
  add(pid: number, name: string): void;
  remove(pid: number): void;
}

/** Events keyed by `<namespace>/<pod>`. */
export interface ProcessEvents {
  onOutput?(key: string, stream: 'stdout' | 'stderr', line: string): void;
  onExit?(key: string, code: number | null, signal: NodeJS.Signals | null): void;
  onStart?(key: string, pid: number | undefined): void;
  /** The process died and restarts after delayMs (0: at once; more: CrashLoopBackOff). */
  onBackoff?(key: string, delayMs: number): void;
}

interface Managed {
  instance: WorkloadInstance;
  appPort: number;
  /** Container port -> local port, for `{PORT:n}` in args. */
  portMap: ReadonlyMap<number, number>;
  env: Record<string, string>;
  child?: ChildProcess;
  stopping: boolean;
  restarts: number;
  restartTimer?: NodeJS.Timeout;
}

/** The first file descriptor after stdin/stdout/stderr: where a built-in workload finds its socket. */
const INHERITED_FD = 3;

export class Supervisor {
  private readonly managed = new Map<string, Managed>();
  /** App ports reserved by reservePort, still bound (listening) until their workload starts. */
  private readonly reserved = new Map<number, Server>();

  constructor(
    private readonly events: ProcessEvents = {},
    private readonly record?: ChildRecord,
    private readonly backoff = new ContainerBackoff(),
  ) {}

  /** Starts a workload listening on appPort, with env (HTTP_PROXY etc.) from the kubelet. */
  start(
    instance: WorkloadInstance,
    appPort: number,
    env: Record<string, string>,
    portMap: ReadonlyMap<number, number> = new Map(),
  ): void {
    const m: Managed = { instance, appPort, portMap, env, stopping: false, restarts: 0 };
    this.managed.set(key(instance), m);
    this.launch(m);
  }

  /** Stops one workload (SIGTERM to its group, SIGKILL after graceMs) and forgets it. */
  async stop(namespace: string, name: string, graceMs = 3000): Promise<void> {
    const k = `${namespace}/${name}`;
    const m = this.managed.get(k);
    if (!m) return;
    this.managed.delete(k);
    this.backoff.forget(k);
    await stopManaged(m, graceMs);
  }

  /**
   * A free port for a workload, kept bound until the workload starts on it. Releasing a port-0 port
   * and binding it again later (seconds later, after certificates and the first compile) let another
   * process take it meanwhile: the workload then crash-looped on EADDRINUSE while readiness connected
   * to the stranger, and the sidecar sent the app's traffic there (the mesh-mtls flake). A built-in
   * workload inherits the bound socket itself (systemd-style fd passing); a command gets the port
   * released just before it starts.
   */
  async reservePort(host: string): Promise<number> {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: 0, host, exclusive: true }, () => resolve());
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    this.reserved.set(port, server);
    return port;
  }

  /** Releases a reservation whose workload will never start (its pod went away first). */
  release(port: number): void {
    this.reserved.get(port)?.close();
    this.reserved.delete(port);
  }

  private launch(m: Managed): void {
    const { instance, appPort } = m;
    const launch = instance.launch;
    const held = this.reserved.get(appPort);
    this.reserved.delete(appPort);
    // The listening socket's descriptor (libuv's handle exposes it on Unix; -1 or absent elsewhere).
    const heldFd = (held as unknown as { _handle?: { fd?: number } } | undefined)?._handle?.fd;
    const passFd = launch.builtin !== undefined && typeof heldFd === 'number' && heldFd >= 0;
    if (held && !passFd) held.close();
    const env = {
      ...process.env,
      ...launch.env,
      ...m.env,
      PORT: String(appPort),
      [PARENT_PIPE_ENV]: '1',
    };
    const cmd = process.execPath;
    const ports = (a: string) =>
      a
        .replace(/\{PORT:(\d+)\}/g, (_all, p: string) =>
          String(m.portMap.get(Number(p)) ?? appPort),
        )
        .replaceAll('{PORT}', String(appPort));
    let args: string[];
    if (launch.builtin) {
      // A built-in workload watches its stdin itself (parent-watch.ts).
      args = [
        CLI_ENTRY,
        'workload',
        launch.builtin,
        '--port',
        String(appPort),
        ...launch.args.map(ports),
      ];
      if (passFd) args.push('--listen-fd', String(INHERITED_FD));
    } else {
      // Any other command runs under the guard, which ends its process group when `up` is gone.
      const [first, ...rest] = launch.command ?? [];
      args = [GUARD_ENTRY, first ?? 'true', ...[...rest, ...launch.args].map(ports)];
    }
    const child = spawn(cmd, args, {
      env,
      cwd: launch.workingDir,
      // stdin is the lifeline: `up` holds its write end, so it closes when `up` dies, even by SIGKILL.
      // fd 3: the reserved listening socket, for a built-in workload's first start.
      stdio: passFd ? ['pipe', 'pipe', 'pipe', heldFd] : ['pipe', 'pipe', 'pipe'],
      // Its own process group: stopped as a whole, and a terminal's Ctrl-C reaches only `up`, which
      // drains before it stops the workloads.
      detached: true,
    });
    child.stdin?.on('error', () => undefined);
    // The child holds its own copy of the socket now; a restart binds the port by number.
    if (passFd) held?.close();
    m.child = child;
    if (child.pid !== undefined) this.record?.add(child.pid, instance.name);
    const k = key(instance);
    this.events.onStart?.(k, child.pid);
    const pipe = (stream: 'stdout' | 'stderr') => {
      let buf = '';
      child[stream]?.setEncoding('utf8');
      child[stream]?.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          this.events.onOutput?.(k, stream, buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      });
    };
    pipe('stdout');
    pipe('stderr');
    child.on('error', (err) =>
      this.events.onOutput?.(k, 'stderr', `failed to start: ${err.message}`),
    );
    child.on('exit', (code, signal) => {
      if (m.child === child) m.child = undefined;
      if (child.pid !== undefined) this.record?.remove(child.pid);
      this.events.onExit?.(k, code, signal);
      if (m.stopping) return;
      const delay = this.backoff.delayMs(k, Date.now());
      this.events.onBackoff?.(k, delay);
      m.restartTimer = setTimeout(() => {
        m.restartTimer = undefined;
        if (m.stopping) return;
        this.backoff.next(k);
        m.restarts++;
        this.launch(m);
      }, delay);
    });
  }

  /** pid of a workload's current process (for `kill` in tests and `get proxies`). */
  pid(name: string, namespace = 'default'): number | undefined {
    return this.managed.get(`${namespace}/${name}`)?.child?.pid;
  }

  /** The current back-off of a workload (for the CrashLoopBackOff message). */
  backoffMs(namespace: string, name: string): number {
    return this.backoff.currentMs(`${namespace}/${name}`);
  }

  /** SIGTERM every child's process group, SIGKILL stragglers after graceMs. */
  async stopAll(graceMs = 3000): Promise<void> {
    for (const server of this.reserved.values()) server.close();
    this.reserved.clear();
    const all = [...this.managed.values()];
    this.managed.clear();
    await Promise.all(all.map((m) => stopManaged(m, graceMs)));
  }
}

function stopManaged(m: Managed, graceMs: number): Promise<void> {
  m.stopping = true;
  if (m.restartTimer) clearTimeout(m.restartTimer);
  const child = m.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((res) => {
    const kill = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      res();
    });
    signalGroup(child, 'SIGTERM');
  });
}

/** True when something accepts TCP connections on host:port (a tcpSocket readiness probe). */
export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((res) => {
    const s = createConnection({ host, port });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

/** The child leads its own group (spawned detached): signal the group, else the child alone. */
function signalGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, sig);
    else child.kill(sig);
  } catch {
    child.kill(sig);
  }
}

function key(i: WorkloadInstance): string {
  return `${i.namespace}/${i.name}`;
}

// Shared parts of the proxyless gRPC suites (test/xds-grpc*.test.ts): real @grpc/grpc-js echo
// servers whose behaviour the caller picks by metadata, `switchyard control-plane` as a child process,
// and a real @grpc/grpc-js-xds client (test/helpers/xds-grpc-client.ts) in its own process.
import * as grpc from '@grpc/grpc-js';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { CLI } from './mesh.js';

/** Metadata the echo servers obey. */
/** The echo service the proxyless tests route to, and its gRPC port. */
export const ECHO_HOST = 'echo.default.svc.cluster.local';
export const ECHO_PORT = 7070;

/** The echo service: a ServiceEntry, workloads v1 and v2 on these ports, a DestinationRule of both. */
export function echoService(v1Port: number, v2Port: number): string {
  return `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: echo, namespace: default }
spec:
  hosts: [${ECHO_HOST}]
  location: MESH_INTERNAL
  ports: [{ number: ${ECHO_PORT}, name: grpc, protocol: GRPC }]
  resolution: STATIC
  workloadSelector: { labels: { app: echo } }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: echo-v1, namespace: default }
spec: { address: 127.0.0.1, labels: { app: echo, version: v1 }, ports: { grpc: ${v1Port} } }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: echo-v2, namespace: default }
spec: { address: 127.0.0.1, labels: { app: echo, version: v2 }, ports: { grpc: ${v2Port} } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: echo, namespace: default }
spec:
  host: ${ECHO_HOST}
  subsets:
    - { name: v1, labels: { version: v1 } }
    - { name: v2, labels: { version: v2 } }
`;
}

export const FAIL_FIRST = 'x-fail-first';
export const HOLD = 'x-hold';

export interface EchoServer {
  port: number;
  name: string;
  /** Calls that reached this server (every attempt counts). */
  received: number;
  /** Calls held (x-hold) and not yet released. */
  held(): number;
  /** Answers every held call. */
  release(): void;
  /** Attempts seen for an x-fail-first key. */
  attempts(key: string): number;
  stop(): void;
}

/**
 * An echo server answering its name. `x-fail-first: <key>:<n>` fails the first n attempts of that key
 * with UNAVAILABLE; `x-hold` keeps the call open until release().
 */
export async function startEchoServer(name: string): Promise<EchoServer> {
  const server = new grpc.Server();
  const identity = (b: Buffer) => b;
  const holding: (() => void)[] = [];
  const seen = new Map<string, number>();
  const echo: EchoServer = {
    port: 0,
    name,
    received: 0,
    held: () => holding.length,
    release: () => {
      for (const answer of holding.splice(0)) answer();
    },
    attempts: (key) => seen.get(key) ?? 0,
    stop: () => {
      echo.release();
      server.forceShutdown();
    },
  };
  server.addService(
    {
      Call: {
        path: '/echo.Echo/Call',
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    } as grpc.ServiceDefinition,
    {
      Call: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        echo.received++;
        const fail = call.metadata.get(FAIL_FIRST)[0];
        if (typeof fail === 'string') {
          const [key = '', n = '0'] = fail.split(':');
          const count = (seen.get(key) ?? 0) + 1;
          seen.set(key, count);
          if (count <= Number(n)) {
            cb({ code: grpc.status.UNAVAILABLE, details: `${name}: attempt ${count} fails` });
            return;
          }
        }
        if (call.metadata.get(HOLD).length > 0) {
          holding.push(() => cb(null, Buffer.from(name)));
          return;
        }
        cb(null, Buffer.from(name));
      },
    },
  );
  echo.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return echo;
}

export interface ControlPlane {
  proc: ChildProcessWithoutNullStreams;
  port: number;
  log: string[];
  /** Resolves once a log line matching re has been printed (now or later). */
  logged(re: RegExp): Promise<string>;
}

/** Starts `switchyard control-plane` and resolves with its printed xDS port. */
export function startControlPlane(file: string, extraArgs: string[] = []): Promise<ControlPlane> {
  const proc = spawn(process.execPath, [
    CLI,
    'control-plane',
    '-f',
    file,
    '--xds-port',
    '0',
    ...extraArgs,
  ]);
  const log: string[] = [];
  const waiters: { re: RegExp; resolve: (line: string) => void }[] = [];
  const logged = (re: RegExp) =>
    new Promise<string>((resolve) => {
      const line = log.find((l) => re.test(l));
      if (line !== undefined) resolve(line);
      else waiters.push({ re, resolve });
    });
  return new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout }).on('line', (line) => {
      log.push(line);
      for (const w of [...waiters])
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      const m = /xDS \(ADS\) listening on 127\.0\.0\.1:(\d+)/.exec(line);
      if (m) resolve({ proc, port: Number(m[1]), log, logged });
    });
    proc.stderr.on('data', (d: Buffer) => log.push(d.toString()));
    proc.on('exit', (code) => reject(new Error(`control-plane exited ${code}: ${log.join('\n')}`)));
  });
}

export function runCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args]);
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}`))));
  });
}

/** One batch of calls for the client process (see test/helpers/xds-grpc-client.ts). */
export interface CallBatch {
  /** `xds:///host:port`; the client's default target when omitted. */
  target?: string;
  calls: number;
  metadata?: Record<string, string>;
  /** Per-call deadline (default 10 s). */
  deadlineMs?: number;
  /** Start every call at once instead of one after the other. */
  concurrent?: boolean;
  /** With concurrent: wait this long between starting calls (each is under way before the next). */
  staggerMs?: number;
  /** Keep calling (one after the other) until these answers were seen this many times; `calls` caps it. */
  untilSeen?: Record<string, number>;
  /** Print a progress line per finished call (onProgress). */
  progress?: boolean;
}

export interface BatchResult {
  /** Answer (server name) or `error:<STATUS>` -> how many calls. */
  counts: Record<string, number>;
  /** Fastest and slowest call, ms (measured in the client). */
  minMs: number;
  maxMs: number;
}

export interface ClientHandle {
  run(batch: CallBatch, onProgress?: (answer: string) => void): Promise<BatchResult>;
  /** Shorthand: `calls` sequential calls, the answer counts. */
  count(calls: number, metadata?: Record<string, string>): Promise<Record<string, number>>;
  stop(): void;
}

/** The node a proxyless client sends (istio/istio pilot/pkg/networking/grpcgen/testdata/xds_bootstrap.json). */
export function grpcBootstrap(xdsPort: number, pod = 'echo-client-0'): Record<string, unknown> {
  return {
    xds_servers: [
      {
        server_uri: `127.0.0.1:${xdsPort}`,
        channel_creds: [{ type: 'insecure' }],
        server_features: ['xds_v3'],
      },
    ],
    node: {
      id: `sidecar~127.0.0.1~${pod}.default~default.svc.cluster.local`,
      cluster: 'echo-client',
      locality: {},
      metadata: { GENERATOR: 'grpc', NAMESPACE: 'default' },
    },
  };
}

/**
 * A grpc-js-xds client process. `env` adds variables to that process only (e.g. grpc-js-xds's
 * GRPC_XDS_EXPERIMENTAL_* switches).
 */
export function startClient(
  xdsPort: number,
  target: string,
  env: Record<string, string> = {},
): ClientHandle {
  const proc = spawn(
    process.execPath,
    [join(CLI, '..', '..', '..', 'test', 'helpers', 'xds-grpc-client.js'), target],
    {
      env: {
        ...process.env,
        ...env,
        GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(grpcBootstrap(xdsPort)),
      },
    },
  );
  // One batch at a time: the answer lines belong to the oldest batch.
  const pending: {
    progress?: (a: string) => void;
    done: (r: BatchResult) => void;
    fail: (e: Error) => void;
  }[] = [];
  createInterface({ input: proc.stdout }).on('line', (line) => {
    const msg = JSON.parse(line) as { progress?: string } & Partial<BatchResult>;
    const head = pending[0];
    if (!head) return;
    if (msg.progress !== undefined) head.progress?.(msg.progress);
    else {
      pending.shift();
      head.done(msg as BatchResult);
    }
  });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  proc.on('exit', () => {
    for (const p of pending.splice(0)) p.fail(new Error(`client exited: ${stderr}`));
  });
  const run = (batch: CallBatch, onProgress?: (answer: string) => void) =>
    new Promise<BatchResult>((resolve, reject) => {
      pending.push({
        ...(onProgress ? { progress: onProgress } : {}),
        done: resolve,
        fail: reject,
      });
      proc.stdin.write(JSON.stringify({ ...batch, progress: !!onProgress }) + '\n');
    });
  return {
    run,
    count: async (calls, metadata) =>
      (await run({ calls, ...(metadata ? { metadata } : {}) })).counts,
    stop: () => proc.kill(),
  };
}

/** Calls answered with an error status. */
export function errors(counts: Record<string, number>): number {
  return Object.entries(counts)
    .filter(([k]) => k.startsWith('error'))
    .reduce((s, [, n]) => s + n, 0);
}

/** Resolves when cond() holds, checking every 20 ms (no deadline: the test's own timeout bounds it). */
export async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 20));
}

export { binomialInterval } from './binomial.js';

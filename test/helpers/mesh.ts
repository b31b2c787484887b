// Starts the real `switchyard up` as a child process on free ports and drives it like a user would.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './shared.js';

export const CLI = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

export interface RunningMesh {
  admin: string;
  gateway: string;
  home: string;
  process: ChildProcess;
  output: () => string;
  /** Runs the CLI against this mesh (adds --server); returns exit status and output. */
  cli(args: string[], input?: string): { status: number; stdout: string; stderr: string };
  stop(): Promise<void>;
}

export async function startMesh(
  extraArgs: string[] = ['--demo', 'bookinfo'],
  gatewayPort = 8080,
  /** $SWITCHYARD_HOME for this run; a fresh temporary directory unless given. */
  home = mkdtempSync(join(tmpdir(), 'switchyard-e2e-')),
  /** The CLI entry to run: the build in this checkout unless given (e.g. an installed package's bin). */
  cli = CLI,
): Promise<RunningMesh> {
  const env = { ...process.env, SWITCHYARD_HOME: home };
  // Port 0 everywhere (read back from the banner): no race with the mesh's own port-0 sockets.
  // A fixed seed makes weighted splits and fault percentages reproducible run to run.
  const args = ['up', ...extraArgs, '--admin-port', '0', '--port-map', `${gatewayPort}=0`];
  if (!extraArgs.includes('--seed')) args.push('--seed', '1');
  const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 60_000;
  let admin = '';
  let gateway = '';
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`switchyard up exited early (${child.exitCode}):\n${out}`);
    if (out.includes('switchyard mesh is up:')) {
      admin = /^\s+admin\s+(http:\/\/127\.0\.0\.1:\d+)/m.exec(out)?.[1] ?? '';
      gateway =
        new RegExp(
          `^\\s+ingressgateway\\s+0\\.0\\.0\\.0_${gatewayPort}\\s+((?:https?|tls|tcp)://127\\.0\\.0\\.1:\\d+)`,
          'm',
        ).exec(out)?.[1] ?? '';
      const ready = admin ? await get(`${admin}/ready`).catch(() => undefined) : undefined;
      if (ready?.status === 200) break;
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`switchyard up was not ready within 60s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    admin,
    gateway,
    home,
    process: child,
    output: () => out,
    cli(args, input) {
      const r = spawnSync(process.execPath, [cli, ...args, '--server', admin], {
        env,
        input,
        encoding: 'utf8',
        timeout: 60_000,
      });
      return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    async stop() {
      // Killed by a signal, a process has signalCode set and exitCode null.
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface SimpleResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function get(url: string, headers: Record<string, string> = {}): Promise<SimpleResponse> {
  return send('GET', url, headers);
}

export function send(
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false, timeout: 30_000 }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

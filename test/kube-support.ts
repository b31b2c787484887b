// Real kubectl binaries against the real admin server (real store) on port 0: finding the binaries,
// writing the kubeconfig, running one command.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { startAdminServer, type AdminServer } from '../src/admin/index.js';
import type { ConfigStore } from '../src/config/index.js';
import type { Clock } from '../src/runtime/clock.js';
import { writeKubeconfig } from '../src/kube/kubeconfig.js';
import { sharedFile } from './helpers/shared.js';

/** A kubectl binary by version (`kubectl.1.27` on PATH or beside the `kubectl` on PATH). */
export function findKubectl(version: string): string | undefined {
  const path = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  const dirs = [...path];
  for (const d of path) {
    const main = join(d, 'kubectl');
    if (existsSync(main)) dirs.push(dirname(realpathSync(main)));
  }
  for (const d of dirs) {
    const candidate = join(d, `kubectl.${version}`);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The oldest and newest kubectl the issue names, with a printed reason for each one missing. */
export function kubectlVersions(): {
  version: string;
  bin: string | undefined;
  skip: string | false;
}[] {
  return ['1.27', '1.33'].map((version) => {
    const bin = findKubectl(version);
    const skip = bin
      ? false
      : `kubectl ${version} is not installed (looked for kubectl.${version} on PATH)`;
    if (skip) console.log(`# skip: ${skip}`);
    return { version, bin, skip };
  });
}

/** Istio's samples: ../shared, else /work/shared (where this machine keeps them). */
export function istioSample(...parts: string[]): string | undefined {
  const local = sharedFile('conformance', 'istio-samples', ...parts);
  if (local) return local;
  const fixed = join('/work/shared/conformance/istio-samples', ...parts);
  return existsSync(fixed) ? fixed : undefined;
}

export interface KubeRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one kubectl command to completion with env (KUBECONFIG, HOME), stdin closed after `stdin`. */
export function runKubectl(
  bin: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  stdin?: string,
): Promise<KubeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

export interface KubeServer {
  admin: AdminServer;
  kubeconfig: string;
  token: string;
  run(bin: string, args: readonly string[], stdin?: string): Promise<KubeRun>;
  /** Resolves once the server is serving `n` watches (a client has started watching). */
  watchesOpen(n: number): Promise<void>;
  /** Runs until `until(stdout)` holds, then ends the process (for `-w`). */
  watch(bin: string, args: readonly string[], until: (out: string) => boolean): Promise<KubeRun>;
}

export async function startKubeServer(
  store: ConfigStore,
  clock?: Clock,
  token = 'kube-test-token',
): Promise<KubeServer> {
  const admin = await startAdminServer({
    store,
    token,
    port: 0,
    bookmarkIntervalMs: 200,
    ...(clock ? { clock } : {}),
  });
  const home = mkdtempSync(join(tmpdir(), 'switchyard-kube-'));
  const kubeconfig = writeKubeconfig(
    admin.tlsUrl,
    token,
    join(home, 'kubeconfig'),
    admin.servingCert.cert,
  );
  const env = {
    ...process.env,
    KUBECONFIG: kubeconfig,
    HOME: home,
    KUBECACHEDIR: join(home, 'cache'),
  };
  const spawnIt = (bin: string, args: readonly string[]) =>
    spawn(bin, [...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  return {
    admin,
    kubeconfig,
    token,
    run(bin, args, stdin) {
      return runKubectl(bin, args, env, stdin);
    },
    async watchesOpen(n) {
      while (admin.kube.activeWatches < n) await new Promise((r) => setTimeout(r, 20));
    },
    watch(bin, args, until) {
      return new Promise((resolve, reject) => {
        const child = spawnIt(bin, args);
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          stdout += d;
          if (until(stdout)) child.kill('SIGTERM');
        });
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
        child.stdin.end();
      });
    },
  };
}

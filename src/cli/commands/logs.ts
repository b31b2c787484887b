// `switchyard logs POD|deploy/NAME [-c CONTAINER] [-f] [--tail N] [--since D] [--previous]`: a container's
// log through the API's pods/log, as kubectl logs (k8s.io/kubectl pkg/cmd/logs); `-c istio-proxy` is
// the sidecar's access log. A name that is no pod but a proxy (`logs productpage-v1`) still prints that
// proxy's access log from the admin API's /logs, as this command did before pods existed.
import type { Command } from 'commander';
import { defaultTokenPath, readTokenFile } from '../../admin/token.js';
import { durationMs } from '../../units/index.js';
import {
  addServerOptions,
  AdminClient,
  fetchMesh,
  printError,
  ServerError,
  type ServerFlags,
} from '../client.js';
import { EXIT } from '../exit-codes.js';
import { resolvePodTarget, TargetError } from '../pod-target.js';

interface LogsFlags extends ServerFlags {
  container?: string;
  namespace: string;
  follow: boolean;
  tail?: string;
  since?: string;
  previous: boolean;
  timestamps: boolean;
}

export function registerLogs(program: Command): void {
  addServerOptions(
    program
      .command('logs <target>')
      .description(
        "print a container's log from the running mesh (as kubectl logs; -c istio-proxy: the sidecar's access log)",
      )
      .option('-c, --container <name>', "container name (default: the pod's first)")
      .option('-n, --namespace <ns>', 'namespace', 'default')
      .option('-f, --follow', 'stream new lines', false)
      .option('--tail <lines>', 'lines from the end of the log (default: all)')
      .option('--since <duration>', 'only lines newer than a relative duration like 5s, 2m, or 3h')
      .option('-p, --previous', "the previous instance's log", false)
      .option('--timestamps', 'prefix each line with its RFC 3339 time', false),
  ).action(async (target: string, opts: LogsFlags) => {
    const client = new AdminClient(opts);
    let pod;
    try {
      pod = await resolvePodTarget(client, target, opts.namespace);
    } catch (err) {
      if (err instanceof ServerError && err.status.code === 404 && !target.includes('/'))
        return proxyLog(target, opts);
      printError(err instanceof TargetError ? new Error(err.message) : err);
      process.exitCode = EXIT.failure;
      return;
    }
    const q = new URLSearchParams();
    q.set('container', opts.container ?? pod.defaultContainer);
    if (opts.follow) q.set('follow', 'true');
    if (opts.previous) q.set('previous', 'true');
    if (opts.timestamps) q.set('timestamps', 'true');
    if (opts.tail !== undefined && Number(opts.tail) >= 0) q.set('tailLines', opts.tail);
    if (opts.since !== undefined) {
      const ms = durationMs(opts.since);
      if (ms === undefined) {
        console.error(`error: invalid argument "${opts.since}" for "--since" flag`);
        process.exit(EXIT.usage);
      }
      q.set('sinceSeconds', String(Math.max(1, Math.ceil(ms / 1000))));
    }
    const token = opts.token ?? readTokenFile(defaultTokenPath());
    const path = `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.pod)}/log?${q}`;
    try {
      const res = await fetchMesh(opts.server, `${client.server}${path}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      if (!res.ok) {
        const text = await res.text();
        let st;
        try {
          st = JSON.parse(text);
        } catch {
          st = { kind: 'Status', code: res.status, message: text.trim() };
        }
        throw new ServerError(st);
      }
      for await (const chunk of res.body ?? []) process.stdout.write(chunk as Uint8Array);
    } catch (err) {
      printError(err);
      process.exitCode = EXIT.failure;
    }
  });
}

async function proxyLog(proxy: string, opts: LogsFlags): Promise<void> {
  const url = new URL(`${opts.server.replace(/\/+$/, '')}/logs`);
  url.searchParams.set('proxy', proxy);
  url.searchParams.set('tail', opts.tail ?? '100');
  try {
    const res = await fetchMesh(opts.server, url);
    const text = await res.text();
    if (!res.ok) {
      process.stderr.write(`error: ${text.trim()}\n`);
      process.exitCode = EXIT.failure;
      return;
    }
    process.stdout.write(text);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exitCode = EXIT.failure;
  }
}

// `switchyard exec POD|deploy/NAME [-c CONTAINER] [-i] -- CMD ARGS...`: kubectl exec through the same
// API path (pods/exec over WebSocket v5.channel.k8s.io), printing what kubectl prints: "Defaulted
// container ..." and "command terminated with exit code N", and exiting with the command's status
// (k8s.io/kubectl pkg/cmd/exec/exec.go; k8s.io/client-go tools/remotecommand v4 errorDecoder).
import type { Command } from 'commander';
import { WebSocket } from 'ws';
import { defaultTokenPath, readTokenFile } from '../../admin/token.js';
import type { StatusBody } from '../../admin/status.js';
import {
  addServerOptions,
  AdminClient,
  printError,
  ServerError,
  type ServerFlags,
} from '../client.js';
import { EXIT } from '../exit-codes.js';
import { resolvePodTarget, TargetError } from '../pod-target.js';

interface ExecFlags extends ServerFlags {
  container?: string;
  namespace: string;
  stdin: boolean;
}

interface ExecStatus {
  status?: string;
  reason?: string;
  message?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

export function registerExec(program: Command): void {
  addServerOptions(
    program
      .command('exec <target> [command...]')
      .description(
        'run a command in a pod of the running mesh (as kubectl exec), e.g. exec deploy/sleep -- curl ...',
      )
      .option('-c, --container <name>', "container name (default: the pod's first)")
      .option('-n, --namespace <ns>', 'namespace', 'default')
      .option('-i, --stdin', 'pass stdin to the command', false),
  ).action(async (target: string, command: string[], opts: ExecFlags) => {
    if (command.length === 0) {
      console.error('error: you must specify at least one command for the container');
      process.exit(EXIT.usage);
    }
    try {
      const client = new AdminClient(opts);
      const pod = await resolvePodTarget(client, target, opts.namespace);
      const container = opts.container ?? pod.defaultContainer;
      if (!opts.container && pod.containers.length > 1)
        console.error(`Defaulted container "${container}" out of: ${pod.containers.join(', ')}`);
      const q = new URLSearchParams();
      for (const c of command) q.append('command', c);
      q.set('container', container);
      q.set('stdout', 'true');
      q.set('stderr', 'true');
      if (opts.stdin) q.set('stdin', 'true');
      const base = client.server.replace(/^http/, 'ws');
      const url = `${base}/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.pod)}/exec?${q}`;
      process.exitCode = await stream(
        url,
        opts.token ?? readTokenFile(defaultTokenPath()),
        opts.stdin,
      );
    } catch (err) {
      printError(err instanceof TargetError ? new Error(err.message) : err);
      process.exitCode = EXIT.failure;
    }
  });
}

function stream(url: string, token: string | undefined, stdin: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['v5.channel.k8s.io', 'v4.channel.k8s.io'], {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      perMessageDeflate: false,
    });
    let status: ExecStatus | undefined;
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => {
        try {
          const parsed = JSON.parse(body) as StatusBody;
          if (parsed.kind === 'Status') return reject(new ServerError(parsed));
        } catch {
          // plain text (the kubelet's refusal)
        }
        reject(new Error(`unable to upgrade connection: ${body.trim()}`));
      });
    });
    ws.on('error', reject);
    ws.on('open', () => {
      if (!stdin) return;
      process.stdin.on('data', (d: Buffer) => ws.send(Buffer.concat([Buffer.from([0]), d])));
      // v5: [255, 0] closes stdin.
      process.stdin.on('end', () => ws.send(Buffer.from([255, 0])));
    });
    ws.on('message', (raw: Buffer) => {
      const data = Buffer.from(raw);
      const channel = data[0];
      const body = data.subarray(1);
      if (channel === 1) process.stdout.write(body);
      else if (channel === 2) process.stderr.write(body);
      else if (channel === 3 && body.length > 0)
        status = JSON.parse(body.toString('utf8')) as ExecStatus;
    });
    ws.on('close', () => {
      if (stdin) process.stdin.destroy();
      if (!status || status.status === 'Success') return resolve(0);
      const code = status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
      if (status.reason === 'NonZeroExitCode' && code !== undefined) {
        console.error(`command terminated with exit code ${code}`);
        return resolve(Number(code));
      }
      console.error(`error: ${status.message ?? 'exec failed'}`);
      resolve(EXIT.failure);
    });
  });
}

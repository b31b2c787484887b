// `switchyard logs PROXY [--tail N]`: a proxy's access log from the running mesh, as
// `kubectl logs <pod> -c istio-proxy` shows a sidecar's.
import type { Command } from 'commander';
import { addServerOptions, fetchMesh, type ServerFlags } from '../client.js';
import { EXIT } from '../exit-codes.js';

export function registerLogs(program: Command): void {
  addServerOptions(
    program
      .command('logs <proxy>')
      .description("print a proxy's access log from the running mesh (kubectl logs -c istio-proxy)")
      .option('--tail <lines>', 'lines from the end of the log', '100'),
  ).action(async (proxy: string, opts: ServerFlags & { tail: string }) => {
    const url = new URL(`${opts.server.replace(/\/+$/, '')}/logs`);
    url.searchParams.set('proxy', proxy);
    url.searchParams.set('tail', opts.tail);
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
  });
}

// `switchyard dashboard`: the running mesh's service graph, as `istioctl dashboard kiali` opens Kiali
// (istio/istio istioctl/pkg/dashboard/dashboard.go: prints the URL, opens a browser unless --browser=false).
import type { Command } from 'commander';
import { spawn, spawnSync } from 'node:child_process';
import { addServerOptions, fetchMesh, printError, type ServerFlags } from '../client.js';
import { EXIT } from '../exit-codes.js';

interface DashboardFlags extends ServerFlags {
  browser: boolean;
}

/** The command that opens a URL on this desktop, or undefined on a machine without one. */
function opener(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const cmd = process.platform === 'darwin' ? 'open' : 'xdg-open';
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return undefined;
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0 ? cmd : undefined;
}

export function registerDashboard(program: Command): void {
  addServerOptions(
    program
      .command('dashboard')
      .description("open the running mesh's live service graph (as istioctl dashboard kiali)")
      .option(
        '--browser [bool]',
        'open a browser (false: only print the URL)',
        (v) => v !== 'false',
        true,
      ),
  ).action(async (opts: DashboardFlags) => {
    const url = `${opts.server.replace(/\/+$/, '')}/graph`;
    try {
      // Only a running mesh has a graph: say so the same way every command does.
      await fetchMesh(opts.server, `${opts.server.replace(/\/+$/, '')}/ready`);
    } catch (err) {
      printError(err);
      process.exitCode = EXIT.failure;
      return;
    }
    console.log(url);
    const cmd = opts.browser ? opener() : undefined;
    if (cmd) spawn(cmd, [url], { detached: true, stdio: 'ignore' }).unref();
  });
}

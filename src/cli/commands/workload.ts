// `switchyard workload <name> [--port P] [--version v]`: runs one built-in workload in the foreground
// (the mesh runner starts each workload this way, with the proxy env pointing at its sidecar).
import type { Command } from 'commander';
import { WORKLOADS, workloadNames } from '../../workloads/index.js';
import { EXIT } from '../exit-codes.js';
import { formatHostPort, parseListenPort } from '../../units/index.js';
import { watchParentIfSupervised } from '../../mesh/parent-watch.js';

export function registerWorkload(program: Command): void {
  // `workload reviews --version v2` must reach this command, not the program's -V/--version:
  // program options are only recognised before the verb.
  program.enablePositionalOptions();
  program
    .command('workload')
    .description(`run a built-in workload (${workloadNames().join(', ')})`)
    .argument('<name>', 'workload name')
    .option(
      '-p, --port <port>',
      "port to listen on (0 = any free port; default the Istio sample's)",
    )
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option(
      '--listen-fd <fd>',
      'serve an inherited listening socket (file descriptor) instead of binding',
    )
    .option('--version <version>', 'version label (v1, v2, v3); default $SERVICE_VERSION or v1')
    .option('-q, --quiet', 'do not log requests to stderr', false)
    .option('--also-port <ports>', 'more ports to listen on, comma-separated (tcp-echo)')
    .option('--prefix <prefix>', "tcp-echo's reply prefix (its second container argument)")
    .action(
      async (
        name: string,
        opts: {
          port?: string;
          host: string;
          version?: string;
          quiet: boolean;
          alsoPort?: string;
          prefix?: string;
          listenFd?: string;
        },
      ) => {
        const def = WORKLOADS.get(name);
        if (!def) {
          console.error(`error: unknown workload "${name}"; known: ${workloadNames().join(', ')}`);
          process.exit(EXIT.usage);
        }
        const port = opts.port === undefined ? def.defaultPort : parseListenPort(opts.port);
        if (port === undefined) {
          console.error(`error: invalid port "${opts.port}"`);
          process.exit(EXIT.usage);
        }
        const extraPorts = (opts.alsoPort ?? '')
          .split(',')
          .filter((p) => p !== '')
          .map((p) => parseListenPort(p));
        if (extraPorts.some((p) => p === undefined)) {
          console.error(`error: invalid --also-port "${opts.alsoPort}"`);
          process.exit(EXIT.usage);
        }
        const running = await def.start({
          port,
          extraPorts: extraPorts as number[],
          ...(opts.prefix !== undefined ? { prefix: opts.prefix } : {}),
          ...(opts.listenFd !== undefined ? { listenFd: Number(opts.listenFd) } : {}),
          host: opts.host,
          version: opts.version,
          env: process.env,
          log: opts.quiet ? undefined : (line) => process.stderr.write(`${name}: ${line}\n`),
        });
        console.log(`listening on ${formatHostPort(running.host, running.port)}`);
        let stopping = false;
        const stop = () => {
          if (stopping) return;
          stopping = true;
          void running.close().then(() => process.exit(EXIT.ok));
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
        // Started by `up`: go when `up` goes, however it went (SIGKILL included).
        watchParentIfSupervised(() => {
          stop();
          setTimeout(() => process.exit(EXIT.ok), 3000).unref();
        });
      },
    );
}

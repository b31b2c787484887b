// `switchyard load [fortio flags] URL`: fortio's load generator, optionally sent through a
// workload's sidecar (--from) so mesh routing and the client-side circuit breaker apply.
import type { Command } from 'commander';
import { systemClock } from '../../runtime/clock.js';
import {
  LOAD_USAGE,
  ResolveError,
  UsageError,
  parseLoadArgs,
  resolveFrom,
} from '../../load/index.js';
import { defaultServer, noMeshMessage } from '../client.js';
import { EXIT } from '../exit-codes.js';
import { examplesText } from '../help-examples.js';

export function registerLoad(program: Command): void {
  program
    .command('load')
    .description(
      "generate HTTP load with fortio's flags and report (e.g. load -c 3 -qps 0 -n 30 URL)",
    )
    // fortio spells multi-letter flags with one dash (-qps, -timeout): parsed by src/load/options.ts
    .helpOption(false)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .argument('[args...]', 'fortio-style flags and the URL')
    .action(async (args: string[]) => {
      let options;
      try {
        options = parseLoadArgs(args);
      } catch (err) {
        if (err instanceof UsageError) {
          console.error(`error: ${err.message}\n${LOAD_USAGE}`);
          process.exit(EXIT.usage);
        }
        throw err;
      }
      if (!options) {
        console.log(LOAD_USAGE + examplesText('load'));
        return;
      }
      if (options.from) {
        // No -server flag: the mesh `up` recorded, as every other command finds it.
        if (!args.some((a) => /^--?server(=|$)/.test(a))) options.server = defaultServer();
        try {
          options.proxy = await resolveFrom(options.server, options.from);
        } catch (err) {
          if (err instanceof ResolveError) {
            console.error(
              `error: ${err.unreachable ? noMeshMessage(options.server) : err.message}`,
            );
            process.exit(EXIT.failure);
          }
          throw err;
        }
      }
      const abort = new AbortController();
      const onSigint = () => abort.abort();
      process.on('SIGINT', onSigint);
      try {
        // Loaded when the command runs: every other command starts without the load generator.
        const { runLoad } = await import('../../load/http-runner.js');
        await runLoad(options, {
          clock: systemClock,
          out: (line) => process.stdout.write(`${line}\n`),
          err: (line) => process.stderr.write(`${line}\n`),
          signal: abort.signal,
        });
      } catch (err) {
        console.error((err as Error).message);
        process.exitCode = EXIT.failure;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}

// `switchyard apply -f FILE|DIR|- [-R] [-n ns] [--dry-run=server]`: kubectl apply against the running mesh's admin API.
import type { Command } from 'commander';
import {
  FILE_APPLY_PATH,
  FILES_MEDIA_TYPE,
  type ApplyResponse,
} from '../../admin/config-routes.js';
import { addServerOptions, AdminClient, type ServerFlags } from '../client.js';
import { EXIT } from '../exit-codes.js';
import { checkSyntax, CliError, readConfigFiles } from './kubectl-args.js';
import { reportFailure } from './kubectl-report.js';

interface ApplyFlags extends ServerFlags {
  filename: string[];
  recursive: boolean;
  namespace?: string;
  dryRun: string;
}

export function registerApply(program: Command): void {
  addServerOptions(
    program
      .command('apply')
      .description(
        'apply configuration to the running mesh by file name or stdin (as kubectl apply)',
      )
      .requiredOption('-f, --filename <path...>', 'file, directory or - for stdin (repeatable)')
      .option('-R, --recursive', 'process directories recursively', false)
      .option('-n, --namespace <ns>', 'namespace for objects without one (default "default")')
      .option(
        '--dry-run <mode>',
        'none, server or client: validate and report without changing the mesh',
        'none',
      ),
  ).action(async (opts: ApplyFlags) => {
    try {
      if (!['none', 'server', 'client'].includes(opts.dryRun))
        throw new CliError(
          `Invalid dry-run value (${opts.dryRun}). Must be "none", "server", or "client".`,
        );
      const files = readConfigFiles(opts.filename, opts.recursive);
      checkSyntax(files, opts.namespace);
      const params = new URLSearchParams();
      if (opts.namespace) params.set('namespace', opts.namespace);
      // Both dry runs ask the server, which validates against the live config without changing it.
      if (opts.dryRun !== 'none') params.set('dryRun', 'All');
      const query = params.size > 0 ? `?${params.toString()}` : '';
      // kubectl's suffixes: ` (server dry run)` and ` (dry run)`.
      const suffix =
        opts.dryRun === 'server'
          ? ' (server dry run)'
          : opts.dryRun === 'client'
            ? ' (dry run)'
            : '';
      const reply = (await new AdminClient(opts).request(
        'POST',
        `${FILE_APPLY_PATH}${query}`,
        JSON.stringify({ files }),
        FILES_MEDIA_TYPE,
      )) as ApplyResponse;
      for (const w of reply.warnings) console.error(`Warning: ${w}`);
      // kubectl apply's NamePrinter: `<type>/<name> created|configured|unchanged`.
      for (const r of reply.results) console.log(`${r.typeName}/${r.name} ${r.action}${suffix}`);
      process.exitCode = EXIT.ok;
    } catch (err) {
      reportFailure(err);
    }
  });
}

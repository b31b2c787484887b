// `switchyard apply -f FILE|DIR|- [-R] [-n ns]`: kubectl apply against the running mesh's admin API.
import type { Command } from 'commander';
import { FILES_MEDIA_TYPE, type ApplyResponse } from '../../admin/config-routes.js';
import { addServerOptions, AdminClient, type ServerFlags } from '../client.js';
import { EXIT } from '../exit-codes.js';
import { checkSyntax, readConfigFiles } from './kubectl-args.js';
import { reportFailure } from './kubectl-report.js';

interface ApplyFlags extends ServerFlags {
  filename: string[];
  recursive: boolean;
  namespace?: string;
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
      .option('-n, --namespace <ns>', 'namespace for objects without one (default "default")'),
  ).action(async (opts: ApplyFlags) => {
    try {
      const files = readConfigFiles(opts.filename, opts.recursive);
      checkSyntax(files, opts.namespace);
      const query = opts.namespace ? `?namespace=${encodeURIComponent(opts.namespace)}` : '';
      const reply = (await new AdminClient(opts).request(
        'POST',
        `/config/apply${query}`,
        JSON.stringify({ files }),
        FILES_MEDIA_TYPE,
      )) as ApplyResponse;
      for (const w of reply.warnings) console.error(`Warning: ${w}`);
      // kubectl apply's NamePrinter: `<type>/<name> created|configured|unchanged`.
      for (const r of reply.results) console.log(`${r.typeName}/${r.name} ${r.action}`);
      process.exitCode = EXIT.ok;
    } catch (err) {
      reportFailure(err);
    }
  });
}

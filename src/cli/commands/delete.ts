// `switchyard delete -f FILE|DIR|-` and `switchyard delete KIND NAME... [-n ns]`, printing kubectl's lines.
import type { Command } from 'commander';
import {
  FILE_DELETE_PATH,
  FILES_MEDIA_TYPE,
  type DeleteResponse,
} from '../../admin/config-routes.js';
import { kubectlTypeName } from '../../config/kinds.js';
import {
  addServerOptions,
  AdminClient,
  printError,
  ServerError,
  type ServerFlags,
} from '../client.js';
import { EXIT } from '../exit-codes.js';
import { checkSyntax, kindNamePairs, objectPath, readConfigFiles } from './kubectl-args.js';
import { reportFailure } from './kubectl-report.js';

interface DeleteFlags extends ServerFlags {
  filename?: string[];
  recursive: boolean;
  namespace?: string;
  ignoreNotFound: boolean;
}

export function registerDelete(program: Command): void {
  addServerOptions(
    program
      .command('delete [resources...]')
      .description(
        'delete resources from the running mesh by file name or by kind and name (as kubectl delete)',
      )
      .option('-f, --filename <path...>', 'file, directory or - for stdin (repeatable)')
      .option('-R, --recursive', 'process directories recursively', false)
      .option('-n, --namespace <ns>', 'namespace (default "default")')
      .option('--ignore-not-found', 'treat "resource not found" as a successful delete', false),
  ).action(async (args: string[], opts: DeleteFlags) => {
    try {
      const client = new AdminClient(opts);
      let failed = false;
      // kubectl delete's default printer: `<type> "<name>" deleted` (pkg/cmd/delete/delete.go PrintObj).
      const deleted = (typeName: string, name: string) =>
        console.log(`${typeName} "${name}" deleted`);
      if (opts.filename) {
        const files = readConfigFiles(opts.filename, opts.recursive);
        checkSyntax(files, opts.namespace);
        const query = opts.namespace ? `?namespace=${encodeURIComponent(opts.namespace)}` : '';
        const reply = (await client.request(
          'POST',
          `${FILE_DELETE_PATH}${query}`,
          JSON.stringify({ files }),
          FILES_MEDIA_TYPE,
        )) as DeleteResponse;
        for (const r of reply.results) {
          if (r.deleted) deleted(r.typeName, r.name);
          else if (!opts.ignoreNotFound) {
            console.error(
              `Error from server (NotFound): error when deleting "${r.file ?? 'STDIN'}": ${r.message ?? ''}`,
            );
            failed = true;
          }
        }
      } else {
        for (const { kind, name } of kindNamePairs(args)) {
          try {
            await client.request('DELETE', objectPath(kind, opts.namespace ?? 'default', name));
            deleted(kubectlTypeName(kind), name);
          } catch (err) {
            if (err instanceof ServerError && err.status.code === 404 && opts.ignoreNotFound)
              continue;
            printError(err);
            failed = true;
          }
        }
      }
      process.exitCode = failed ? EXIT.failure : EXIT.ok;
    } catch (err) {
      reportFailure(err);
    }
  });
}

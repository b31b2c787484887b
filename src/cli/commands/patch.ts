// `switchyard patch KIND NAME [-n ns] --type merge|json -p '...'`, printing kubectl's `patched` lines.
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { PatchResponse } from '../../admin/config-routes.js';
import { addServerOptions, AdminClient, type ServerFlags } from '../client.js';
import { EXIT } from '../exit-codes.js';
import { CliError, kindNamePairs, objectPath } from './kubectl-args.js';
import { reportFailure } from './kubectl-report.js';

interface PatchFlags extends ServerFlags {
  namespace?: string;
  type: string;
  patch?: string;
}

export function registerPatch(program: Command): void {
  addServerOptions(
    program
      .command('patch <resource> [name]')
      .description('update fields of a resource in the running mesh (as kubectl patch)')
      .option('-n, --namespace <ns>', 'namespace (default "default")')
      // kubectl's default is strategic, which custom resources refuse; pass --type merge or json.
      .option('--type <type>', 'json, merge or strategic', 'strategic')
      .option('-p, --patch <patch>', 'the patch, as JSON or YAML'),
  ).action(async (resource: string, name: string | undefined, opts: PatchFlags) => {
    try {
      const [target] = kindNamePairs(name === undefined ? [resource] : [resource, name]);
      if (!target) throw new CliError('you must specify a resource and name');
      if (opts.patch === undefined)
        throw new CliError(
          'must specify --patch or --patch-file containing the contents of the patch',
        );
      if (!['json', 'merge', 'strategic'].includes(opts.type))
        throw new CliError(`--type must be one of [json merge strategic], not "${opts.type}"`);
      try {
        parseYaml(opts.patch);
      } catch (err) {
        throw new CliError(
          `unable to parse "${opts.patch}": ${(err as Error).message.split('\n')[0]}`,
        );
      }
      const reply = (await new AdminClient(opts).request(
        'PATCH',
        `${objectPath(target.kind, opts.namespace ?? 'default', target.name)}?type=${opts.type}`,
        opts.patch,
        opts.type === 'json' ? 'application/json-patch+json' : 'application/merge-patch+json',
      )) as PatchResponse;
      for (const w of reply.warnings) console.error(`Warning: ${w}`);
      console.log(`${reply.typeName}/${reply.name} patched${reply.changed ? '' : ' (no change)'}`);
      process.exitCode = EXIT.ok;
    } catch (err) {
      reportFailure(err);
    }
  });
}

// `switchyard patch KIND NAME [-n ns] --type merge|json -p '...'`, printing kubectl's `patched` lines.
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { kubectlTypeName } from '../../config/kinds.js';

/** The media type of each `--type` (k8s.io/apimachinery pkg/types/patch.go). */
const PATCH_CONTENT_TYPES: Record<string, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};
import { addServerOptions, AdminClient, ServerError, type ServerFlags } from '../client.js';
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
      const client = new AdminClient(opts);
      const path = objectPath(target.kind, opts.namespace ?? 'default', target.name);
      // As kubectl: read the object, send the patch, and say `(no change)` when it came back the same.
      const before = (await client.request('GET', path)) as {
        metadata?: { resourceVersion?: string };
      };
      const contentType = PATCH_CONTENT_TYPES[opts.type]!;
      const after = (await client
        .request(
          'PATCH',
          `${path}?fieldManager=kubectl-patch`,
          JSON.stringify(parseYaml(opts.patch)),
          contentType,
        )
        .catch((err: unknown) => {
          // kubectl pkg/cmd/patch/patch.go: an unsupported patch type names the kind it was sent to.
          if (err instanceof ServerError && err.status.code === 415) {
            const info = target.kind;
            const gv = info.group
              ? `${info.group}/${info.versions[0] ?? ''}`
              : (info.versions[0] ?? 'v1');
            throw new CliError(
              `${contentType} is not supported by ${gv}, Kind=${info.kind}: ${err.status.message}`,
            );
          }
          throw err;
        })) as { metadata?: { name?: string; resourceVersion?: string } };
      const changed = after.metadata?.resourceVersion !== before.metadata?.resourceVersion;
      console.log(
        `${kubectlTypeName(target.kind)}/${after.metadata?.name ?? target.name} patched${changed ? '' : ' (no change)'}`,
      );
      process.exitCode = EXIT.ok;
    } catch (err) {
      reportFailure(err);
    }
  });
}

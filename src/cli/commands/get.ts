// `switchyard get KIND [NAME...] [-n ns|-A] [-o yaml|json|wide|name]` and `get proxies`, as kubectl prints them.
import type { Command } from 'commander';
import type { ProxyInfo } from '../../admin/server.js';
import { kubectlTypeName, type KindInfo } from '../../config/kinds.js';
import { addServerOptions, AdminClient, printError, type ServerFlags } from '../client.js';
import { EXIT } from '../exit-codes.js';
import { CliError, collectionPath, objectPath, requireKind } from './kubectl-args.js';
import { reportFailure } from './kubectl-report.js';
import {
  asList,
  formatTable,
  nameOf,
  resourceTable,
  toKubectlJson,
  toKubectlYaml,
} from './kubectl-output.js';

interface GetFlags extends ServerFlags {
  namespace?: string;
  allNamespaces: boolean;
  output?: string;
}

const OUTPUTS = ['yaml', 'json', 'wide', 'name'];

export function registerGet(program: Command): void {
  addServerOptions(
    program
      .command('get <kind> [names...]')
      .description(
        'display resources of the running mesh, or its proxies (`get proxies`) (as kubectl get)',
      )
      .option('-n, --namespace <ns>', 'namespace (default "default")')
      .option('-A, --all-namespaces', 'list across all namespaces', false)
      .option('-o, --output <format>', 'yaml, json, wide or name'),
  ).action(async (kindArg: string, names: string[], opts: GetFlags) => {
    try {
      if (opts.output !== undefined && !OUTPUTS.includes(opts.output))
        throw new CliError(
          `unable to match a printer suitable for the output format "${opts.output}", allowed formats are: ${OUTPUTS.join(',')}`,
        );
      const client = new AdminClient(opts);
      if (['proxies', 'proxy'].includes(kindArg.toLowerCase())) {
        await getProxies(client, names, opts);
        return;
      }
      // `get vs,dr,gw` lists several kinds; kubectl then prefixes names with their type.
      const kinds = kindArg
        .split(',')
        .filter((k) => k !== '')
        .map(requireKind);
      const namespace = opts.namespace ?? 'default';
      const groups: { info: KindInfo; items: unknown[] }[] = [];
      let failed = false;
      for (const info of kinds) {
        const items: unknown[] = [];
        if (names.length > 0) {
          for (const name of names) {
            try {
              items.push(await client.request('GET', objectPath(info, namespace, name)));
            } catch (err) {
              printError(err);
              failed = true;
            }
          }
        } else {
          const list = (await client.request(
            'GET',
            collectionPath(info, opts.allNamespaces ? undefined : namespace),
          )) as { items: unknown[] };
          items.push(...list.items);
        }
        groups.push({ info, items });
      }
      const items = groups.flatMap((g) => g.items);
      const single = kinds.length === 1 && names.length === 1 && items.length === 1;
      if (opts.output === 'json')
        process.stdout.write(toKubectlJson(single ? items[0] : asList(items)));
      else if (opts.output === 'yaml')
        process.stdout.write(toKubectlYaml(single ? items[0] : asList(items)));
      else if (opts.output === 'name') for (const o of items) console.log(nameOf(o));
      else if (items.length === 0 && names.length === 0)
        console.error(
          opts.allNamespaces || kinds.every((k) => !k.namespaced)
            ? 'No resources found'
            : `No resources found in ${namespace} namespace.`,
        );
      else {
        // Tables of different kinds are separated by a blank line (cli-runtime tableprinter.go).
        const tables = groups
          .filter((g) => g.items.length > 0)
          .map((g) =>
            resourceTable(g.info.kind, g.items, {
              allNamespaces: opts.allNamespaces && g.info.namespaced,
              wide: opts.output === 'wide',
              now: Date.now(),
              ...(kinds.length > 1 ? { kindPrefix: kubectlTypeName(g.info) } : {}),
            }),
          );
        if (tables.length > 0) console.log(tables.join('\n\n'));
      }
      process.exitCode = failed ? EXIT.failure : EXIT.ok;
    } catch (err) {
      reportFailure(err);
    }
  });
}

/** `get proxies`: what the mesh runner registered (NAME KIND WORKLOAD LISTENERS). */
async function getProxies(
  client: AdminClient,
  names: readonly string[],
  opts: GetFlags,
): Promise<void> {
  const list = (await client.request('GET', '/proxies')) as { items: ProxyInfo[] };
  const items = names.length > 0 ? list.items.filter((p) => names.includes(p.name)) : list.items;
  const missing = names.filter((n) => !items.some((p) => p.name === n));
  for (const n of missing) console.error(`Error from server (NotFound): proxies "${n}" not found`);
  if (opts.output === 'json') process.stdout.write(toKubectlJson({ kind: 'ProxyList', items }));
  else if (opts.output === 'yaml')
    process.stdout.write(toKubectlYaml({ kind: 'ProxyList', items }));
  else if (opts.output === 'name') for (const p of items) console.log(`proxy/${p.name}`);
  else if (items.length === 0 && names.length === 0) console.error('No resources found');
  else if (items.length > 0)
    console.log(
      formatTable(
        ['NAME', 'KIND', 'WORKLOAD', 'LISTENERS'],
        items.map((p) => [
          p.name,
          p.kind,
          p.workload,
          p.listeners.length > 0 ? p.listeners.join(',') : '<none>',
        ]),
      ),
    );
  process.exitCode = missing.length > 0 ? EXIT.failure : EXIT.ok;
}

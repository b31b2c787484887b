// `switchyard proxy-config routes|clusters|listeners|endpoints|secret|bootstrap <proxy> -f FILES`:
// istioctl's proxy-config tables, or with -o json|yaml Envoy's JSON as istioctl prints it, from a
// snapshot compiled offline from files or read from a running mesh.
import type { Command } from 'commander';
import type { ConfigSnapshot } from '../../config/index.js';
import { compileProxy, PROXY_CONFIG_FILTERS, type ProxySnapshot } from '../../compile/index.js';
import { proxyNames, resolveProxy, type Registry } from '../../registry/index.js';
import { defaultServer, fetchMesh } from '../client.js';
import { certRoots } from '../../mesh/cert-roots.js';
import { EXIT } from '../exit-codes.js';
import { meshFromFiles } from '../../xds/file-source.js';
import type { EnvoyDumpKind } from '../../xds/proxy-config-view.js';
import { stringify as toYaml } from 'yaml';

type Kind = EnvoyDumpKind;

interface Opts {
  filename?: string[];
  recursive: boolean;
  namespace: string;
  output: string;
  server?: string;
  meshConfigFile?: string;
  name?: string;
  fqdn?: string;
  port?: string;
  subset?: string;
  direction?: string;
  address?: string;
  cluster?: string;
}

/** Loads, decodes and indexes config files as every offline command reads them (xds/file-source.ts). */
export function configFromFiles(
  files: readonly string[],
  opts: { recursive?: boolean; namespace?: string; meshConfigFile?: string } = {},
): { config?: ConfigSnapshot; registry?: Registry; errors: string[] } {
  const { state, errors } = meshFromFiles(files, opts);
  return state ? { config: state.config, registry: state.registry, errors } : { errors };
}

/** The message for a proxy name the files do not know, listing the ones they do. */
export function unknownProxyMessage(proxyName: string, registry: Registry): string {
  const known = proxyNames(registry);
  return `proxy ${proxyName} not found in the given files; known proxies: ${
    known.length > 0 ? known.join(', ') : '(none)'
  }, istio-ingressgateway.istio-system`;
}

/** Compiles the named proxy's snapshot from files; throws with a message on failure. */
export function snapshotFromFiles(
  proxyName: string,
  files: readonly string[],
  opts: { recursive?: boolean; namespace?: string; meshConfigFile?: string } = {},
): { snapshot?: ProxySnapshot; config?: ConfigSnapshot; errors: string[] } {
  const { config, registry, errors } = configFromFiles(files, opts);
  if (!config || !registry) return { errors };
  const proxy = resolveProxy(registry, proxyName, opts.namespace ?? 'default');
  if (!proxy) return { errors: [unknownProxyMessage(proxyName, registry)] };
  // Certificate/key paths in the files may point only under the default roots (cert-roots.ts).
  const tlsFileRoots = certRoots({ files });
  return { snapshot: compileProxy(config, registry, proxy, { tlsFileRoots }), config, errors: [] };
}

function addSub(parent: Command, kind: Kind, aliases: string[], description: string): void {
  const cmd = parent
    .command(`${kind} <proxy>`)
    .aliases(aliases)
    .description(description)
    .option('-f, --filename <path...>', 'config files or directories to compile the proxy from')
    .option('-R, --recursive', 'process directories recursively', false)
    .option('-n, --namespace <ns>', 'namespace for objects without one', 'default')
    .option('-o, --output <format>', 'short, json or yaml', 'short')
    .option(
      '--server <url>',
      'a running mesh admin endpoint (default without -f: $SWITCHYARD_SERVER, else $SWITCHYARD_HOME/current, else http://127.0.0.1:15000)',
    )
    .option(
      '--meshConfigFile <file>',
      'mesh config file (default: the istio ConfigMap in the files)',
    );
  if (kind === 'routes') cmd.option('--name <name>', 'filter by route table name');
  if (kind === 'clusters')
    cmd
      .option('--fqdn <fqdn>', 'filter by service FQDN')
      .option('--port <port>', 'filter by port')
      .option('--subset <subset>', 'filter by subset')
      .option('--direction <direction>', 'filter by direction (inbound|outbound)');
  if (kind === 'endpoints' || kind === 'eds')
    cmd
      .option('--address <address>', 'filter by endpoint address')
      .option('--port <port>', 'filter by endpoint port')
      .option('--cluster <cluster>', 'filter by cluster name');
  if (kind === 'listeners')
    cmd
      .option('--address <address>', 'filter by address')
      .option('--port <port>', 'filter by port');
  cmd.action(async (proxy: string, o: Opts) => {
    // Without files, read the running mesh (istioctl reads the live cluster).
    if (!o.filename || o.filename.length === 0) o.server ??= defaultServer();
    if (o.server && !o.filename) {
      fromServer(kind, proxy, o).then(
        (text) => process.stdout.write(text),
        (err: unknown) => {
          console.error(`error: ${(err as Error).message}`);
          process.exitCode = EXIT.failure;
        },
      );
      return;
    }
    if (!o.filename || o.filename.length === 0) {
      console.error('error: -f FILES (or --server URL) is required');
      process.exitCode = EXIT.usage;
      return;
    }
    if (!['short', 'json', 'yaml'].includes(o.output)) {
      console.error(`error: unknown output format ${o.output}: use short, json or yaml`);
      process.exitCode = EXIT.usage;
      return;
    }
    const { snapshot, errors } = snapshotFromFiles(proxy, o.filename, o);
    if (!snapshot) {
      for (const e of errors) console.error(`error: ${e}`);
      process.exitCode = EXIT.failure;
      return;
    }
    // Offline there is no istio-agent, so no SDS secrets: `secret` lists none.
    // Loaded when needed: the Envoy protos are heavy for every other command's start-up.
    const { renderProxyConfigKind } = await import('../../xds/proxy-config-view.js');
    process.stdout.write(renderProxyConfigKind(kind, snapshot, { ...o, nowMs: Date.now() }));
  });
}

/** Asks a running mesh (`switchyard up`) to render the proxy's live snapshot. */
async function fromServer(kind: Kind, proxy: string, o: Opts): Promise<string> {
  const url = new URL(`${o.server!.replace(/\/+$/, '')}/proxy-config/${kind}`);
  url.searchParams.set('proxy', proxy);
  url.searchParams.set('output', o.output);
  for (const f of PROXY_CONFIG_FILTERS) {
    const v = o[f];
    if (v) url.searchParams.set(f, v);
  }
  const res = await fetchMesh(o.server!, url);
  const text = await res.text();
  if (!res.ok) throw new Error(text.trim());
  return text;
}

export function registerProxyConfig(program: Command): void {
  const pc = program
    .command('proxy-config')
    .alias('pc')
    .description("show a proxy's compiled configuration as istioctl proxy-config does");
  addSub(pc, 'routes', ['route', 'r'], 'route tables, virtual hosts and routes of a proxy');
  addSub(pc, 'clusters', ['cluster', 'c'], 'clusters of a proxy');
  addSub(pc, 'listeners', ['listener', 'l'], 'listeners and filter chains of a proxy');
  addSub(pc, 'endpoints', ['endpoint', 'ep'], 'cluster endpoints of a proxy');
  // istioctl's `eds`: the same table; -o json the ClusterLoadAssignments received over EDS.
  addSub(pc, 'eds', [], 'endpoints as the proxy received them over EDS');
  addSub(pc, 'secret', ['secrets', 's'], "the proxy's SDS secrets (workload certificate, root)");
  addSub(pc, 'bootstrap', ['b'], "the proxy's Envoy bootstrap");
  // istioctl proxy-config all -o json: Envoy's whole config dump (src/xds/config-dump.ts).
  pc.command('all <proxy>')
    .description(
      "the proxy's Envoy config dump (clusters, listeners, routes, endpoints) as Envoy prints it",
    )
    .option('-f, --filename <path...>', 'config files or directories to compile the proxy from')
    .option('-R, --recursive', 'process directories recursively', false)
    .option('-n, --namespace <ns>', 'namespace for objects without one', 'default')
    .option('-o, --output <format>', 'json or yaml', 'json')
    .option(
      '--server <url>',
      'a running mesh admin endpoint (default without -f, as for the other kinds)',
    )
    .action(async (proxy: string, o: Opts) => {
      if (!o.filename || o.filename.length === 0) {
        // The running proxy's /config_dump?include_eds, as istioctl reads Envoy's.
        const server = o.server ?? defaultServer();
        const url = new URL(`${server.replace(/\/+$/, '')}/config_dump`);
        url.searchParams.set('proxy', proxy);
        url.searchParams.set('include_eds', 'true');
        fetchMesh(server, url)
          .then(async (res) => {
            const text = await res.text();
            if (!res.ok) throw new Error(text.trim());
            process.stdout.write(
              o.output === 'yaml' ? toYaml(JSON.parse(text)) : text.trimEnd() + '\n',
            );
          })
          .catch((err: unknown) => {
            console.error(`error: ${(err as Error).message}`);
            process.exitCode = EXIT.failure;
          });
        return;
      }
      const { snapshot, errors } = snapshotFromFiles(proxy, o.filename, o);
      if (!snapshot) {
        for (const e of errors.length > 0 ? errors : ['-f FILES is required'])
          console.error(`error: ${e}`);
        process.exitCode = EXIT.failure;
        return;
      }
      const { envoyConfigDump } = await import('../../xds/config-dump.js');
      const dump = envoyConfigDump(snapshot, { includeEds: true });
      process.stdout.write(
        o.output === 'yaml' ? toYaml(dump) : JSON.stringify(dump, null, 2) + '\n',
      );
    });
}

// `switchyard control-plane -f FILES | --kubeconfig FILE [--xds-port 15010]`: only the xDS (ADS)
// server, for real Envoys and proxyless gRPC clients; runs no proxies or workloads. Config comes from
// files (watched and re-served on save) or from a Kubernetes API server (list/watch informers).
import type { Command } from 'commander';
import { watch, type FSWatcher } from 'node:fs';
import type { KubeSource, MeshState } from '../../xds/index.js';
import { parseListenPort } from '../../units/index.js';
import { EXIT } from '../exit-codes.js';

interface Opts {
  filename: string[];
  recursive: boolean;
  namespace: string;
  xdsPort: string;
  meshConfigFile?: string;
  watch: boolean;
  kubeconfig?: string;
}

/** Serves what a Kubernetes API server holds; the last known config stays served while it is away. */
async function serveFromCluster(o: Opts, port: number): Promise<void> {
  const log = (l: string) => console.log(l);
  const { KubeSource, XdsServer } = await import('../../xds/index.js');
  const { createMeshCa, meshCaSecrets } = await import('../../mesh/mesh-ca.js');
  let source: KubeSource;
  try {
    source = new KubeSource({
      kubeconfig: o.kubeconfig!,
      ...(o.meshConfigFile ? { meshConfigFile: o.meshConfigFile } : {}),
      log,
    });
  } catch (err) {
    console.error(`error: --kubeconfig: ${(err as Error).message}`);
    process.exit(EXIT.usage);
  }
  const server = new XdsServer({ port, log, secrets: meshCaSecrets(createMeshCa()) });
  const bound = await server.start();
  console.log(`xDS (ADS) listening on 127.0.0.1:${bound}`);
  console.log(`reading config from the Kubernetes API at ${source.transport.server}`);
  source.onUpdate((state) => {
    console.log(`config revision ${state.config.revision} loaded`);
    server.update(state);
  });
  const stop = () => {
    source.stop();
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const first = await source.start();
  // Proxies that connected while the caches were filling get the first config now.
  server.update(first);
}

export function registerControlPlane(program: Command): void {
  program
    .command('control-plane')
    .description(
      'serve xDS (ADS, Envoy API v3) for the config in FILES or a cluster to Envoy and proxyless gRPC',
    )
    .option(
      '-f, --filename <path...>',
      'config files or directories (watched and re-served on save)',
      [],
    )
    .option('-R, --recursive', 'process directories recursively', false)
    .option('-n, --namespace <ns>', 'namespace for objects without one', 'default')
    .option(
      '--xds-port <port>',
      'xDS gRPC port on 127.0.0.1 (0 = any free port); istiod uses 15010',
      '15010',
    )
    .option(
      '--meshConfigFile <file>',
      'mesh config file (default: the istio ConfigMap in the files)',
    )
    .option('--no-watch', 'do not re-read -f files when they change')
    .option(
      '--kubeconfig <file>',
      'read config from the Kubernetes API server this kubeconfig names (list/watch) instead of files',
    )
    .action(async (o: Opts) => {
      const port = parseListenPort(o.xdsPort);
      if (port === undefined) {
        console.error(`error: invalid --xds-port "${o.xdsPort}"`);
        process.exit(EXIT.usage);
      }
      if (o.kubeconfig !== undefined && o.filename.length > 0) {
        console.error('error: give either -f files or --kubeconfig, not both');
        process.exit(EXIT.usage);
      }
      if (o.kubeconfig !== undefined) return serveFromCluster(o, port);
      // Loaded when the command runs: every other command starts without xDS (CLI start-up time).
      const { meshFromFiles, XdsServer } = await import('../../xds/index.js');
      const { createMeshCa, meshCaSecrets } = await import('../../mesh/mesh-ca.js');
      let revision = 1;
      let previous: MeshState | undefined;
      const load = () =>
        meshFromFiles(o.filename, {
          recursive: o.recursive,
          namespace: o.namespace,
          revision,
          ...(o.meshConfigFile ? { meshConfigFile: o.meshConfigFile } : {}),
          ...(previous ? { previous } : {}),
        });
      const first = load();
      if (!first.state) {
        for (const e of first.errors) console.error(`error: ${e}`);
        process.exit(EXIT.dataError);
      }
      // The mesh CA behind SDS (`default`, `ROOTCA`): its root is made on the first certificate asked.
      const server = new XdsServer({
        port,
        log: (l) => console.log(l),
        secrets: meshCaSecrets(createMeshCa()),
      });
      server.setState(first.state);
      previous = first.state;
      const bound = await server.start();
      console.log(`xDS (ADS) listening on 127.0.0.1:${bound}`);
      const watchers: FSWatcher[] = [];
      let timer: NodeJS.Timeout | undefined;
      const reload = () => {
        revision++;
        const next = load();
        if (!next.state) {
          for (const e of next.errors) console.error(`error: ${e}`);
          console.error('the previous config keeps being served');
          return;
        }
        console.log(`config revision ${revision} loaded`);
        previous = next.state;
        server.update(next.state);
      };
      if (o.watch) {
        for (const path of o.filename) {
          try {
            watchers.push(
              watch(path, { recursive: false }, () => {
                // Editors write in several steps: read once the burst is over.
                if (timer) clearTimeout(timer);
                timer = setTimeout(reload, 50);
              }),
            );
          } catch {
            // A path that cannot be watched is served as first read.
          }
        }
      }
      const stop = () => {
        for (const w of watchers) w.close();
        server.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}

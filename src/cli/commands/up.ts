// `switchyard up [-f FILE|DIR]... [--demo bookinfo] [--admin-port 15000] [--port-map 80=8080]`:
// runs the local mesh until Ctrl-C, then drains and stops everything it started.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseResources, type Resource } from '../../config/index.js';
import { parsePortMap } from '../../mesh/ports.js';
import { EXIT } from '../exit-codes.js';
import { parseListenPort } from '../../units/index.js';
import { exportLine } from '../../kube/kubeconfig.js';
import { clearCurrentServer, writeCurrentServer } from '../current-server.js';

const DEMOS: Record<string, string> = { bookinfo: 'bookinfo.yaml' };

/** The demo YAML ships in the source tree (src/mesh/demos), next to the compiled dist/. */
function demoResources(name: string): Resource[] {
  const file = DEMOS[name];
  if (!file) throw new Error(`unknown demo "${name}" (known: ${Object.keys(DEMOS).join(', ')})`);
  const path = join(
    dirname(fileURLToPath(import.meta.url)),
    '..',
    '..',
    '..',
    '..',
    'src',
    'mesh',
    'demos',
    file,
  );
  const parsed = parseResources(readFileSync(path, 'utf8'), path);
  return parsed.resources;
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('run a local mesh: sidecars, ingress/egress gateways, workloads and the admin API')
    .option(
      '-f, --filename <path...>',
      'config files or directories to apply (watched and re-applied on save)',
      [],
    )
    .option('-R, --recursive', 'process directories recursively', false)
    .option('--demo <name>', 'start a demo application (bookinfo)')
    .option('--admin-port <port>', 'admin API port on 127.0.0.1 (0 = any free port)', '15000')
    .option(
      '--xds-port <port>',
      'xDS (ADS) gRPC port on 127.0.0.1 for Envoy and proxyless gRPC (0 = any free port)',
    )
    .option(
      '--seed <n>',
      "seed the proxies' random draws (weights, load balancing, faults) for reproducible runs",
    )
    .option(
      '--port-map <map>',
      'bind gateway ports elsewhere, e.g. 80=8080,443=8443 (ports < 1024 need root)',
    )
    .option(
      '--log-dir <dir>',
      'where per-proxy access logs are written (default $SWITCHYARD_HOME/logs)',
    )
    .option('--no-watch', 'do not re-apply -f files when they change')
    .option(
      '--kubeconfig <file>',
      'take the Istio config (VirtualServices, DestinationRules, Gateways...) from the Kubernetes API server this kubeconfig names, followed by list/watch',
    )
    .option(
      '--max-connections <n>',
      'downstream connections all proxies together accept (default: 50000, or less to stay below the open-file limit)',
    )
    .option(
      '--fresh',
      'start with an empty config store (discard what earlier runs saved in $SWITCHYARD_HOME/state)',
      false,
    )
    .option(
      '--cert-root <dir>',
      'a directory certificate/key file paths in config may name (repeatable; the -f directories, ./certs and $SWITCHYARD_HOME are allowed already)',
      (dir: string, prev: string[]) => [...prev, dir],
      [] as string[],
    )
    .action(
      async (opts: {
        filename: string[];
        recursive: boolean;
        demo?: string;
        adminPort: string;
        xdsPort?: string;
        seed?: string;
        portMap?: string;
        logDir?: string;
        watch: boolean;
        certRoot: string[];
        fresh: boolean;
        maxConnections?: string;
        kubeconfig?: string;
      }) => {
        let portMap: Map<number, number>;
        let base: Resource[] = [];
        const adminPort = parseListenPort(opts.adminPort);
        // istiod's plaintext xDS port is 15010 (istio/istio pilot/pkg/bootstrap/options.go).
        const xdsPort = parseListenPort(opts.xdsPort ?? '15010');
        try {
          if (adminPort === undefined) throw new Error(`invalid --admin-port "${opts.adminPort}"`);
          if (xdsPort === undefined) throw new Error(`invalid --xds-port "${opts.xdsPort ?? ''}"`);
          portMap = parsePortMap(opts.portMap);
          if (opts.demo) base = demoResources(opts.demo);
        } catch (err) {
          console.error(`error: ${(err as Error).message}`);
          process.exit(EXIT.usage);
        }
        // Loaded here, not at the top: every other command starts without the whole mesh.
        const { Mesh, MeshConfigError } = await import('../../mesh/runner.js');
        const mesh = new Mesh({
          files: opts.filename,
          recursive: opts.recursive,
          baseResources: base,
          adminPort,
          xds: { port: xdsPort!, defaultPort: opts.xdsPort === undefined },
          ...(opts.seed !== undefined ? { seed: Number(opts.seed) } : {}),
          portMap,
          ...(opts.logDir ? { logDir: opts.logDir } : {}),
          watchFiles: opts.watch,
          certRoots: opts.certRoot,
          fresh: opts.fresh,
          ...(opts.maxConnections !== undefined
            ? { maxConnections: Number(opts.maxConnections) }
            : {}),
          ...(opts.kubeconfig !== undefined ? { kubeconfig: opts.kubeconfig } : {}),
        });
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          console.log(`\n${signal}: draining in-flight requests and stopping every workload...`);
          clearCurrentServer(mesh.adminUrl() ?? '');
          mesh.stop().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        };
        process.on('SIGINT', () => stop('SIGINT'));
        process.on('SIGTERM', () => stop('SIGTERM'));
        try {
          await mesh.start();
        } catch (err) {
          if (err instanceof MeshConfigError) {
            for (const l of err.lines) console.error(l);
            await mesh.stop();
            process.exit(EXIT.dataError);
          }
          console.error(`error: ${(err as Error).message}`);
          await mesh.stop();
          process.exit(EXIT.failure);
        }
        console.log('switchyard mesh is up:');
        for (const l of mesh.summary()) console.log(`  ${l}`);
        // The Kubernetes API is on the admin port: point kubectl at it.
        console.log(`\nkubectl talks to this mesh with:\n  ${exportLine(mesh.kubeconfigPath)}`);
        const gw = mesh.gatewayUrl();
        const admin = mesh.adminUrl() ?? '';
        // Later commands without --server find this mesh through $SWITCHYARD_HOME/current.
        if (admin) writeCurrentServer(admin);
        if (opts.demo === 'bookinfo' && gw) {
          console.log(`
Bookinfo is running. Open ${gw}/productpage (reload: the reviews stars change, all versions serve).
Try next, from another terminal:
  switchyard get virtualservices
  switchyard apply -f <a VirtualService sending reviews to subset v1>
  switchyard proxy-config routes productpage-v1
  switchyard analyze
  open ${mesh.adminUrl() ?? ''}/graph for the live service graph
Press Ctrl-C to stop.`);
        }
      },
    );
}

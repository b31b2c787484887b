// `switchyard explain --from WORKLOAD | --gateway NAME [--port N] URL [-X M] [-H 'k: v'] -f FILES`:
// why one request goes where it goes, traced through the compiled snapshot with the proxy's own
// matcher; offline from files, or live from a running mesh (--server) with endpoint health and counters.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { Trace, TraceOptions, TraceRequest } from '../../explain/index.js';
import type * as ExplainModule from '../../explain/index.js';
import { defaultServer, fetchMesh, SERVER_HELP } from '../client.js';
import { EXIT } from '../exit-codes.js';
import { snapshotFromFiles } from './proxy-config.js';

// The explain stage (and the proxy under it) loads when the command runs: other commands start without it.
let E: typeof ExplainModule;

interface Opts {
  filename?: string[];
  recursive: boolean;
  namespace: string;
  from?: string;
  gateway?: string;
  port?: string;
  request?: string;
  header: string[];
  sni?: string;
  output: string;
  server?: string;
  meshConfigFile?: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** The proxy to trace through and where its requests enter; a usage error as a thrown message. */
export function targetOf(o: { from?: string; gateway?: string; port?: string }): {
  proxy: string;
  target: TraceOptions['target'];
} {
  if (o.from && o.gateway) throw new E.RequestError('use either --from or --gateway, not both');
  if (!o.from && !o.gateway)
    throw new E.RequestError('say whose point of view: --from WORKLOAD or --gateway NAME');
  let port: number | undefined;
  if (o.port !== undefined) {
    port = Number(o.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new E.RequestError(`invalid --port ${o.port}`);
  }
  if (o.gateway)
    return {
      proxy: o.gateway,
      target: { kind: 'gateway', ...(port !== undefined ? { port } : {}) },
    };
  return { proxy: o.from!, target: { kind: 'sidecar' } };
}

export function formatTrace(trace: Trace, output: string): string {
  if (output === 'json') return JSON.stringify(trace, null, 2) + '\n';
  if (output === 'yaml') return stringify(trace);
  return E.renderTrace(trace);
}

/** Wire shape of POST /explain on the admin API. */
export interface ExplainBody {
  proxy: string;
  target: TraceOptions['target'];
  request: TraceRequest;
}

async function fromServer(server: string, body: ExplainBody): Promise<Trace> {
  const res = await fetchMesh(server, `${server.replace(/\/+$/, '')}/explain`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(text.trim() || `HTTP ${res.status}`);
  return JSON.parse(text) as Trace;
}

export function registerExplain(program: Command): void {
  program
    .command('explain <url>')
    .description(
      'trace one request through a proxy: listener, route, the rules that did not match and why, policies, clusters, endpoints',
    )
    .option('-f, --filename <path...>', 'config files or directories (offline)')
    .option('-R, --recursive', 'process directories recursively', false)
    .option('-n, --namespace <ns>', 'namespace for objects without one', 'default')
    .option(
      '--from <workload>',
      'the workload whose sidecar sends the request (e.g. productpage-v1)',
    )
    .option('--gateway <name>', 'the gateway that receives the request (e.g. istio-ingressgateway)')
    .option('--port <port>', "the gateway listener's port (default: the URL's, else the first)")
    .option('-X, --request <method>', 'HTTP method', 'GET')
    .option('-H, --header <header>', "request header 'name: value' (repeatable)", collect, [])
    .option('--sni <name>', 'TLS server name (default: the URL host for https)')
    .option('-o, --output <format>', 'text, json or yaml', 'text')
    .option('--server <url>', `${SERVER_HELP} (live mode, without -f)`)
    .option(
      '--meshConfigFile <file>',
      'mesh config file (default: the istio ConfigMap in the files)',
    )
    .action(async (url: string, o: Opts) => {
      E = await import('../../explain/index.js');
      if (!['text', 'json', 'yaml'].includes(o.output)) {
        console.error(`error: unknown output format ${o.output}: use text, json or yaml`);
        process.exitCode = EXIT.usage;
        return;
      }
      let request: TraceRequest;
      let who: ReturnType<typeof targetOf>;
      try {
        who = targetOf(o);
        request = E.buildRequest(url, {
          method: o.request ?? 'GET',
          headers: o.header,
          ...(o.sni ? { sni: o.sni } : {}),
        });
      } catch (err) {
        console.error(`error: ${(err as Error).message}`);
        process.exitCode = EXIT.usage;
        return;
      }
      if (!o.filename || o.filename.length === 0) {
        try {
          const trace = await fromServer(o.server ?? defaultServer(), {
            proxy: who.proxy,
            target: who.target,
            request,
          });
          process.stdout.write(formatTrace(trace, o.output));
        } catch (err) {
          console.error(`error: ${(err as Error).message}`);
          process.exitCode = EXIT.failure;
        }
        return;
      }
      const { snapshot, config, errors } = snapshotFromFiles(who.proxy, o.filename, o);
      if (!snapshot || !config) {
        for (const e of errors) console.error(`error: ${e}`);
        process.exitCode = EXIT.failure;
        return;
      }
      const trace = E.traceRequest(snapshot, request, {
        target: who.target,
        locate: E.locatorFor(config),
      });
      process.stdout.write(formatTrace(trace, o.output));
    });
}

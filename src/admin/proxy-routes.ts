// The admin API's per-proxy routes (Envoy's admin endpoints, one proxy chosen by ?proxy=):
// /config_dump, /stats, /logs, /proxy-config/<kind>, plus GET /pods for `analyze --server`.
import { PROXY_CONFIG_FILTERS } from '../compile/index.js';
import type { ProxySnapshot } from '../compile/snapshot.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { formatHostPort } from '../units/index.js';
import { envoyConfigDump, type ConfigDumpOptions } from '../xds/config-dump.js';
import { queryConfigDump } from '../xds/config-dump-query.js';
import { workloadSecrets } from '../xds/generate/secrets.js';
import {
  ENVOY_DUMP_KINDS,
  renderProxyConfigKind,
  type EnvoyDumpKind,
  type RenderOptions,
} from '../xds/proxy-config-view.js';
import type { AdminServer } from './server.js';

/** What these routes read of a running proxy. */
export interface AdminProxyHandle {
  readonly id: string;
  snapshot(): ProxySnapshot | undefined;
  stats(): Iterable<[string, number]>;
  endpoints(): readonly {
    cluster: string;
    address: string;
    port: number;
    outlierCheck: 'OK' | 'FAILED';
    /** rq_active, cx_active and Envoy's per-host counters, when the proxy keeps them. */
    active?: number;
    connections?: number;
    counters?: Readonly<Record<string, number>>;
  }[];
  /** The last n access-log lines, each ending in a newline. */
  logTail(n: number): string[];
  /** The workload certificate, key and root the proxy holds (its SDS `default` and `ROOTCA`). */
  workloadPems?(): { certChain: string; privateKey: string; rootCert: string } | undefined;
}

/** What the proxy's config dump adds to its snapshot: the secrets it holds. */
function dumpOptions(mp: AdminProxyHandle): ConfigDumpOptions {
  const pems = mp.workloadPems?.();
  return pems ? { secrets: workloadSecrets(pems) } : {};
}

export interface ProxyRouteSource {
  /** A proxy by exact id, id prefix or workload name. */
  find(name: string | null): AdminProxyHandle | undefined;
  /** Every proxy id, for the not-found message. */
  ids(): string[];
  /** The running workloads as Pods and the gateway Services, for `analyze --server`. */
  runtimeObjects(): Record<string, unknown>[];
}

export function registerProxyRoutes(
  admin: AdminServer,
  source: ProxyRouteSource,
  clock: Clock = systemClock,
): void {
  const withProxy =
    (
      fn: (
        mp: AdminProxyHandle,
        url: URL,
      ) => { type: string; body: string; status?: number; headers?: Record<string, string> },
    ): Parameters<AdminServer['route']>[2] =>
    (_req, res, url) => {
      const mp = source.find(url.searchParams.get('proxy'));
      if (!mp) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end(`no proxy "${url.searchParams.get('proxy') ?? ''}"; see GET /proxies\n`);
        return;
      }
      const { type, body, status = 200, headers = {} } = fn(mp, url);
      res.writeHead(status, { 'content-type': type, ...headers });
      res.end(body);
    };
  admin.route(
    'GET',
    '/config_dump',
    // Envoy's /config_dump (EDS only with ?include_eds; resource, mask and name_regex as Envoy's
    // config_dump_handler.cc), from the xDS generator (xds/config-dump.ts).
    withProxy((mp, url) => {
      const snapshot = mp.snapshot();
      const dump = snapshot
        ? envoyConfigDump(snapshot, {
            ...dumpOptions(mp),
            includeEds: url.searchParams.has('include_eds'),
          })
        : { configs: [] };
      const param = (name: string) => url.searchParams.get(name) ?? undefined;
      const answer = queryConfigDump(dump, {
        ...(param('resource') !== undefined ? { resource: param('resource')! } : {}),
        ...(param('mask') !== undefined ? { mask: param('mask')! } : {}),
        ...(param('name_regex') ? { nameRegex: param('name_regex')! } : {}),
      });
      if (answer.status !== 200)
        return {
          status: answer.status,
          type: 'text/plain',
          headers: { 'x-content-type-options': 'nosniff' },
          body: answer.text,
        };
      return { type: 'application/json', body: JSON.stringify(answer.body, null, 2) + '\n' };
    }),
  );
  admin.route(
    'GET',
    '/stats',
    withProxy((mp) => ({
      type: 'text/plain',
      body:
        [...mp.stats()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => `${k}: ${v}`)
          .join('\n') + '\n',
    })),
  );
  admin.route(
    'GET',
    '/logs',
    withProxy((mp, url) => ({
      type: 'text/plain',
      body: mp.logTail(Number(url.searchParams.get('tail') ?? 100)).join(''),
    })),
  );
  admin.route('GET', '/proxy-config', (_req, res, url) => {
    const kind = url.pathname.split('/')[2] as EnvoyDumpKind;
    const mp = source.find(url.searchParams.get('proxy'));
    const snapshot = mp?.snapshot();
    if (!ENVOY_DUMP_KINDS.includes(kind) || !snapshot) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(
        mp
          ? `unknown proxy-config type "${kind}"\n`
          : `proxy "${url.searchParams.get('proxy') ?? ''}" not found; running proxies: ${source.ids().join(', ')}\n`,
      );
      return;
    }
    const options: RenderOptions = {
      output: url.searchParams.get('output') ?? 'short',
      dump: dumpOptions(mp!),
      nowMs: clock.now(),
    };
    for (const f of PROXY_CONFIG_FILTERS) {
      const v = url.searchParams.get(f);
      if (v) options[f] = v;
    }
    // Live endpoint health (outlier ejections) from the running proxy, as istioctl reads Envoy's /clusters.
    if ((kind === 'endpoints' || kind === 'eds') && mp) {
      const hosts = mp.endpoints();
      const key = (e: (typeof hosts)[number]) =>
        `${e.cluster}|${formatHostPort(e.address, e.port)}`;
      options.outlier = new Map(hosts.map((e) => [key(e), e.outlierCheck]));
      options.hostStats = new Map(
        hosts.map((e) => [
          key(e),
          { ...e.counters, cx_active: e.connections ?? 0, rq_active: e.active ?? 0 },
        ]),
      );
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(renderProxyConfigKind(kind, snapshot, options));
  });
  admin.route('GET', '/pods', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ items: source.runtimeObjects() }));
  });
}

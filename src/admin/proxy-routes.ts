// The admin API's per-proxy routes (Envoy's admin endpoints, one proxy chosen by ?proxy=):
// /config_dump, /stats, /logs, /proxy-config/<kind>, plus GET /pods for `analyze --server`.
import {
  PROXY_CONFIG_FILTERS,
  renderProxyConfig,
  type ProxyConfigKind,
  type ProxyConfigOptions,
} from '../compile/index.js';
import type { ProxySnapshot } from '../compile/snapshot.js';
import { formatHostPort } from '../units/index.js';
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
  }[];
  /** The last n access-log lines, each ending in a newline. */
  logTail(n: number): string[];
}

export interface ProxyRouteSource {
  /** A proxy by exact id, id prefix or workload name. */
  find(name: string | null): AdminProxyHandle | undefined;
  /** Every proxy id, for the not-found message. */
  ids(): string[];
  /** The running workloads as Pods and the gateway Services, for `analyze --server`. */
  runtimeObjects(): Record<string, unknown>[];
}

export function registerProxyRoutes(admin: AdminServer, source: ProxyRouteSource): void {
  const withProxy =
    (
      fn: (mp: AdminProxyHandle, url: URL) => { type: string; body: string },
    ): Parameters<AdminServer['route']>[2] =>
    (_req, res, url) => {
      const mp = source.find(url.searchParams.get('proxy'));
      if (!mp) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end(`no proxy "${url.searchParams.get('proxy') ?? ''}"; see GET /proxies\n`);
        return;
      }
      const { type, body } = fn(mp, url);
      res.writeHead(200, { 'content-type': type });
      res.end(body);
    };
  admin.route(
    'GET',
    '/config_dump',
    withProxy((mp) => ({
      type: 'application/json',
      body: JSON.stringify(snapshotJson(mp.snapshot()), null, 2),
    })),
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
    const kind = url.pathname.split('/')[2] as ProxyConfigKind;
    const mp = source.find(url.searchParams.get('proxy'));
    const snapshot = mp?.snapshot();
    if (!['routes', 'clusters', 'listeners', 'endpoints'].includes(kind) || !snapshot) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(
        mp
          ? `unknown proxy-config type "${kind}"\n`
          : `proxy "${url.searchParams.get('proxy') ?? ''}" not found; running proxies: ${source.ids().join(', ')}\n`,
      );
      return;
    }
    const options: ProxyConfigOptions = { output: url.searchParams.get('output') ?? 'short' };
    for (const f of PROXY_CONFIG_FILTERS) {
      const v = url.searchParams.get(f);
      if (v) options[f] = v;
    }
    // Live endpoint health (outlier ejections) from the running proxy, as istioctl reads Envoy's /clusters.
    if (kind === 'endpoints' && mp)
      options.outlier = new Map(
        mp
          .endpoints()
          .map((e) => [`${e.cluster}|${formatHostPort(e.address, e.port)}`, e.outlierCheck]),
      );
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(renderProxyConfig(kind, snapshot, options));
  });
  admin.route('GET', '/pods', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ items: source.runtimeObjects() }));
  });
}

/**
 * A snapshot as JSON (Maps become objects), like Envoy's /config_dump: private keys print as
 * `[redacted]` (envoyproxy/envoy source/common/protobuf/utility.cc MessageUtil::redact, applied to
 * fields marked sensitive), and a PEM read from a file prints as that file's name (a DataSource
 * `filename`), never its contents.
 */
export function snapshotJson(snapshot: ProxySnapshot | undefined): unknown {
  return JSON.parse(
    JSON.stringify(snapshot ?? {}, function (this: unknown, k: string, v: unknown) {
      if (k === 'privateKey' && typeof v === 'string' && v !== '') return '[redacted]';
      const files = (this as { sourceFiles?: Record<string, string | undefined> } | null)
        ?.sourceFiles;
      const file = files && k !== 'sourceFiles' ? files[k] : undefined;
      if (file !== undefined) return { filename: file };
      if (v instanceof Map) return Object.fromEntries(v);
      if (Buffer.isBuffer(v)) return v.toString('utf8');
      if (v && typeof v === 'object' && 'fullMatch' in v)
        return (v as unknown as { source: string }).source;
      return v;
    }),
  );
}

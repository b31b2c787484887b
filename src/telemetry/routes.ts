// Admin routes for telemetry: `/stats/prometheus?proxy=` (one proxy, like Envoy's 15090 endpoint),
// `/metrics` (the whole mesh), and the live service graph `/graph` + `/graph.json`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AdminServer } from '../admin/index.js';
import type { MeshTelemetry } from './mesh-telemetry.js';

/** Prometheus text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The graph page ships in the source tree (src/telemetry/ui), next to the compiled dist/. */
export function graphPagePath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, '..', '..', '..', 'src', 'telemetry', 'ui', 'graph.html');
}

export function registerTelemetryRoutes(
  admin: AdminServer,
  telemetry: MeshTelemetry,
  resolveProxy: (name: string | null) => string | undefined,
): void {
  admin.route('GET', '/stats/prometheus', (_req, res, url) => {
    const name = url.searchParams.get('proxy');
    const id = resolveProxy(name);
    const body = id ? telemetry.renderProxy(id) : undefined;
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`no proxy "${name ?? ''}"; see GET /proxies\n`);
      return;
    }
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
    res.end(body);
  });
  admin.route('GET', '/metrics', (_req, res) => {
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
    res.end(telemetry.renderAll());
  });
  // Prometheus HTTP service discovery: a JSON list of target groups, `targets` as host:port and
  // `labels`, where `__metrics_path__` and `__param_<name>` shape each scrape URL (prometheus/prometheus
  // docs/configuration/configuration.md <http_sd_config>, relabel_config). One target per proxy: the
  // per-proxy endpoint (Envoy's :15090 in a pod) with `namespace` and `pod` as Istio's Prometheus sets them.
  admin.route('GET', '/sd/prometheus', (req, res) => {
    const host = req.headers.host ?? '127.0.0.1:15000';
    const groups = telemetry.scrapeTargets().map((t) => ({
      targets: [host],
      labels: {
        __metrics_path__: '/stats/prometheus',
        __param_proxy: t.id,
        namespace: t.namespace,
        pod: t.pod,
      },
    }));
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(groups));
  });
  // `?window=SECONDS`: the window for rates, health and percentiles, as Kiali's duration menu picks
  // it (default 60 s, at most 3600).
  admin.route('GET', '/graph.json', (_req, res, url) => {
    const seconds = Number(url.searchParams.get('window') ?? '');
    const windowMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(telemetry.graph(windowMs)));
  });
  admin.route('GET', '/graph', (_req, res) => {
    let page: string;
    try {
      page = readFileSync(graphPagePath(), 'utf8');
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`graph page missing: ${(err as Error).message}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(page);
  });
}

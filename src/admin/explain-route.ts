// POST /explain on the admin API: `switchyard explain --server` traces a request through a running
// proxy's current snapshot (the same trace as offline) and adds what only the live proxy knows:
// endpoint outlier state and the clusters' counters.
import type { ConfigSnapshot } from '../config/index.js';
import type { ProxySnapshot } from '../compile/index.js';
import {
  locatorFor,
  traceRequest,
  type TraceOptions,
  type TraceRequest,
} from '../explain/index.js';
import { formatHostPort } from '../units/index.js';
import { readBody, sendJson, sendText } from './http-util.js';
import type { AdminServer } from './server.js';

/** What the mesh hands over for one running proxy. */
export interface LiveProxy {
  snapshot(): ProxySnapshot | undefined;
  endpoints(): readonly {
    cluster: string;
    address: string;
    port: number;
    outlierCheck: 'OK' | 'FAILED';
  }[];
  stats(): ReadonlyMap<string, number>;
}

interface Body {
  proxy?: string;
  target?: TraceOptions['target'];
  request?: TraceRequest;
}

export function registerExplainRoute(
  admin: AdminServer,
  findProxy: (name: string) => LiveProxy | undefined,
  config: () => ConfigSnapshot,
  proxyNames: () => readonly string[],
): void {
  admin.route(
    'POST',
    '/explain',
    async (req, res) => {
      let body: Body;
      try {
        body = JSON.parse(await readBody(req, 1024 * 1024)) as Body;
      } catch {
        sendText(res, 400, 'POST /explain takes JSON {proxy, target, request}\n');
        return;
      }
      const r = body.request;
      if (!body.proxy || !r || typeof r.path !== 'string' || typeof r.authority !== 'string') {
        sendText(res, 400, 'POST /explain takes JSON {proxy, target, request}\n');
        return;
      }
      const live = findProxy(body.proxy);
      const snapshot = live?.snapshot();
      if (!live || !snapshot) {
        sendText(
          res,
          404,
          `proxy "${body.proxy}" not found; running proxies: ${proxyNames().join(', ')}\n`,
        );
        return;
      }
      const endpointHealth = new Map(
        live
          .endpoints()
          .map((e) => [`${e.cluster}|${formatHostPort(e.address, e.port)}`, e.outlierCheck]),
      );
      const trace = traceRequest(
        snapshot,
        { ...r, headers: r.headers ?? {}, query: r.query ?? '', method: r.method ?? 'GET' },
        {
          target: body.target ?? { kind: snapshot.proxy.kind === 'router' ? 'gateway' : 'sidecar' },
          locate: locatorFor(config()),
          live: { endpointHealth, stats: live.stats() },
        },
      );
      sendJson(res, 200, trace);
    },
    // Reading config is open, as GET /proxy-config is.
    { requireToken: false },
  );
}

// The client workload, like Istio's sleep/curl samples: `GET /fetch?url=...` makes the outbound call
// through this workload's mesh client (its sidecar when HTTP_PROXY is set) and reports the answer.
import { MeshClient } from './mesh-client.js';
import { sendJson, sendText, serveHttp } from './http-server.js';
import type { RunningWorkload, WorkloadOptions } from './types.js';

export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;

export interface FetchReport {
  url: string;
  status?: number;
  headers?: Record<string, string | string[] | undefined>;
  body?: string;
  error?: string;
  code?: string;
}

export function startSleep(options: WorkloadOptions): Promise<RunningWorkload> {
  const client = new MeshClient({ env: options.env ?? process.env });
  return serveHttp(
    'sleep',
    options,
    async (req, res, body) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/health') {
        sendText(res, 200, 'ok\n');
        return;
      }
      if (url.pathname !== '/fetch') {
        sendText(res, 404, 'use GET /fetch?url=http://<service>:<port>/path\n');
        return;
      }
      const target = url.searchParams.get('url');
      if (!target) {
        sendJson(res, 400, { error: 'missing url query parameter' });
        return;
      }
      // `header=Name: value` (repeatable) adds request headers, as curl -H does
      const headers: Record<string, string> = {};
      for (const h of url.searchParams.getAll('header')) {
        const i = h.indexOf(':');
        if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
      }
      const timeoutSeconds = Number(url.searchParams.get('timeout') ?? '');
      const timeoutMs = timeoutSeconds > 0 ? timeoutSeconds * 1000 : DEFAULT_FETCH_TIMEOUT_MS;
      const method = (url.searchParams.get('method') ?? 'GET').toUpperCase();
      try {
        const answer = await client.request(target, {
          method,
          headers,
          body: body.length > 0 ? body : undefined,
          timeoutMs,
          // `insecure=1`: curl -k for https:// targets.
          insecure: url.searchParams.get('insecure') === '1',
        });
        const report: FetchReport = {
          url: target,
          status: answer.status,
          headers: answer.headers,
          body: answer.body.toString('utf8'),
        };
        sendJson(res, 200, report);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        const report: FetchReport = { url: target, error: e.message, code: e.code };
        sendJson(res, 502, report);
      }
    },
    () => client.close(),
  );
}

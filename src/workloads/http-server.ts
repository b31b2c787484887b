// Shared plumbing for the HTTP workloads: listen, read bodies, reply, and close without hanging.
import http from 'node:http';
import type { RunningWorkload, WorkloadOptions } from './types.js';

export type Handler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
) => void | Promise<void>;

export function resolveVersion(options: WorkloadOptions): string {
  return options.version ?? options.env?.SERVICE_VERSION ?? process.env.SERVICE_VERSION ?? 'v1';
}

/** Starts an HTTP server running handler for each request (body read in full first). */
export async function serveHttp(
  name: string,
  options: WorkloadOptions,
  handler: Handler,
  onClose?: () => void,
): Promise<RunningWorkload> {
  const host = options.host ?? '127.0.0.1';
  const version = resolveVersion(options);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      options.log?.(`${req.method ?? 'GET'} ${req.url ?? '/'}`);
      Promise.resolve(handler(req, res, Buffer.concat(chunks))).catch((err: unknown) => {
        if (!res.headersSent) sendText(res, 500, `internal error: ${(err as Error).message}\n`);
        else res.destroy();
      });
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (options.listenFd !== undefined) server.listen({ fd: options.listenFd }, done);
    else server.listen(options.port, host, done);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    name,
    version,
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          onClose?.();
          resolve();
        });
        server.closeIdleConnections();
        // requests in flight (a /delay) must not keep a stopped workload alive
        setTimeout(() => server.closeAllConnections(), 1_000).unref();
      }),
  };
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  value: unknown,
  raw?: string,
): void {
  const body = raw ?? JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

export function sendText(
  res: http.ServerResponse,
  status: number,
  text: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** First value of a request header (node joins most duplicates already). */
export function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

// Outbound calls from built-in workloads: `http://<service>:<port>/path`, through the sidecar when
// HTTP_PROXY is set (absolute-form request line, as any HTTP client honouring the proxy env does).
import http from 'node:http';

export interface MeshRequest {
  method?: string;
  headers?: Record<string, string | string[] | undefined>;
  body?: string | Buffer;
  /** Whole-call timeout in milliseconds; undefined = none. */
  timeoutMs?: number;
}

export interface MeshResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface MeshClientOptions {
  /** Outbound proxy URL (the sidecar's outbound listener); default from HTTP_PROXY/http_proxy. */
  proxy?: string;
  env?: NodeJS.ProcessEnv;
}

/** Reads the proxy URL the way curl and most clients do: lower-case first, then upper-case. */
export function proxyFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const value = env.http_proxy ?? env.HTTP_PROXY;
  return value && value.trim() !== '' ? value.trim() : undefined;
}

/** NO_PROXY/no_proxy as curl reads it: `*`, or host names matched exactly or as a domain suffix. */
export function bypassesProxy(host: string, env: NodeJS.ProcessEnv): boolean {
  const list = env.no_proxy ?? env.NO_PROXY ?? '';
  const h = host.toLowerCase();
  for (const raw of list.split(',')) {
    const entry = raw.trim().toLowerCase().replace(/:\d+$/, '');
    if (entry === '') continue;
    if (entry === '*') return true;
    const domain = entry.replace(/^\*?\./, '');
    if (h === domain || h.endsWith(`.${domain}`)) return true;
  }
  return false;
}

export class MeshClient {
  readonly proxy: URL | undefined;
  private readonly env: NodeJS.ProcessEnv;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(options: MeshClientOptions = {}) {
    this.env = options.env ?? process.env;
    const proxy = options.proxy ?? proxyFromEnv(this.env);
    this.proxy = proxy ? new URL(proxy.includes('://') ? proxy : `http://${proxy}`) : undefined;
  }

  /** Performs one call; rejects on connection errors and on timeout (error.code 'ETIMEDOUT'). */
  async request(url: string, req: MeshRequest = {}): Promise<MeshResponse> {
    try {
      return await this.once(url, req);
    } catch (err) {
      // a keep-alive socket the server closed while idle: retry once on a fresh connection
      // (Node's documented pattern for req.reusedSocket); only for idempotent methods
      const method = (req.method ?? 'GET').toUpperCase();
      if (
        (err as { reusedSocket?: boolean }).reusedSocket &&
        (method === 'GET' || method === 'HEAD')
      ) {
        return this.once(url, req);
      }
      throw err;
    }
  }

  private once(url: string, req: MeshRequest): Promise<MeshResponse> {
    const target = new URL(url);
    if (target.protocol !== 'http:') {
      return Promise.reject(new Error(`unsupported scheme ${target.protocol} (only http)`));
    }
    const targetPort = target.port === '' ? 80 : Number(target.port);
    const hostHeader = target.port === '' ? target.hostname : `${target.hostname}:${target.port}`;
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers ?? {})) if (v !== undefined) headers[k] = v;
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'host')) headers.host = hostHeader;
    const proxy = this.proxy && !bypassesProxy(target.hostname, this.env) ? this.proxy : undefined;
    const options: http.RequestOptions = proxy
      ? {
          host: proxy.hostname,
          port: proxy.port === '' ? 80 : Number(proxy.port),
          // absolute-form request target (RFC 9112 section 3.2.2), as sent to a forward proxy
          path: target.href,
        }
      : { host: target.hostname, port: targetPort, path: `${target.pathname}${target.search}` };
    return new Promise<MeshResponse>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const r = http.request(
        { ...options, method: req.method ?? 'GET', headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (timer) clearTimeout(timer);
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks),
            });
          });
          res.on('error', (err) => {
            if (timer) clearTimeout(timer);
            reject(err);
          });
        },
      );
      if (req.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          const err = Object.assign(new Error(`timeout after ${req.timeoutMs} ms: ${url}`), {
            code: 'ETIMEDOUT',
          });
          r.destroy(err);
        }, req.timeoutMs);
      }
      r.on('error', (err: NodeJS.ErrnoException) => {
        if (timer) clearTimeout(timer);
        const stale = r.reusedSocket && err.code === 'ECONNRESET';
        reject(stale ? Object.assign(err, { reusedSocket: true }) : err);
      });
      r.end(req.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

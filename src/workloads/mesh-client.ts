// Outbound calls from built-in workloads: `http://<service>:<port>/path`, through the sidecar when
// HTTP_PROXY is set (absolute-form request line, as any HTTP client honouring the proxy env does);
// `https://...` through HTTPS_PROXY with a CONNECT tunnel and TLS end to end, as curl does.
import http from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import tls from 'node:tls';

export interface MeshRequest {
  method?: string;
  headers?: Record<string, string | string[] | undefined>;
  body?: string | Buffer;
  /** Whole-call timeout in milliseconds; undefined = none. */
  timeoutMs?: number;
  /** HTTPS: skip certificate verification (curl -k). */
  insecure?: boolean;
}

export interface MeshResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface MeshClientOptions {
  /** Outbound proxy URL (the sidecar's outbound listener); default from HTTP_PROXY/http_proxy. */
  proxy?: string;
  /** Proxy for https:// URLs (CONNECT); default from HTTPS_PROXY/https_proxy. */
  httpsProxy?: string;
  env?: NodeJS.ProcessEnv;
}

/** Reads the proxy URL the way curl and most clients do: lower-case first, then upper-case. */
export function proxyFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const value = env.http_proxy ?? env.HTTP_PROXY;
  return value && value.trim() !== '' ? value.trim() : undefined;
}

/** HTTPS_PROXY as curl reads it: `https_proxy` first, then `HTTPS_PROXY`. */
export function httpsProxyFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const value = env.https_proxy ?? env.HTTPS_PROXY;
  return value && value.trim() !== '' ? value.trim() : undefined;
}

function proxyUrl(p: string | undefined): URL | undefined {
  return p ? new URL(p.includes('://') ? p : `http://${p}`) : undefined;
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
  readonly httpsProxy: URL | undefined;
  private readonly env: NodeJS.ProcessEnv;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(options: MeshClientOptions = {}) {
    this.env = options.env ?? process.env;
    this.proxy = proxyUrl(options.proxy ?? proxyFromEnv(this.env));
    this.httpsProxy = proxyUrl(options.httpsProxy ?? httpsProxyFromEnv(this.env));
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
    if (target.protocol === 'https:') return this.secure(target, req);
    if (target.protocol !== 'http:') {
      return Promise.reject(new Error(`unsupported scheme ${target.protocol} (http, https)`));
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
    return this.exchange(url, { ...options, headers, agent: this.agent }, req, http.request);
  }

  /**
   * `https://`: through HTTPS_PROXY a `CONNECT host:port` tunnel, then TLS with SNI to the target
   * inside it (the sidecar sees the ClientHello); otherwise TLS straight to the target.
   */
  private async secure(target: URL, req: MeshRequest): Promise<MeshResponse> {
    const port = target.port === '' ? 443 : Number(target.port);
    const hostname = target.hostname.replace(/^\[|\]$/g, '');
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers ?? {})) if (v !== undefined) headers[k] = v;
    const proxy =
      this.httpsProxy && !bypassesProxy(hostname, this.env) ? this.httpsProxy : undefined;
    const base = {
      host: hostname,
      port,
      path: `${target.pathname}${target.search}`,
      headers,
      servername: isIP(hostname) ? undefined : hostname,
      rejectUnauthorized: !req.insecure,
    };
    if (!proxy) return this.exchange(target.href, { ...base, agent: false }, req, https.request);
    const tunnel = await connectTunnel(proxy, `${target.hostname}:${port}`);
    const sock = tls.connect({
      socket: tunnel,
      ...(base.servername ? { servername: base.servername } : {}),
      rejectUnauthorized: !req.insecure,
      ALPNProtocols: ['http/1.1'],
    });
    return this.exchange(
      target.href,
      { ...base, createConnection: () => sock },
      req,
      https.request,
    );
  }

  private exchange(
    url: string,
    options: https.RequestOptions,
    req: MeshRequest,
    request: typeof http.request,
  ): Promise<MeshResponse> {
    return new Promise<MeshResponse>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const r = request({ ...options, method: req.method ?? 'GET' }, (res) => {
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
      });
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

/** Opens `CONNECT authority` on the proxy; resolves with the tunnel socket after a 2xx. */
export function connectTunnel(proxy: URL, authority: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const r = http.request({
      host: proxy.hostname,
      port: proxy.port === '' ? 80 : Number(proxy.port),
      method: 'CONNECT',
      path: authority,
      headers: { host: authority },
      agent: false,
    });
    r.once('connect', (res, socket) => {
      if ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) return resolve(socket);
      socket.destroy();
      reject(new Error(`proxy CONNECT ${authority}: ${res.statusCode}`));
    });
    r.once('error', reject);
    r.end();
  });
}

// The admin API on 127.0.0.1: readiness, the live config (read open, change with the bearer token),
// the proxy list, and routes the mesh runner adds (/stats, /clusters, /config_dump, the graph UI).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { selfSignedServingCert, type ServingCert } from '../kube/serving-cert.js';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { ConfigStore } from '../config/store.js';
import { ConfigRoutes } from './config-routes.js';
import { isKubePath, KubeRoutes } from '../kube/kube-routes.js';
import type { KubeApi } from '../kube/rest-handler.js';
import type { PodSubresources } from '../kube/pods/pod-subresources.js';
import type { Duplex } from 'node:stream';
import { unauthorized } from '../kube/status.js';
import type { Clock } from '../runtime/clock.js';
import { BodyTooLargeError, sendJson, sendText } from './http-util.js';
import { status } from './status.js';
import { formatHostPort } from '../units/index.js';
import { REQUEST_HEADERS_TIMEOUT_MS } from '../proxy/listener/connection-limits.js';

/** What `get proxies` lists: one row per running proxy (sidecar or gateway). */
export interface ProxyInfo {
  /** As Istio names proxies, e.g. `istio-ingressgateway-...`, `productpage-v1-...`. */
  name: string;
  /** `sidecar` or `gateway` (Istio's proxy types: sidecar, router). */
  kind: string;
  workload: string;
  /** Listener addresses or names, e.g. `127.0.0.1:8080`. */
  listeners: readonly string[];
  [extra: string]: unknown;
}

export type ProxyProvider = () => readonly ProxyInfo[] | Promise<readonly ProxyInfo[]>;

export type AdminHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
) => void | Promise<void>;

export interface RouteOptions {
  /** Require the bearer token. Default: only for methods that change state (not GET/HEAD). */
  requireToken?: boolean;
}

export interface AdminServerOptions {
  store: ConfigStore;
  /** The bearer token that mutations must carry. */
  token: string;
  /** A loopback address only (127.0.0.1 by default; ::1 and localhost are accepted). */
  host?: string;
  /** 0 picks a free port. Istio's admin port is 15000 (Envoy admin in the sidecar). */
  port?: number;
  /** Largest accepted request body; default 8 MiB. */
  maxBodyBytes?: number;
  /** For the Kubernetes API's timestamps and ages. */
  clock?: Clock;
  /** How often Kubernetes watches with allowWatchBookmarks get a BOOKMARK (default 60 s). */
  bookmarkIntervalMs?: number;
  /**
   * A connection's first request head must be complete within this (default the proxies' 10 s,
   * connection-limits.ts); a silent connection is closed after it, an incomplete head gets 408.
   */
  requestHeadersTimeoutMs?: number;
}

export interface AdminServer {
  readonly server: Server;
  /** Starts listening; resolves with the bound address. */
  listen(): Promise<{ host: string; port: number; url: string }>;
  /** `http://127.0.0.1:<port>` once listening. */
  readonly url: string;
  /** `https://127.0.0.1:<port>`: the same port over TLS, for kubectl (which sends tokens over TLS only). */
  readonly tlsUrl: string;
  /** The self-signed certificate the TLS side presents (the kubeconfig's certificate authority). */
  readonly servingCert: ServingCert;
  readonly port: number;
  /** Adds a route for `method` on `pathPrefix` and everything below it; built-in routes win. */
  route(method: string, pathPrefix: string, handler: AdminHandler, options?: RouteOptions): void;
  /** Supplies GET /proxies (empty until set). */
  setProxyProvider(fn: ProxyProvider): void;
  /** The Kubernetes API served on this port (its object sources take the mesh's runtime view). */
  readonly kube: KubeApi;
  /** The pod subresources exec / portforward / log (their PodRuntime is the kubelet's). */
  readonly pods: PodSubresources;
  /** GET /ready answers 200 only while ready (true by default once listening). */
  setReady(ready: boolean): void;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const SAFE_METHODS = new Set(['GET', 'HEAD']);

interface Route {
  method: string;
  prefix: string;
  handler: AdminHandler;
  requireToken: boolean | undefined;
}

export function createAdminServer(options: AdminServerOptions): AdminServer {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host))
    throw new Error(`the admin API listens on loopback only (127.0.0.1, ::1), not ${host}`);
  if (!options.token) throw new Error('the admin API needs a token');
  const expected = Buffer.from(`Bearer ${options.token}`);
  const configRoutes = new ConfigRoutes(options.store, options.maxBodyBytes ?? 8 * 1024 * 1024);
  const kubeRoutes = new KubeRoutes({
    store: options.store,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.bookmarkIntervalMs !== undefined
      ? { bookmarkIntervalMs: options.bookmarkIntervalMs }
      : {}),
  });
  const routes: Route[] = [];
  let proxyProvider: ProxyProvider = () => [];
  let ready = true;
  let boundPort = 0;

  const authorized = (req: IncomingMessage): boolean => {
    const got = Buffer.from(req.headers.authorization ?? '');
    return got.length === expected.length && timingSafeEqual(got, expected);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // A browser page cannot reach us through DNS rebinding: only loopback Host names are served.
    const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    if (hostHeader !== '' && !LOOPBACK.has(hostHeader)) {
      sendJson(res, 403, status(403, 'Forbidden', `host ${hostHeader} is not served`));
      return;
    }
    // The Kubernetes API: every request carries the token (the API server's bearer-token authenticator).
    if (isKubePath(url.pathname)) {
      if (!authorized(req)) {
        res.setHeader('www-authenticate', 'Bearer');
        const st = unauthorized().status;
        sendJson(res, st.code, st);
        return;
      }
      if (await configRoutes.handle(req, res, url)) return;
      await kubeRoutes.handle(req, res, url);
      return;
    }
    const custom = matchRoute(routes, method, url.pathname);
    // GET /config dumps every object, Secrets' data included: a read that needs the token, as the
    // Kubernetes API's reads do (docs/security-model.md).
    const needsToken =
      custom?.requireToken ?? (!SAFE_METHODS.has(method) || url.pathname === '/config');
    if (needsToken && !authorized(req)) {
      res.setHeader('www-authenticate', 'Bearer');
      sendJson(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    if (url.pathname === '/ready' && method === 'GET') {
      if (ready) sendText(res, 200, 'ready\n');
      else sendText(res, 503, 'not ready\n');
      return;
    }
    if (url.pathname === '/proxies' && method === 'GET') {
      const items = await proxyProvider();
      sendJson(res, 200, { kind: 'ProxyList', items });
      return;
    }
    if (await configRoutes.handle(req, res, url)) return;
    if (custom) {
      await custom.handler(req, res, url);
      return;
    }
    sendJson(res, 404, status(404, 'NotFound', `no admin endpoint ${method} ${url.pathname}`));
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof BodyTooLargeError)
        sendJson(res, 413, status(413, 'RequestEntityTooLarge', err.message));
      else sendJson(res, 500, status(500, 'InternalError', (err as Error)?.message ?? String(err)));
    });
  };
  // exec and port-forward upgrade the connection (WebSocket or SPDY): same Host and token checks.
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    const refuse = (code: number, text: string) =>
      socket.end(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    if (hostHeader !== '' && !LOOPBACK.has(hostHeader)) return refuse(403, 'Forbidden');
    if (!isKubePath(url.pathname)) return refuse(404, 'Not Found');
    if (!authorized(req)) return refuse(401, 'Unauthorized');
    kubeRoutes.upgrade(req, socket, head, url);
  };
  const headersTimeout = options.requestHeadersTimeoutMs ?? REQUEST_HEADERS_TIMEOUT_MS;
  // Node's default (60 s, checked every 30 s) let an HTTP/0.9 line or a partial head hold a
  // connection for a minute or more: the proxies' request headers timeout, checked as often.
  const limits = {
    headersTimeout,
    connectionsCheckingInterval: Math.min(1000, Math.max(20, headersTimeout / 4)),
  };
  const server = createServer(limits, onRequest);
  server.on('upgrade', onUpgrade);
  // One port, two protocols: a connection whose first byte is a TLS handshake record (0x16) goes to
  // the TLS server, everything else to plain HTTP (the admin UI, curl, the switchyard CLI).
  const servingCert = selfSignedServingCert();
  const tlsServer = createHttpsServer(
    { cert: servingCert.cert, key: servingCert.key, ...limits },
    onRequest,
  );
  tlsServer.on('upgrade', onUpgrade);
  // It never listens itself (connections are handed to it): start the tracking that enforces the
  // headers timeout.
  tlsServer.emit('listening');
  const plainConnection = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  // Every accepted socket, whichever protocol it turns out to speak: close() ends them all, also
  // those still being sniffed or mid-TLS-handshake, which neither HTTP server tracks yet.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // Nothing at all within the headers timeout: neither HTTP server has the socket yet, so close it
    // here (a silent connection once stayed open forever).
    const silent = setTimeout(() => socket.destroy(), headersTimeout);
    silent.unref();
    socket.once('close', () => clearTimeout(silent));
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(silent);
      socket.pause();
      socket.unshift(chunk);
      if (chunk[0] === 0x16) tlsServer.emit('connection', socket);
      else for (const listener of plainConnection) listener.call(server, socket);
      process.nextTick(() => socket.resume());
    });
  });

  const urlOf = () => `http://${formatHostPort(host, boundPort)}`;
  return {
    server,
    get url() {
      return urlOf();
    },
    get port() {
      return boundPort;
    },
    get tlsUrl() {
      return urlOf().replace(/^http:/, 'https:');
    },
    servingCert,
    kube: kubeRoutes.api,
    pods: kubeRoutes.pods,
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 15000, host, () => {
          server.off('error', reject);
          boundPort = (server.address() as AddressInfo).port;
          resolve({ host, port: boundPort, url: urlOf() });
        });
      });
    },
    route(method, pathPrefix, handler, routeOptions = {}) {
      routes.push({
        method: method.toUpperCase(),
        prefix: pathPrefix,
        handler,
        requireToken: routeOptions.requireToken,
      });
    },
    setProxyProvider(fn) {
      proxyProvider = fn;
    },
    setReady(value) {
      ready = value;
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        tlsServer.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

/** Creates the admin server and starts listening. */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const admin = createAdminServer(options);
  await admin.listen();
  return admin;
}

/** The longest registered prefix that covers the path (`/stats` covers `/stats/prometheus`). */
function matchRoute(routes: readonly Route[], method: string, path: string): Route | undefined {
  let best: Route | undefined;
  for (const r of routes) {
    if (r.method !== method && r.method !== '*') continue;
    const base = r.prefix.endsWith('/') ? r.prefix : `${r.prefix}/`;
    if (path !== r.prefix && !path.startsWith(base)) continue;
    if (!best || r.prefix.length > best.prefix.length) best = r;
  }
  return best;
}

// A proxy process-equivalent: one current snapshot (swapped in one assignment), the cluster states
// that outlive it, the sockets bound for its listeners, the access log and the counters.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createH2Server, type Http2Server, type Http2Session } from 'node:http2';
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { PASSTHROUGH_CLUSTER, type FilterChain, type ProxySnapshot } from '../compile/snapshot.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { systemRandom, type Random } from '../runtime/random.js';
import { formatJson, formatText } from './access-log/format.js';
import { AccessLogWriter } from './access-log/writer.js';
import type { RequestContext } from './context/request-context.js';
import { ConnectTunnels } from './listener/connect-tunnel.js';
import { ConnectionBudget } from './listener/connection-budget.js';
import {
  CONNECTION_IDLE_TIMEOUT_MS,
  H2_SERVER_OPTIONS,
  limitHttp1Server,
  REQUEST_HEADERS_TIMEOUT_MS,
  type Http1Limits,
} from './listener/connection-limits.js';
import { HttpConnectionManager, type Binding } from './listener/http-listener.js';
import { Http1Connection, type Http1ConnectionHost } from './listener/http1-connection.js';
import { acceptUpgrades } from './listener/upgrade.js';
import { isHttp09RequestLine } from './listener/request-checks.js';
import {
  LISTENER_FILTERS_TIMEOUT_MS,
  mayBeHttp1,
  sniffFirstBytes,
  type Sniffed,
} from './listener/protocol-sniff.js';
import type { ProxyServices } from './services.js';
import { addresses, GatewayConnections } from './tls/gateway-connections.js';
import { listenerIndex } from './listener/listener-select.js';
import { proxyTcp } from './tls/tcp-proxy.js';
import { replayingDuplex } from './tls/replay.js';
import { InboundMtls } from './tls/inbound-mtls.js';
import { identityGetter, type MeshIdentity, type MeshIdentitySource } from './tls/mesh-identity.js';
import { ClusterManager } from './upstream/cluster-manager.js';
import type { DnsResolve } from './upstream/dns-resolver.js';

export interface AccessLogOptions {
  /** File path or `/dev/stdout`; omitted = no file output (use sink). */
  path?: string;
  encoding: 'TEXT' | 'JSON';
  /** Receives every formatted line (tests, the mesh runner's log view). */
  sink?: (line: string) => void;
}

export interface ProxyOptions {
  name: string;
  clock?: Clock;
  random?: Random;
  accessLog?: AccessLogOptions;
  /** Mesh identity (workload certificate + mesh root): ISTIO_MUTUAL / auto mTLS out, mTLS in. */
  identity?: MeshIdentitySource;
  /** Name resolution for STRICT_DNS / LOGICAL_DNS clusters (tests inject a name table). */
  dnsResolve?: DnsResolve;
  /** A request head must be complete this long after the connection opens (default Envoy's edge 10 s). */
  requestHeadersTimeoutMs?: number;
  /** A stalled request body ends in 408 after this long without bytes (default Envoy's 5 min; 0 = off). */
  streamIdleTimeoutMs?: number;
  /** A new connection's first bytes must tell its protocol within this (default Envoy's 15 s). */
  listenerFiltersTimeoutMs?: number;
  /** A connection without a request in flight is closed after this (default Envoy's 1 h). */
  connectionIdleTimeoutMs?: number;
  /** Open downstream connections this proxy accepts at once (Envoy listener max_connections; default no limit). */
  maxDownstreamConnections?: number;
  /** A budget shared by every proxy of the process (Envoy global_downstream_max_connections). */
  globalConnections?: ConnectionBudget;
  /**
   * The plaintext HTTP/1 downstream codec: `raw` (listener/http1-connection.ts, the default) or
   * `node` (node:http's llhttp server), kept to compare and to fall back.
   */
  http1Codec?: 'raw' | 'node';
}

export interface ListenOptions {
  /** For `virtualInbound`: the service port this socket stands for. */
  destinationPort?: number;
  /**
   * For `virtualInbound`: where the app listens for this port when no filter chain serves it,
   * Istio's inbound passthrough chain (InboundPassthroughCluster, the original destination).
   */
  passthrough?: { host: string; port: number };
}

/** One upstream host as the admin API reads it (Envoy's /clusters host status). */
export interface HostView {
  cluster: string;
  address: string;
  port: number;
  outlierCheck: 'OK' | 'FAILED';
  /** Requests in flight (rq_active). */
  active: number;
  /** Open connections (cx_active). */
  connections: number;
  /** Envoy's per-host counters (upstream/host.ts). */
  counters: Readonly<Record<string, number>>;
}

export class Proxy implements ProxyServices {
  readonly name: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly clusters: ClusterManager;
  /** The proxy's mesh identity, issued on first use (ISTIO_MUTUAL or an inbound mTLS handshake). */
  readonly identity: (() => MeshIdentity) | undefined;
  private current: ProxySnapshot | undefined;
  private readonly hcm: HttpConnectionManager;
  /** CONNECT tunnels on virtualOutbound (HTTPS_PROXY): TLS/TCP leaving the sidecar. */
  private readonly tunnels: ConnectTunnels;
  private readonly servers = new Set<Server>();
  private readonly listeners = new Set<NetServer>();
  private readonly h2Servers = new Set<Http2Server>();
  private readonly h2Sessions = new Set<Http2Session>();
  private readonly sockets = new Set<Socket>();
  /** Plaintext HTTP/1 connections on the raw codec (closed when idle at shutdown). */
  private readonly http1 = new Set<Http1Connection>();
  private readonly http1Codec: 'raw' | 'node';
  private readonly gateways = new Set<GatewayConnections>();
  private readonly mtls = new Set<InboundMtls>();
  /** Gateway listener name -> its socket, for unlisten() when a Gateway port goes away. */
  private readonly named = new Map<string, NetServer>();
  private readonly log: AccessLogWriter | undefined;
  private readonly encoding: 'TEXT' | 'JSON';
  private downstreamRq = 0;
  private readonly requestHeadersTimeoutMs: number;
  private readonly listenerFiltersTimeoutMs: number;
  private readonly connectionIdleTimeoutMs: number;
  readonly http1Limits: Http1Limits;
  private readonly ownConnections: ConnectionBudget;
  private readonly globalConnections: ConnectionBudget | undefined;
  /** Envoy's listener `downstream_pre_cx_timeout`: sockets closed before their protocol was known. */
  /** Envoy listener stats: downstream_pre_cx_timeout, downstream_cx_overflow, downstream_global_cx_overflow. */
  private readonly listenerStats = new Map<string, number>();
  private readonly observers: ((ctx: RequestContext) => void)[] = [];
  /** Headers the outbound side adds to every request (Istio metadata exchange); see observe(). */
  peerHeaders: readonly (readonly [string, string])[] = [];

  constructor(opts: ProxyOptions) {
    this.name = opts.name;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? systemRandom;
    this.identity = opts.identity ? identityGetter(opts.identity) : undefined;
    this.clusters = new ClusterManager(this.clock, this.random, this.identity, opts.dnsResolve);
    this.encoding = opts.accessLog?.encoding ?? 'TEXT';
    this.requestHeadersTimeoutMs = opts.requestHeadersTimeoutMs ?? REQUEST_HEADERS_TIMEOUT_MS;
    this.listenerFiltersTimeoutMs = opts.listenerFiltersTimeoutMs ?? LISTENER_FILTERS_TIMEOUT_MS;
    this.connectionIdleTimeoutMs = opts.connectionIdleTimeoutMs ?? CONNECTION_IDLE_TIMEOUT_MS;
    this.http1Codec = opts.http1Codec ?? 'raw';
    this.ownConnections = new ConnectionBudget(opts.maxDownstreamConnections ?? Infinity);
    this.globalConnections = opts.globalConnections;
    if (opts.accessLog && (opts.accessLog.path || opts.accessLog.sink)) {
      this.log = new AccessLogWriter(opts.accessLog.path, opts.accessLog.sink);
    }
    this.hcm = new HttpConnectionManager(
      this,
      (ctx) => this.onComplete(ctx),
      opts.streamIdleTimeoutMs,
    );
    this.http1Limits = {
      requestHeadersTimeoutMs: this.requestHeadersTimeoutMs,
      connectionIdleTimeoutMs: this.connectionIdleTimeoutMs,
      clientError: (err, socket) => this.hcm.clientError(err, socket),
    };
    this.tunnels = new ConnectTunnels(
      this,
      (name, req, res) => this.hcm.handle({ kind: 'listener', name }, req, res),
      (ctx) => this.logConnection(ctx),
    );
  }

  snapshot(): ProxySnapshot | undefined {
    return this.current;
  }

  /** Swaps in a snapshot; requests in flight keep the one they started with. */
  update(snapshot: ProxySnapshot): void {
    this.clusters.apply(snapshot);
    this.current = snapshot;
  }

  /** Calls fn with every completed request (telemetry); returns a function that stops it. */
  observe(fn: (ctx: RequestContext) => void): () => void {
    this.observers.push(fn);
    return () => {
      const i = this.observers.indexOf(fn);
      if (i >= 0) this.observers.splice(i, 1);
    };
  }

  private onComplete(ctx: RequestContext): void {
    this.downstreamRq++;
    for (const fn of this.observers) fn(ctx);
    this.logConnection(ctx);
  }

  /** Access-log line for a request or a TCP connection (tcp_proxy logs at close). */
  private logConnection(ctx: RequestContext): void {
    if (!this.log) return;
    this.log.write(this.encoding === 'JSON' ? formatJson(ctx) : formatText(ctx));
  }

  /**
   * Binds a socket for a listener: `virtualOutbound` (proxy-form and Host-form requests; the port
   * selects `0.0.0.0_<port>`), `virtualInbound` with a destinationPort, or a gateway listener name.
   */
  listen(
    listenerName: string,
    addr: { host: string; port: number },
    opts: ListenOptions = {},
  ): Promise<{ host: string; port: number }> {
    let binding: Binding;
    if (listenerName === 'virtualOutbound') binding = { kind: 'virtualOutbound' };
    else if (listenerName === 'virtualInbound') {
      if (opts.destinationPort === undefined)
        return Promise.reject(new Error('virtualInbound needs destinationPort'));
      binding = { kind: 'inbound', destinationPort: opts.destinationPort };
    } else binding = { kind: 'listener', name: listenerName };
    const server = createServer({ noDelay: true }, (req, res) =>
      this.hcm.handle(binding, req, res),
    );
    // The http server never listens itself (connections are handed to it): the limits start its
    // connection tracking, without which neither the header timeout nor closeIdleConnections() runs.
    // A request llhttp refuses or a head that never completes: a local reply and close, never a crash.
    limitHttp1Server(server, this.http1Limits);
    // WebSocket upgrades (Istio enables them on every HTTP connection manager); h2c is refused.
    acceptUpgrades(server, (req, res) => this.hcm.handle(binding, req, res));
    if (binding.kind === 'virtualOutbound')
      server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
        // The CONNECT head is an HTTP/1 request like any other: over the header limits it is a 431.
        if (!this.hcm.refuseOverLimitHead(req, socket)) this.tunnels.handle(req, socket, head);
      });
    // h2c with prior knowledge on the same socket (Envoy's edge stream and header limits).
    const h2 = createH2Server(H2_SERVER_OPTIONS, (req, res) => this.hcm.handle(binding, req, res));
    h2.on('session', (session: Http2Session) => {
      this.h2Sessions.add(session);
      // idle_timeout on HTTP/2: GOAWAY, then the session closes once its streams are done.
      session.setTimeout(this.connectionIdleTimeoutMs, () => session.close());
      session.once('close', () => this.h2Sessions.delete(session));
    });
    h2.on('sessionError', () => undefined);
    this.servers.add(server);
    this.h2Servers.add(h2);
    // Gateway listeners with TLS, passthrough or TCP chains are dispatched at L4 (tls/).
    const l4 =
      binding.kind === 'listener'
        ? new GatewayConnections(
            this,
            listenerName,
            (req, res) => this.hcm.handle(binding, req, res),
            (ctx) => this.logConnection(ctx),
          )
        : undefined;
    if (l4) this.gateways.add(l4);
    // Sidecar inbound: the port's PeerAuthentication mode decides between mTLS and plaintext.
    const mtls =
      binding.kind === 'inbound'
        ? new InboundMtls(
            this,
            this.identity,
            binding.destinationPort,
            (req, res) => this.hcm.handle(binding, req, res),
            // mTLS on a TCP port: the decrypted stream goes to tcp_proxy, not HTTP.
            {
              isTcp: (tcpAlpn) =>
                this.inboundTcpChain(binding.destinationPort, tcpAlpn ? 'tcp' : Buffer.alloc(0)) !==
                undefined,
              proxy: (down, info, tcpAlpn) => {
                const chain = this.inboundTcpChain(
                  binding.destinationPort,
                  tcpAlpn ? 'tcp' : Buffer.alloc(0),
                );
                if (!chain) return down.destroy();
                proxyTcp(this, chain, down, info, (ctx) => this.logConnection(ctx));
              },
            },
          )
        : undefined;
    if (mtls) this.mtls.add(mtls);
    const http1Host: Http1ConnectionHost = {
      clock: this.clock,
      requestHeadersTimeoutMs: this.requestHeadersTimeoutMs,
      connectionIdleTimeoutMs: this.connectionIdleTimeoutMs,
      draining: () => this.hcm.isDraining,
      handle: (request, sink, conn) => this.hcm.handleRequest(binding, request, sink, conn),
      refuse: (socket, reply, details) => this.hcm.refuse(socket, reply, details),
      handOff: (socket, rest) => {
        socket.unshift(rest);
        server.emit('connection', socket);
        socket.resume();
      },
      onClosed: (c) => this.http1.delete(c),
    };
    // Plaintext HTTP/1: the raw codec, or node:http's server when so configured.
    const serveHttp1 = (socket: Socket, first: Buffer): void => {
      if (this.http1Codec === 'node') {
        socket.unshift(first);
        server.emit('connection', socket);
        socket.resume();
        return;
      }
      const c = new Http1Connection(socket, http1Host, { ...addresses(socket), tls: undefined });
      this.http1.add(c);
      c.start(first);
    };
    // One socket per listener: the first bytes tell an HTTP/2 connection preface from HTTP/1.
    const net = createNetServer({ noDelay: true }, (socket: Socket) => {
      if (!this.admit(socket, listenerName)) return;
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      if (l4?.acceptOnConnect(socket)) return;
      // A TCP port with mTLS off has no TLS inspector: server-first protocols speak first.
      if (
        binding.kind === 'inbound' &&
        mtls?.mode() === 'DISABLE' &&
        this.inboundTcp(binding.destinationPort, socket, Buffer.alloc(0))
      )
        return;
      const decided = (first: Buffer, kind: Sniffed): void => {
        if (l4?.accept(socket, first)) return;
        const plaintext = (bytes: Buffer): void => {
          // A TCP inbound port (name `tcp`/`tcp-*`, appProtocol tcp): tcp_proxy to the app, not HTTP.
          if (
            binding.kind === 'inbound' &&
            this.inboundTcp(binding.destinationPort, socket, bytes, opts.passthrough)
          )
            return;
          serveHttp1(socket, bytes);
        };
        if (mtls?.accept(socket, first, plaintext)) return;
        if (
          binding.kind === 'inbound' &&
          this.inboundTcp(binding.destinationPort, socket, first, opts.passthrough)
        )
          return;
        if (isHttp09RequestLine(first)) {
          // No HTTP version: a 400 and close now, not a wait for the request headers timeout.
          this.hcm.clientError(
            Object.assign(new Error('HTTP/0.9'), { code: 'HPE_INVALID_VERSION' }),
            socket,
          );
          return;
        }
        if (kind === 'h2') {
          // nghttp2 reads a net.Socket's handle directly, past anything unshifted: hand it a
          // Duplex that replays the first bytes (Node wraps it in a JS stream socket).
          h2.emit('connection', replayingDuplex(socket, first));
          return;
        }
        serveHttp1(socket, first);
      };
      sniffFirstBytes(socket, this.clock, this.listenerFiltersTimeoutMs, decided, () => {
        this.count(`listener.${listenerStatPrefix(listenerName)}.downstream_pre_cx_timeout`);
      });
    });
    this.listeners.add(net);
    if (binding.kind === 'listener') this.named.set(listenerName, net);
    return new Promise((resolve, reject) => {
      net.once('error', reject);
      net.listen(addr.port, addr.host, () => {
        net.off('error', reject);
        const a = net.address() as AddressInfo;
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  /**
   * Istio's virtualInbound TCP filter chain for a port whose protocol is TCP (istio/istio
   * pilot/pkg/networking/core/listener_builder.go: a tcp_proxy to `inbound|<port>||`): the connection
   * is proxied to the app byte for byte, with `bytes` (read while sniffing) sent first. False when
   * the port's chain is HTTP (or sniffed), which the HTTP connection manager takes.
   */
  private inboundTcp(
    destinationPort: number,
    socket: Socket,
    bytes: Buffer,
    passthrough?: { host: string; port: number },
  ): boolean {
    let tcp = this.inboundTcpChain(destinationPort, bytes);
    let info = addresses(socket);
    const snap = this.current;
    if (!tcp && passthrough && snap && !listenerIndex(snap).inbound.has(destinationPort)) {
      // istio/istio pilot/pkg/networking/core/listener_builder.go: the passthrough chain of
      // virtualInbound, an ORIGINAL_DST tcp_proxy to where the connection was going (the app).
      tcp = {
        name: 'virtualInbound-passthrough',
        serverNames: [],
        tcp: {
          routes: [{ clusters: [{ clusterName: PASSTHROUGH_CLUSTER, weight: 1 }], totalWeight: 1 }],
          statPrefix: 'InboundPassthroughCluster',
        },
      };
      info = { ...info, destination: passthrough };
    }
    if (!tcp) return false;
    // tcp_proxy half-closes: the client's FIN is passed on, the app may still answer after it.
    socket.allowHalfOpen = true;
    proxyTcp(this, tcp, replayingDuplex(socket, bytes), info, (ctx) => this.logConnection(ctx));
    return true;
  }

  /**
   * The port's TCP chain: declared TCP, or on a port of unknown protocol sniffed as not HTTP from
   * `sniff` (the first bytes; empty: not sniffed), or `'tcp'` when mesh mTLS said so by its ALPN.
   */
  private inboundTcpChain(destinationPort: number, sniff: Buffer | 'tcp'): FilterChain | undefined {
    const snap = this.current;
    const chain = snap ? listenerIndex(snap).inbound.get(destinationPort) : undefined;
    if (!chain) return undefined;
    if (chain.tcp && !chain.http) return chain;
    // A port of unknown protocol (its inbound cluster uses the downstream's protocol) that the
    // http_inspector finds is not HTTP: Istio's sniffed TCP chain to the same inbound cluster.
    if (
      snap?.clusters.get(chain.name)?.useDownstreamProtocol &&
      (sniff === 'tcp' || (sniff.length > 0 && !mayBeHttp1(sniff)))
    )
      return {
        name: chain.name,
        serverNames: [],
        tcp: {
          routes: [{ clusters: [{ clusterName: chain.name, weight: 1 }], totalWeight: 1 }],
          statPrefix: chain.name,
        },
      };
    return undefined;
  }

  /**
   * Counts a new connection against this proxy's and the process's budgets; one over either is
   * closed at once (Envoy: downstream_cx_overflow, downstream_global_cx_overflow).
   */
  private admit(socket: Socket, listenerName: string): boolean {
    if (this.globalConnections && !this.globalConnections.tryAcquire()) {
      this.count(`listener.${listenerStatPrefix(listenerName)}.downstream_global_cx_overflow`);
      socket.destroy();
      return false;
    }
    if (!this.ownConnections.tryAcquire()) {
      this.globalConnections?.release();
      this.count(`listener.${listenerStatPrefix(listenerName)}.downstream_cx_overflow`);
      socket.destroy();
      return false;
    }
    socket.once('close', () => {
      this.ownConnections.release();
      this.globalConnections?.release();
    });
    return true;
  }

  private count(stat: string): void {
    this.listenerStats.set(stat, (this.listenerStats.get(stat) ?? 0) + 1);
  }

  /** Stops accepting on a gateway listener's socket (Envoy drains a removed listener); open connections finish. */
  async unlisten(listenerName: string): Promise<boolean> {
    const net = this.named.get(listenerName);
    if (!net) return false;
    this.named.delete(listenerName);
    this.listeners.delete(net);
    await new Promise<void>((resolve) => net.close(() => resolve()));
    return true;
  }

  /**
   * Live endpoint state per cluster, as `istioctl proxy-config endpoints` shows it (STATUS HEALTHY,
   * OUTLIER CHECK OK/FAILED), plus the host's active requests.
   */
  endpoints(): HostView[] {
    const out: HostView[] = [];
    for (const name of this.current?.clusters.keys() ?? []) {
      const st = this.clusters.get(name);
      for (const h of st?.hosts ?? []) {
        out.push({
          cluster: name,
          address: h.endpoint.address,
          port: h.endpoint.port,
          outlierCheck: h.ejected ? 'FAILED' : 'OK',
          active: h.active,
          connections: h.connections,
          counters: { ...h.stats },
        });
      }
    }
    return out;
  }

  /** Envoy-named counters: `cluster.<name>.upstream_rq_total`, ... */
  stats(): Map<string, number> {
    const out = new Map<string, number>();
    this.clusters.renderStats(out);
    out.set('http.downstream_rq_completed', this.downstreamRq);
    out.set('http.downstream_rq_active', this.hcm.requestsActive);
    // envoyproxy/envoy source/common/http/conn_manager_impl.cc: upgrade counters of the HCM.
    out.set('http.downstream_cx_upgrades_total', this.hcm.upgrades.total);
    out.set('http.downstream_cx_upgrades_active', this.hcm.upgrades.active);
    out.set('http.downstream_rq_ws_on_non_ws_route', this.hcm.upgrades.refused);
    out.set('http.downstream_cx_protocol_error', this.hcm.limits.protocolErrors);
    out.set('http.downstream_rq_header_timeout', this.hcm.limits.headerTimeouts);
    out.set('http.downstream_rq_idle_timeout', this.hcm.limits.idleTimeouts);
    out.set('http2.header_overflow', this.hcm.limits.h2HeaderOverflows);
    for (const [stat, n] of this.listenerStats) out.set(stat, n);
    for (const g of this.gateways) g.renderStats(out);
    for (const m of this.mtls) m.renderStats(out);
    return out;
  }

  /** Stops accepting, lets in-flight requests finish (up to a grace period), closes pools. */
  async close(graceMs = 5000): Promise<void> {
    this.hcm.drain();
    const closing = [...this.listeners].map(
      (s) => new Promise<void>((resolve) => s.close(() => resolve())),
    );
    // Stops the inner http servers' connection checks (they never listened: the callback's error is moot).
    for (const s of this.servers) s.close(() => undefined);
    // Keep-alive connections close as soon as their in-flight request is done.
    const sweep = (): void => {
      for (const s of this.servers) s.closeIdleConnections();
      for (const c of this.http1) c.closeIdle();
      for (const s of this.h2Sessions) s.close();
      for (const g of this.gateways) g.closeIdle();
      this.tunnels.closeIdle();
      for (const m of this.mtls) m.closeIdle();
    };
    sweep();
    const sweeper = setInterval(sweep, 20);
    const timer = setTimeout(() => {
      for (const s of this.sockets) s.destroy();
    }, graceMs);
    // Wait for in-flight requests: sockets close when their requests are done.
    await Promise.all(closing);
    clearTimeout(timer);
    clearInterval(sweeper);
    for (const s of this.sockets) s.destroy();
    this.listeners.clear();
    this.servers.clear();
    this.h2Servers.clear();
    this.gateways.clear();
    this.tunnels.close();
    this.mtls.clear();
    this.named.clear();
    this.clusters.close();
    await this.log?.close();
  }
}

/** Envoy names listener stats by address: Istio's virtual listeners are 0.0.0.0_15001 and _15006. */
function listenerStatPrefix(listenerName: string): string {
  if (listenerName === 'virtualOutbound') return '0.0.0.0_15001';
  if (listenerName === 'virtualInbound') return '0.0.0.0_15006';
  return listenerName;
}

export function createProxy(opts: ProxyOptions): Proxy {
  return new Proxy(opts);
}

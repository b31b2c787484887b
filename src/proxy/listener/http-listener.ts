// The HTTP connection manager for one request: picks listener -> filter chain -> route table ->
// virtual host -> route, runs the filters (CORS, fault, header ops, rewrite/redirect/direct response)
// and hands forwarded requests to the router. Every failure ends in localReply(), the one rescue point.
// Envoy: source/common/http/conn_manager_impl.cc; Istio listener layout: src/compile/snapshot.ts.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { authorityPort, formatHostPort, splitAuthority, unbracket } from '../../units/index.js';
import {
  BLACKHOLE_CLUSTER,
  PASSTHROUGH_CLUSTER,
  type ForwardAction,
  type ProxySnapshot,
  type Route,
  type RouteTable,
  type WeightedCluster,
} from '../../compile/snapshot.js';
import { toGrpcLocalReply } from '../context/grpc-local-reply.js';
import { parseGrpcStatus } from '../context/grpc-status.js';
import { LOCAL_REPLIES, type LocalReply } from '../context/local-reply.js';
import { RequestContext } from '../context/request-context.js';
import { corsOnRequest } from '../filters/cors.js';
import { faultDraw } from '../filters/fault.js';
import { applyHeaderOps, firstValue, toFlat, type HeaderMap } from '../filters/headers.js';
import { redirectLocation, rewritePath, splitPath } from '../filters/rewrite.js';
import { ForwardRequest } from '../router/forward.js';
import { effectiveTimeoutMs } from '../router/grpc-timeout.js';
import { sendMirrors } from '../router/mirror.js';
import { forwardUpgrade, type UpgradeCounters } from '../router/upgrade-forward.js';
import {
  queryParam,
  selectRoute,
  selectVirtualHost,
  type MatchInput,
} from '../router/route-matcher.js';
import { pickWeighted } from '../router/weighted.js';
import type { Downstream, LocalReplyOverrides, ProxyServices } from '../services.js';
import { hashString } from '../upstream/lb/index.js';
import type { ClusterState } from '../upstream/cluster-state.js';
import type { Host } from '../upstream/host.js';
import type { DownstreamRequest, ResponseSink } from '../context/request-model.js';
import type { TimerHandle } from '../../runtime/clock.js';
import { headerLimitExceeded, STREAM_IDLE_TIMEOUT_MS } from './connection-limits.js';
import {
  nodeConnection,
  nodeRequest,
  NodeResponseSink,
  type NodeRequest,
  type NodeResponse,
  type DownstreamConnection,
} from './node-exchange.js';
import { upgradeAllowed } from './upgrade.js';
import { listenerIndex, selectListener, type Binding } from './listener-select.js';

export { listenerIndex, type Binding, type ListenerIndex } from './listener-select.js';

/** Largest request body buffered for replay by retries and mirrors. */
const REPLAY_BUFFER_LIMIT = 64 * 1024;

function stripMapped(addr: string | undefined): string {
  if (!addr) return '';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

/** Per-request downstream handle: the single local-reply point and the access-log hook. */
class DownstreamImpl implements Downstream {
  private abortFns: (() => void)[] | undefined;
  private closedByProxy = false;
  logged = false;
  constructor(
    readonly ctx: RequestContext,
    private readonly res: ResponseSink,
    private readonly log: (ctx: RequestContext) => void,
    private readonly svc: ProxyServices,
  ) {}

  localReply(reply: LocalReply, o?: LocalReplyOverrides): void {
    const ctx = this.ctx;
    const res = this.res;
    if (reply.flag) ctx.addFlag(reply.flag);
    if (o?.flag) ctx.addFlag(o.flag);
    ctx.details = o?.details ?? reply.details;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    let status = o?.status ?? reply.status;
    let body = o?.body ?? reply.body;
    let len = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    const headers: HeaderMap = Object.create(null) as HeaderMap;
    if (len > 0) headers['content-type'] = 'text/plain';
    headers['content-length'] = String(len);
    if (o?.headers) Object.assign(headers, o.headers);
    headers['date'] = httpDate(this.svc.clock.now());
    headers['server'] = 'istio-envoy';
    if (ctx.grpc) {
      // A gRPC request gets a Trailers-Only gRPC reply (grpc-local-reply.ts).
      status = toGrpcLocalReply(status, body, headers, ctx.method === 'HEAD');
      body = '';
      len = 0;
    }
    ctx.responseCode = status;
    ctx.bytesSent = len;
    try {
      // A gRPC local reply is Trailers-Only on HTTP/2: HEADERS with END_STREAM
      // (envoyproxy/envoy source/common/http/utility.cc sendLocalReply, is_grpc).
      if (ctx.protocol === 'HTTP/2' && len === 0 && headers['grpc-status'] !== undefined) {
        ctx.grpcStatus = parseGrpcStatus(headers['grpc-status']);
        if (res.writeHeadersOnly(status, headers)) return;
      }
      if (ctx.grpc) headers['content-length'] = '0';
      res.writeHead(status, headers);
      res.end(ctx.method === 'HEAD' ? undefined : body);
    } catch {
      res.destroy();
    }
  }

  /**
   * Closes the connection without a response, logged as the tcp_proxy line Envoy writes for it
   * (`"- - -" 0 <flag>`, no request fields; envoyproxy/envoy source/common/tcp_proxy/tcp_proxy.cc).
   */
  closeAsTcp(cluster: string, flag: string): void {
    const ctx = this.ctx;
    ctx.method = '';
    ctx.path = '';
    ctx.protocol = '';
    ctx.authority = '';
    ctx.requestId = undefined;
    ctx.userAgent = undefined;
    ctx.xForwardedFor = undefined;
    ctx.upstreamCluster = cluster;
    ctx.addFlag(flag);
    this.closedByProxy = true;
    this.res.closeAfterResponse();
    this.res.destroy();
  }

  /**
   * An HTTP/2 stream the codec refuses (over the header limits): RST_STREAM INTERNAL_ERROR, no
   * response; logged with code 0, DPE and the codec's details (envoyproxy/envoy
   * source/common/http/conn_manager_impl.cc onResetStream: codec details on a local reset).
   */
  resetStream(details: string): void {
    this.ctx.addFlag('DPE');
    this.ctx.details = details;
    this.closedByProxy = true;
    this.res.reset();
  }

  /** The stream idle timeout fired: 408 SI, the upstream side cancelled, the connection closed. */
  streamIdleTimeout(): void {
    const hadDc = this.ctx.flags.includes('DC');
    this.res.closeAfterResponse();
    this.localReply(LOCAL_REPLIES.stream_idle_timeout);
    // HTTP/2: the response is complete but the request is not; RST_STREAM NO_ERROR after it asks
    // the client to stop sending (RFC 9113 section 8.1) and closes the stream, which Node would
    // otherwise hold half-open until the client ended its body.
    this.res.stopRequest();
    // The router's abort hook marks a downstream disconnect (DC); here the proxy ended the stream.
    for (const fn of this.abortFns ?? []) fn();
    this.abortFns = undefined;
    if (!hadDc) this.ctx.flags = this.ctx.flags.filter((f) => f !== 'DC');
  }

  onAbort(fn: () => void): void {
    (this.abortFns ??= []).push(fn);
  }

  /** Called once when the response is done or the connection closed. */
  complete(aborted: boolean): void {
    if (this.logged) return;
    this.logged = true;
    if (aborted && this.abortFns) for (const fn of this.abortFns) fn();
    if (aborted && this.ctx.responseCode === 0 && !this.closedByProxy) this.ctx.addFlag('DC');
    this.ctx.durationMs = Math.round(this.svc.clock.monotonic() - this.ctx.startMono);
    this.log(this.ctx);
  }
}

export class HttpConnectionManager {
  /** Envoy HCM upgrade stats, rendered by Proxy.stats(). */
  readonly upgrades: UpgradeCounters = { total: 0, active: 0, refused: 0 };
  /** Envoy HCM `downstream_cx_protocol_error` and `downstream_rq_header_timeout` (conn_manager_impl.cc). */
  readonly limits = { protocolErrors: 0, headerTimeouts: 0, idleTimeouts: 0, h2HeaderOverflows: 0 };
  /** Envoy HCM `downstream_rq_active`: requests whose response is not finished. */
  requestsActive = 0;
  private readonly refused = new WeakSet<Socket>();
  /** HTTP/1 responses not yet finished: drain() marks them `Connection: close`. */
  private readonly active = new Set<ResponseSink>();
  private draining = false;
  constructor(
    private readonly svc: ProxyServices,
    private readonly log: (ctx: RequestContext) => void,
    private readonly streamIdleTimeoutMs = STREAM_IDLE_TIMEOUT_MS,
  ) {}

  /**
   * A connection Node's parser gave up on before a request existed: no complete head within the
   * request headers timeout (408), a head over llhttp's size (431), anything else it refuses (400).
   * Answered and closed like Envoy's codec/HCM does, with an access-log line.
   */
  clientError(err: NodeJS.ErrnoException, socket: Socket): void {
    const reply =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? LOCAL_REPLIES.request_header_timeout
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? LOCAL_REPLIES.request_headers_too_large
          : LOCAL_REPLIES.bad_request;
    this.refuse(socket, reply);
  }

  /** Whether drain() was called (raw HTTP/1 connections say `Connection: close` from then on). */
  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * Answers a connection whose request head was refused or never completed, and closes it: the
   * one place for codec-level refusals of node:http's parser and the raw codec
   * (listener/http1-connection.ts); `details` overrides the reply's (the codec's finer reason).
   */
  refuse(socket: Socket, reply: LocalReply, details?: string): void {
    // llhttp may report the same connection again for bytes still buffered: answer once.
    if (this.refused.has(socket)) return;
    this.refused.add(socket);
    if (reply === LOCAL_REPLIES.request_header_timeout) this.limits.headerTimeouts++;
    else this.limits.protocolErrors++;
    this.refuseHead(socket, reply, details);
  }

  /**
   * A CONNECT request over the header limits: 431 and close, as for any HTTP/1 request (Node hands
   * CONNECT to the `connect` event, past the HCM). Returns whether it was refused.
   */
  refuseOverLimitHead(req: IncomingMessage, socket: Socket): boolean {
    const details = headerLimitExceeded(req.rawHeaders);
    if (!details) return false;
    this.limits.protocolErrors++;
    socket.on('error', () => undefined);
    this.refuseHead(socket, LOCAL_REPLIES.request_headers_too_large, details, req);
    return true;
  }

  /** Writes a refused head's local reply on the raw connection, closes it and logs the request. */
  private refuseHead(
    socket: Socket,
    reply: LocalReply,
    details = reply.details,
    req?: IncomingMessage,
  ): void {
    if (!socket.writable || (socket as Socket & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const reason =
      reply.status === 408
        ? 'Request Timeout'
        : reply.status === 431
          ? 'Request Header Fields Too Large'
          : 'Bad Request';
    const body = reply.body;
    socket.end(
      `HTTP/1.1 ${reply.status} ${reason}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `content-type: text/plain\r\ndate: ${httpDate(this.svc.clock.now())}\r\n` +
        `server: istio-envoy\r\nconnection: close\r\n\r\n${body}`,
    );
    const snap = this.svc.snapshot();
    if (!snap) return;
    const ctx = new RequestContext(snap);
    ctx.startMs = this.svc.clock.now();
    ctx.startMono = this.svc.clock.monotonic();
    ctx.method = req?.method ?? '';
    ctx.path = req?.url ?? '';
    ctx.protocol = req ? `HTTP/${req.httpVersion}` : '';
    ctx.downstreamLocal = formatHostPort(stripMapped(socket.localAddress), socket.localPort ?? 0);
    ctx.downstreamRemoteIp = stripMapped(socket.remoteAddress);
    ctx.downstreamRemote = formatHostPort(ctx.downstreamRemoteIp, socket.remotePort ?? 0);
    ctx.responseCode = reply.status;
    ctx.bytesSent = Buffer.byteLength(body);
    ctx.details = details;
    ctx.addFlag(reply.flag);
    this.log(ctx);
  }

  /**
   * Shutdown drain: every HTTP/1 response from now on (and every one in flight whose head is not
   * written yet) says `Connection: close`, so keep-alive clients stop sending on this connection
   * instead of racing its close (Envoy's drain manager: the HCM adds `connection: close` while
   * draining, envoyproxy/envoy source/common/http/conn_manager_impl.cc, drain_close). HTTP/2 sessions
   * get GOAWAY from the proxy.
   */
  drain(): void {
    this.draining = true;
    for (const sink of this.active) if (!sink.headersSent) sink.closeAfterResponse();
  }

  /** Entry from Node's codecs: the request and response adapted once (node-exchange.ts). */
  handle(binding: Binding, req: NodeRequest, res: NodeResponse): void {
    const request = nodeRequest(req);
    const sink = new NodeResponseSink(res, request);
    this.handleRequest(binding, request, sink, nodeConnection(req));
  }

  /** One request, whatever its protocol: context, access-log hook, stream idle timeout, routing. */
  handleRequest(
    binding: Binding,
    request: DownstreamRequest,
    sink: ResponseSink,
    conn: DownstreamConnection,
  ): void {
    this.requestsActive++;
    sink.onClose(() => this.requestsActive--);
    const http1 = request.protocol !== 'HTTP/2';
    if (http1) {
      if (this.draining) sink.closeAfterResponse();
      this.active.add(sink);
    }
    const snap = this.svc.snapshot();
    if (!snap) {
      if (http1) sink.onClose(() => this.active.delete(sink));
      sink.writeHead(503, { 'content-length': '0' });
      sink.end();
      return;
    }
    const ctx = new RequestContext(snap);
    const svc = this.svc;
    ctx.startMs = svc.clock.now();
    ctx.startMono = svc.clock.monotonic();
    ctx.method = request.method;
    ctx.protocol = request.protocol;
    const tls = conn.tls;
    if (tls) {
      ctx.requestedServerName = tls.serverName;
      ctx.downstreamPeerUriSan = tls.peerUriSan;
      ctx.downstreamLocalUriSan = tls.localUriSan;
    }
    ctx.downstreamLocal = conn.local;
    ctx.downstreamRemoteIp = conn.remoteIp;
    ctx.downstreamRemote = conn.remote;
    const down = new DownstreamImpl(ctx, sink, this.log, svc);
    const r = new ActiveRequest(binding, snap, ctx, down, request, sink, conn);
    r.idle = this.watchIdleBody(r);
    sink.onClose(() => this.onStreamClose(r));
    try {
      this.route(r);
    } catch (err) {
      // Nothing throws past a request: an unexpected error becomes a 500 local reply.
      ctx.upstreamTransportFailureReason = String((err as Error)?.message ?? err);
      down.localReply(LOCAL_REPLIES.bad_request, {
        status: 500,
        body: 'internal error',
        flag: '',
        details: 'internal_error',
      });
    }
  }

  /** The stream closed (response done, or the client gone): one listener per request. */
  private onStreamClose(r: ActiveRequest): void {
    this.active.delete(r.sink);
    r.idle?.cancel();
    r.down.complete(!r.sink.finished);
  }

  /**
   * Envoy's stream idle timeout while an HTTP/1 request body is still arriving: no bytes from the
   * downstream for the whole period ends the stream with a 408 SI local reply
   * (envoyproxy/envoy source/common/http/conn_manager_impl.cc onIdleTimeout). Activity is the
   * connection's bytesRead on HTTP/1 (no listener on the body stream the router pipes) and the
   * stream's DATA on HTTP/2.
   */
  private watchIdleBody(r: ActiveRequest): TimerHandle | undefined {
    const ms = this.streamIdleTimeoutMs;
    const { request, sink, down } = r;
    if (ms <= 0 || request.bodyComplete()) return undefined;
    let seen = request.connectionBytesRead();
    let timer: TimerHandle | undefined;
    const check = (): void => {
      if (request.bodyComplete() || sink.ended || down.logged) return;
      const read = request.connectionBytesRead();
      if (read !== seen) {
        seen = read;
        timer = this.svc.clock.setTimer(ms, check);
        return;
      }
      this.limits.idleTimeouts++;
      down.streamIdleTimeout();
    };
    timer = this.svc.clock.setTimer(ms, check);
    return { cancel: () => timer?.cancel() };
  }

  private route(r: ActiveRequest): void {
    const { snap, ctx, down, request, sink } = r;
    let url = request.target;
    let authority = request.authority;
    // Absolute-form (proxy-form) request target: the URL's authority wins (Envoy allow_absolute_url).
    if (url.startsWith('http://') || url.startsWith('https://')) {
      const start = url.indexOf('//') + 2;
      let end = url.indexOf('/', start);
      const q = url.indexOf('?', start);
      if (end < 0 || (q >= 0 && q < end)) end = q;
      authority = end < 0 ? url.slice(start) : url.slice(start, end);
      url = end < 0 ? '/' : url.slice(end);
      if (!url.startsWith('/')) url = '/' + url;
    }
    ctx.authority = authority;
    ctx.path = url;
    r.authority = authority;
    const headers = r.headers;
    // TE is hop-by-hop, but `TE: trailers` (every gRPC client sends it) is kept as exactly
    // `trailers` (envoyproxy/envoy source/common/http/conn_manager_utility.cc sanitizeTEHeader).
    if (request.teTrailers) headers['te'] = 'trailers';
    ctx.userAgent = firstValue(headers['user-agent']);
    ctx.grpc = firstValue(headers['content-type'])?.startsWith('application/grpc') ?? false;
    // Header count and size limits, before any routing (connection-limits.ts): HTTP/1 answers 431,
    // HTTP/2 resets the stream as Envoy's codec does.
    const overLimit = request.headerLimit();
    if (overLimit === 'http2.too_many_headers') {
      this.limits.h2HeaderOverflows++;
      return down.resetStream(overLimit);
    }
    if (overLimit) {
      this.limits.protocolErrors++;
      sink.closeAfterResponse();
      return down.localReply(LOCAL_REPLIES.request_headers_too_large, { details: overLimit });
    }
    if (request.defect) {
      this.limits.protocolErrors++;
      sink.closeAfterResponse();
      return down.localReply(LOCAL_REPLIES.bad_request, { details: request.defect });
    }
    // x-request-id generated when absent (Envoy UUID request id extension).
    let rid = firstValue(headers['x-request-id']);
    if (!rid) {
      rid = randomUUID();
      headers['x-request-id'] = rid;
    }
    ctx.requestId = rid;
    const [path, query] = splitPath(url);
    r.path = path;
    r.query = query;

    // listener -> filter chain
    const tls = r.conn.tls;
    const picked = selectListener(snap, r.binding, authority, tls?.chain);
    if (picked.unknownDestination) return this.unknownDestination(r);
    const { listener, chain } = picked;
    const scheme = tls ? 'https' : 'http';
    // Forwarding headers (Envoy use_remote_address is on at gateways and inbound, off on outbound).
    const edge = listener?.direction !== 'outbound';
    // istio/istio pilot/pkg/networking/core/httproute.go: IncludeRequestAttemptCount on sidecar
    // outbound and gateway virtual hosts (not inbound).
    ctx.attemptCount = listener?.direction !== 'inbound';
    if (edge) {
      const remote = ctx.downstreamRemoteIp;
      const xff = firstValue(headers['x-forwarded-for']);
      headers['x-forwarded-for'] = xff ? `${xff}, ${remote}` : remote;
      // Inbound sidecars run with use_remote_address false (istio/istio pilot/pkg/networking/core/
      // listener_inbound.go buildSidecarInboundHTTPOpts): x-forwarded-proto is kept when present.
      if (listener?.direction !== 'inbound' || !headers['x-forwarded-proto'])
        headers['x-forwarded-proto'] = scheme;
    } else if (!headers['x-forwarded-proto']) headers['x-forwarded-proto'] = 'http';
    ctx.xForwardedFor = firstValue(headers['x-forwarded-for']);
    ctx.listenerDirection = listener?.direction;
    // Istio metadata exchange (istio/proxy peer_metadata filter): the client side adds its identity,
    // the server side reads it and takes it off before the app.
    if (ctx.listenerDirection === 'inbound') {
      ctx.downstreamPeer = firstValue(headers['x-envoy-peer-metadata']);
      delete headers['x-envoy-peer-metadata'];
      delete headers['x-envoy-peer-metadata-id'];
    } else if (this.svc.peerHeaders) {
      for (const [k, v] of this.svc.peerHeaders) headers[k] = v;
    }
    if (!chain) return down.localReply(LOCAL_REPLIES.route_not_found);
    if (!chain.http) {
      // A TCP filter chain: forward the HTTP request as is to its cluster.
      const tcp = chain.tcp?.routes[0];
      const wc = tcp ? pickWeighted(tcp.clusters, tcp.totalWeight, this.svc.random) : undefined;
      if (!wc) return down.localReply(LOCAL_REPLIES.route_not_found);
      r.clusterName = wc.clusterName;
      r.upstreamAuthority = authority;
      r.upstreamPath = url;
      return this.forward(r);
    }
    const table: RouteTable | undefined = snap.routeTables.get(chain.http.routeTableName);
    if (!table) return down.localReply(LOCAL_REPLIES.route_not_found);
    const vh = selectVirtualHost(table, authority);
    if (!vh) return down.localReply(LOCAL_REPLIES.route_not_found);
    // Envoy require_tls: only plain-HTTP connections are redirected, to https:// + Host + path with
    // the Host's port kept (envoyproxy/envoy source/common/http/utility.cc createSslRedirectPath).
    if (vh.requireTls && scheme === 'http') {
      const loc = `https://${authority}${url}`;
      return down.localReply(LOCAL_REPLIES.direct_response, {
        status: 301,
        headers: { location: loc },
      });
    }
    const input: MatchInput = {
      authority,
      method: ctx.method,
      scheme,
      path,
      query,
      headers,
    };
    const route = selectRoute(vh, input);
    if (!route) return down.localReply(LOCAL_REPLIES.route_not_found);
    ctx.routeName = route.name;
    r.route = route;
    if (this.upgradeRejected(r)) return;
    // Envoy picks the weighted cluster when the route matches and knows that cluster from then on
    // (HCM refreshCachedRoute sets the stream's upstream cluster info when the cluster exists), so
    // requests a filter answers (fault abort, CORS) log %UPSTREAM_CLUSTER% and count its service
    // (envoyproxy/envoy source/common/http/conn_manager_impl.cc; router/config_impl.cc clusterEntry).
    const wc =
      route.action.type === 'forward'
        ? pickWeighted(route.action.clusters, route.action.totalWeight, this.svc.random)
        : undefined;
    r.wc = wc;
    ctx.routeCluster = wc?.clusterName;
    if (wc && snap.clusters.has(wc.clusterName)) ctx.upstreamCluster = wc.clusterName;

    // CORS (Envoy cors filter runs before fault and router).
    const origin = firstValue(headers['origin']);
    const cors = corsOnRequest(
      route.cors,
      ctx.method,
      origin,
      firstValue(headers['access-control-request-method']),
    );
    if (cors.kind === 'preflight') {
      return down.localReply(LOCAL_REPLIES.direct_response, {
        status: 200,
        headers: cors.headers,
        details: 'cors_response',
      });
    }
    if (cors.kind === 'preflight-reject') {
      return down.localReply(LOCAL_REPLIES.direct_response, {
        status: 200,
        details: 'cors_response',
      });
    }
    r.corsOrigin = cors.kind === 'simple' ? cors.origin : undefined;

    const delay = route.fault?.delay;
    if (delay && faultDraw(this.svc.random, delay.percentage)) {
      ctx.addFlag('DI');
      const t = this.svc.clock.setTimer(delay.delayMs, () => {
        if (!down.logged) this.faultAbortOrAction(r);
      });
      down.onAbort(() => t.cancel());
      return;
    }
    this.faultAbortOrAction(r);
  }

  /** Fault abort (an independent draw; skips the router: no retry, timeout or mirror), else the route's action. */
  private faultAbortOrAction(r: ActiveRequest): void {
    const abort = r.route?.fault?.abort;
    if (abort && faultDraw(this.svc.random, abort.percentage)) {
      if (abort.grpcStatus !== undefined) {
        return r.down.localReply(LOCAL_REPLIES.fault_filter_abort, {
          status: 200,
          body: '',
          headers: {
            'content-type': 'application/grpc',
            'grpc-status': String(abort.grpcStatus),
            'grpc-message': 'fault filter abort',
          },
        });
      }
      return r.down.localReply(LOCAL_REPLIES.fault_filter_abort, {
        status: abort.httpStatus ?? 503,
      });
    }
    this.runAction(r);
  }

  private runAction(r: ActiveRequest): void {
    const { ctx, down, headers, wc } = r;
    const route = r.route!;
    const action = route.action;
    if (action.type === 'redirect') {
      const location = redirectLocation(
        route,
        action,
        r.conn.tls ? 'https' : 'http',
        firstValue(headers['x-forwarded-proto']) ?? '',
        r.authority,
        r.path,
        r.query,
      );
      const h: HeaderMap = { location };
      applyHeaderOps(h, route.responseHeaders);
      return down.localReply(LOCAL_REPLIES.direct_response, {
        status: action.responseCode,
        headers: h,
      });
    }
    if (action.type === 'direct') {
      const h: HeaderMap = Object.create(null) as HeaderMap;
      applyHeaderOps(h, route.responseHeaders);
      return down.localReply(LOCAL_REPLIES.direct_response, {
        status: action.status,
        body: action.body ?? '',
        headers: h,
      });
    }
    if (!wc) return down.localReply(LOCAL_REPLIES.cluster_not_found);
    // Header ops: destination level first, then route level (Envoy: the less specific level wins).
    applyHeaderOps(headers, wc.requestHeaders);
    applyHeaderOps(headers, route.requestHeaders);
    const newAuthority = wc.hostRewrite ?? action.hostRewrite;
    const rewritten = rewritePath(route, action, r.path, r.query);
    if (rewritten !== undefined) {
      headers['x-envoy-original-path'] = ctx.path;
      ctx.originalPath = ctx.path;
    }
    r.action = action;
    r.clusterName = wc.clusterName;
    r.upstreamPath = rewritten ?? ctx.path;
    r.upstreamAuthority = newAuthority ?? r.authority;
    this.forward(r);
  }

  /**
   * An upgrade other than websocket (and h2c, which the codec turns into a plain request) on a
   * routed request: 403 upgrade_failed, and the connection closes (envoyproxy/envoy
   * source/common/http/conn_manager_impl.cc decodeHeaders: upgrade_rejected, saw_connection_close_).
   */
  private upgradeRejected(r: ActiveRequest): boolean {
    const protocol = r.request.upgrade;
    if (protocol === undefined || protocol === 'h2c' || upgradeAllowed(protocol)) return false;
    this.upgrades.refused++;
    r.sink.closeAfterResponse();
    r.down.localReply(LOCAL_REPLIES.direct_response, {
      status: 403,
      body: '',
      flag: '',
      details: 'upgrade_failed',
    });
    return true;
  }

  private unknownDestination(r: ActiveRequest): void {
    const { ctx, down, headers } = r;
    const policy = listenerIndex(r.snap).outboundPolicy;
    if (!headers['x-forwarded-proto']) headers['x-forwarded-proto'] = 'http';
    ctx.xForwardedFor = firstValue(headers['x-forwarded-for']);
    // No listener on the port: Envoy takes the connection on virtualOutbound's default chain, a
    // tcp_proxy to BlackHoleCluster (no endpoints, UH), and closes it without an HTTP answer
    // (istio/istio pilot/pkg/networking/core/listener_builder.go buildOutboundCatchAllNetworkFilterChains).
    if (policy === 'REGISTRY_ONLY') return down.closeAsTcp(BLACKHOLE_CLUSTER, 'UH');
    ctx.routeName = 'allow_any';
    if (this.upgradeRejected(r)) return;
    r.clusterName = PASSTHROUGH_CLUSTER;
    r.upstreamAuthority = r.authority;
    r.upstreamPath = ctx.path;
    this.forward(r);
  }

  private forward(r: ActiveRequest): void {
    const { ctx, down, request, headers, action, clusterName } = r;
    const authority = r.upstreamAuthority;
    const path = r.upstreamPath;
    if (clusterName === BLACKHOLE_CLUSTER) {
      ctx.upstreamCluster = clusterName;
      return down.localReply(LOCAL_REPLIES.blackhole);
    }
    const cluster: ClusterState | undefined =
      clusterName === PASSTHROUGH_CLUSTER
        ? this.svc.clusters.passthrough()
        : this.svc.clusters.get(clusterName);
    // NC: no cluster, so no upstream cluster info and %UPSTREAM_CLUSTER% is `-` (router.cc).
    ctx.upstreamCluster = cluster ? clusterName : undefined;
    if (!cluster) return down.localReply(LOCAL_REPLIES.cluster_not_found);
    // The router rewrites the downstream request's Host in place (host_rewrite_literal), so
    // %REQ(:AUTHORITY)% logs the rewritten value (envoyproxy/envoy router/config_impl.cc
    // finalizeRequestHeaders).
    const requestedAuthority = ctx.authority;
    ctx.authority = authority;
    headers['host'] = authority;
    let fixedHost: Host | undefined;
    if (
      clusterName === PASSTHROUGH_CLUSTER ||
      cluster.cluster.lbPolicy === 'PASSTHROUGH' ||
      cluster.cluster.type === 'ORIGINAL_DST'
    ) {
      fixedHost = cluster.dynamicHost(
        unbracket(splitAuthority(requestedAuthority).host),
        authorityPort(requestedAuthority) ?? 80,
      );
    }
    // Consistent-hash key (Envoy hash_policy; cookie generated with a ttl when absent).
    let hashKey: number | undefined;
    let setCookie: string | undefined;
    const hp = action?.hashPolicy;
    if (hp && (cluster.cluster.lbPolicy === 'RING_HASH' || cluster.cluster.lbPolicy === 'MAGLEV')) {
      let key: string | undefined;
      if (hp.kind === 'header') key = firstValue(headers[hp.name]);
      else if (hp.kind === 'sourceIp') key = ctx.downstreamRemoteIp;
      else if (hp.kind === 'queryParameter') key = queryParam(splitPath(ctx.path)[1], hp.name);
      else {
        key = cookieValue(headers['cookie'], hp.name);
        if (key === undefined && hp.ttlMs !== undefined) {
          key = hashString(`${ctx.downstreamRemote}|${ctx.requestId}`)
            .toString(16)
            .padStart(16, '0');
          setCookie = `${hp.name}="${key}"; Max-Age=${Math.floor(hp.ttlMs / 1000)}${hp.path ? `; Path=${hp.path}` : ''}; HttpOnly`;
        }
      }
      if (key !== undefined) hashKey = hashString(key);
    }
    const hasBody = request.hasBody;
    const cl = Number(request.contentLength ?? 0);
    ctx.bytesReceived = Number.isFinite(cl) ? cl : 0;
    if (hasBody && request.contentLength !== undefined)
      headers['content-length'] = request.contentLength;
    const protocol = request.upgrade;
    if (protocol !== undefined && upgradeAllowed(protocol)) {
      return forwardUpgrade({
        svc: this.svc,
        down,
        sink: r.sink,
        method: request.method,
        route: r.route,
        wc: r.wc,
        cluster,
        headers: toFlat(headers),
        path,
        protocol: request.upgradeField ?? protocol,
        hashKey,
        fixedHost,
        upgrades: this.upgrades,
      });
    }
    const go = (body: Buffer | undefined): void => {
      if (down.logged) return;
      if (action && action.mirrors.length > 0 && (!hasBody || body)) {
        sendMirrors(
          action.mirrors,
          this.svc.clusters,
          this.svc.random,
          ctx.method,
          path,
          headers,
          authority,
          ctx.snapshot.mesh.shadowHostSuffix,
          body ?? null,
        );
      }
      new ForwardRequest({
        svc: this.svc,
        down,
        sink: r.sink,
        // The body stream is made on first use: a bodiless request never creates one.
        requestBody: hasBody ? request.body : undefined,
        route: r.route,
        action,
        wc: r.wc,
        cluster,
        headers: toFlat(headers),
        method: ctx.method,
        path,
        hasBody,
        body,
        hashKey,
        fixedHost,
        corsOrigin: r.corsOrigin,
        setCookie,
        attemptCount: ctx.attemptCount,
        timeoutMs: action
          ? effectiveTimeoutMs(
              action.timeoutMs,
              firstValue(headers['content-type']),
              firstValue(headers['grpc-timeout']),
            )
          : 0,
      }).start();
    };
    // Small bodies with a Content-Length are buffered so retries and mirrors can replay them
    // (Envoy buffers for retry/shadow up to its per-request limit); larger ones stream.
    if (
      hasBody &&
      request.transferEncoding === undefined &&
      cl > 0 &&
      cl <= REPLAY_BUFFER_LIMIT &&
      (action?.retry || action?.mirrors.length)
    ) {
      const chunks: Buffer[] = [];
      const body = request.body;
      body.on('data', (c: Buffer) => chunks.push(c));
      body.once('end', () => go(Buffer.concat(chunks)));
      body.once('error', () => undefined);
      return;
    }
    go(undefined);
  }
}

/**
 * One request's state through the connection manager's stages (Envoy's ActiveStream): what the
 * protocol delivered, the connection it came on, and what routing decided so far. Each stage takes
 * this one object instead of a positional list.
 */
class ActiveRequest {
  /** The request's header list (request.headers), edited in place by the filters. */
  readonly headers: HeaderMap;
  /** Downstream authority (Host, or an absolute-form target's). */
  authority = '';
  /** Path without query, and the query without `?`. */
  path = '';
  query = '';
  route: Route | undefined;
  action: ForwardAction | undefined;
  wc: WeightedCluster | undefined;
  corsOrigin: string | undefined;
  /** Chosen by the route (or Passthrough / a TCP chain): where and how the request goes upstream. */
  clusterName = '';
  upstreamAuthority = '';
  upstreamPath = '';
  /** The stream idle timeout while the body arrives (HTTP/1). */
  idle: TimerHandle | undefined;
  constructor(
    readonly binding: Binding,
    readonly snap: ProxySnapshot,
    readonly ctx: RequestContext,
    readonly down: DownstreamImpl,
    readonly request: DownstreamRequest,
    readonly sink: ResponseSink,
    readonly conn: DownstreamConnection,
  ) {
    this.headers = request.headers;
  }
}

let dateSecond = -1;
let dateText = '';
/** The Date header (RFC 9110 §5.6.7 IMF-fixdate), formatted once per second. */
function httpDate(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec !== dateSecond) {
    dateSecond = sec;
    dateText = new Date(sec * 1000).toUTCString();
  }
  return dateText;
}

function cookieValue(header: string | string[] | undefined, name: string): string | undefined {
  const h = Array.isArray(header) ? header.join('; ') : header;
  if (!h) return undefined;
  for (const part of h.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const v = part.slice(eq + 1).trim();
      return v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1) : v;
    }
  }
  return undefined;
}

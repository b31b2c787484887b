// The router filter for one forwarded request: weighted cluster already chosen; breaker admission,
// LB pick among healthy hosts, the pool, per-try and route timeouts, retries with jittered backoff
// and previous-host avoidance, outlier reporting, and streaming the response back.
// Envoy semantics: envoyproxy/envoy source/common/router/router.cc (Filter::onUpstreamHeaders,
// onUpstreamReset, onPerTryTimeout, onResponseTimeout); istio-semantics.md §2.6.
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { TimerHandle } from '../../runtime/clock.js';
import type { ForwardAction, Route, WeightedCluster } from '../../compile/snapshot.js';
import { parseGrpcStatus } from '../context/grpc-status.js';
import {
  LOCAL_REPLIES,
  upstreamResetReply,
  type LocalReply,
  type UpstreamResetReason,
} from '../context/local-reply.js';
import { corsOnResponse } from '../filters/cors.js';
import type { ResponseSink } from '../context/request-model.js';
import { applyHeaderOps, firstValue, stripHopByHop } from '../filters/headers.js';
import type { Downstream, ProxyServices } from '../services.js';
import type { ClusterState } from '../upstream/cluster-state.js';
import type { Connection } from '../upstream/connection.js';
import type { Host } from '../upstream/host.js';
import { connectFailureOf } from '../upstream/transport-failure.js';
import { formatHostPort } from '../../units/index.js';
import { RetryState, type AttemptFailure } from './retry-state.js';
import { PreviousPriorities } from './retry-priority.js';

type Controller = Dispatcher.DispatchController;
type Headers = Record<string, string | string[] | undefined>;

/**
 * The response trailers. undici's HTTP/2 client hands its handler wrapper the trailers as an object,
 * which the wrapper parses as a flat [name, value] list into `{}`; the object itself stays on the
 * controller as `rawTrailers`.
 */
function responseTrailers(c: Controller, parsed: Headers): Headers {
  const raw = (c as { rawTrailers?: unknown }).rawTrailers;
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && Object.keys(parsed).length === 0)
    return raw as Headers;
  return parsed;
}

/** Response trailers without pseudo names; undefined when none are left. */
function trailersToForward(
  t: Record<string, string | string[] | undefined>,
): Record<string, string | string[]> | undefined {
  let out: Record<string, string | string[]> | undefined;
  for (const k in t) {
    const v = t[k];
    if (v === undefined || k.startsWith(':')) continue;
    (out ??= Object.create(null) as Record<string, string | string[]>)[k] = v;
  }
  return out;
}

export interface ForwardRequestInit {
  svc: ProxyServices;
  down: Downstream;
  /** Where the response goes (context/request-model.ts). */
  sink: ResponseSink;
  /** The downstream request body (when it has one), streamed upstream when not buffered. */
  requestBody: Readable | undefined;
  route: Route | undefined;
  action: ForwardAction | undefined;
  wc: WeightedCluster | undefined;
  cluster: ClusterState;
  /** Request headers to send (final, after filters). */
  headers: string[];
  method: string;
  path: string;
  hasBody: boolean;
  /** The request body when it was small enough to buffer (then retries can replay it). */
  body?: Buffer;
  hashKey?: number;
  /** PASSTHROUGH / ORIGINAL_DST: the host to connect to. */
  fixedHost?: Host;
  corsOrigin?: string;
  setCookie?: string;
  /** Send `x-envoy-attempt-count` (Istio sets include_request_attempt_count on outbound and gateway vhosts). */
  attemptCount?: boolean;
  /** Route timeout after grpc-timeout (see grpc-timeout.ts); defaults to action.timeoutMs. */
  timeoutMs?: number;
}

/** One upstream attempt: a plain undici handler; stale callbacks of an abandoned attempt are ignored. */
class Attempt implements Dispatcher.DispatchHandler {
  controller: Controller | undefined;
  done = false;
  constructor(
    readonly fwd: ForwardRequest,
    readonly conn: Connection,
    readonly startMono: number,
  ) {}
  onRequestStart(controller: Controller): void {
    this.controller = controller;
    if (this.done) controller.abort(new Error('attempt abandoned'));
  }
  onResponseStart(
    controller: Controller,
    status: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (!this.done) this.fwd.onHeaders(this, controller, status, headers);
  }
  onResponseData(controller: Controller, chunk: Buffer): void {
    if (!this.done) this.fwd.onData(this, controller, chunk);
  }
  onResponseEnd(c: Controller, trailers: Record<string, string | string[] | undefined>): void {
    if (!this.done) this.fwd.onEnd(this, responseTrailers(c, trailers));
  }
  onResponseError(_c: Controller, err: Error): void {
    if (!this.done) this.fwd.onError(this, err);
  }
}

export class ForwardRequest {
  private readonly retry: RetryState | undefined;
  private routeTimer: TimerHandle | undefined;
  private tryTimer: TimerHandle | undefined;
  private backoffTimer: TimerHandle | undefined;
  private current: Attempt | undefined;
  private committed = false;
  private finished = false;
  private retrying = false;
  private tried: Set<Host> | undefined;
  /** retryRemoteLocalities: priorities of the hosts attempted so far. */
  private readonly priorities: PreviousPriorities | undefined;

  constructor(private readonly f: ForwardRequestInit) {
    // A streamed request body cannot be replayed: only bodyless or buffered-body requests are
    // retried (Envoy buffers up to its buffer limit for retries, then stops retrying).
    const replayable = !f.hasBody || f.body !== undefined;
    this.retry = replayable ? RetryState.create(f.action?.retry, f.svc.random) : undefined;
    if (this.retry?.policy.retryRemoteLocalities) this.priorities = new PreviousPriorities();
  }

  start(): void {
    const timeout = this.f.timeoutMs ?? this.f.action?.timeoutMs ?? 0;
    if (timeout > 0) this.routeTimer = this.f.svc.clock.setTimer(timeout, this.onRouteTimeout);
    this.f.down.onAbort(this.onDownstreamAbort);
    this.attempt();
  }

  private attempt(): void {
    if (this.finished) return;
    const { cluster, down } = this.f;
    let host = this.f.fixedHost;
    // A DNS cluster still on its first resolution is warming: wait for it (Envoy serves a cluster
    // only once its initialization completed), then pick among what resolved.
    if (!host && !cluster.warm) return cluster.onWarm(() => this.attempt());
    if (!host) {
      const avoid = this.retry?.policy.retryIgnorePreviousHosts ? this.tried : undefined;
      const excluded = this.priorities?.excludedFor(cluster.priorityHealth());
      host = cluster.pickHost({
        ...(this.f.hashKey !== undefined ? { hash: this.f.hashKey } : {}),
        ...(avoid ? { avoid } : {}),
        ...(excluded ? { excludedPriorities: excluded } : {}),
      });
    }
    if (!host) return this.fail(LOCAL_REPLIES.no_healthy_upstream);
    this.priorities?.onHostAttempted(host.endpoint.priority ?? 0);
    down.ctx.upstreamHost = host.key;
    down.ctx.attempts++;
    cluster.attemptStarted(host);
    const chosen = host;
    cluster.acquire(
      chosen,
      (r) => {
        if (this.finished) {
          if (r.ok) cluster.release(r.conn, true);
          return;
        }
        if (!r.ok) {
          // Circuit-breaker overflow: 503 UO, never retried (Envoy router onPoolFailure Overflow).
          if (r.reason === 'overflow')
            return this.fail(
              upstreamResetReply('overflow', undefined, (this.retry?.retriesDone ?? 0) > 0),
              { 'x-envoy-overloaded': 'true' },
            );
          return this.fail(LOCAL_REPLIES.no_healthy_upstream);
        }
        this.dispatch(r.conn);
      },
      down.ctx.protocol === 'HTTP/2',
    );
  }

  private dispatch(conn: Connection): void {
    const { svc, cluster } = this.f;
    const attempt = new Attempt(this, conn, svc.clock.monotonic());
    this.current = attempt;
    const perTry = this.retry?.policy.perTryTimeoutMs ?? this.f.action?.retry?.perTryTimeoutMs;
    if (perTry && perTry > 0) {
      this.tryTimer = svc.clock.setTimer(perTry, () => this.onPerTryTimeout(attempt));
    }
    try {
      conn.client.dispatch(
        {
          path: this.f.path,
          method: this.f.method,
          headers: this.headersForAttempt(),
          body: this.f.body ?? (this.f.hasBody ? (this.f.requestBody ?? null) : null),
          headersTimeout: 0,
          bodyTimeout: 0,
          ...(conn.servername ? { servername: conn.servername } : {}),
        },
        attempt,
      );
    } catch (err) {
      attempt.done = true;
      cluster.release(conn, false);
      this.current = undefined;
      this.fail(LOCAL_REPLIES.upstream_reset, undefined, String((err as Error).message));
    }
  }

  private attemptCountAt = -1;
  private headersForAttempt(): string[] {
    const h = this.f.headers;
    if (!this.f.attemptCount) return h;
    const n = String(this.f.down.ctx.attempts);
    if (this.attemptCountAt < 0) {
      this.attemptCountAt = h.length + 1;
      h.push('x-envoy-attempt-count', n);
    } else h[this.attemptCountAt] = n;
    return h;
  }

  /** Ends an attempt: releases its connection and stops its per-try timer. */
  private endAttempt(a: Attempt, reusable: boolean): void {
    if (a.done) return;
    a.done = true;
    this.tryTimer?.cancel();
    this.tryTimer = undefined;
    if (this.current === a) this.current = undefined;
    if (this.retrying) {
      this.retrying = false;
      this.f.cluster.endRetry();
    }
    if (!reusable) a.controller?.abort(new Error('attempt abandoned'));
    this.f.cluster.release(a.conn, reusable);
  }

  onHeaders(
    a: Attempt,
    controller: Controller,
    status: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (status < 200) return;
    const { cluster, svc, down, sink } = this.f;
    const ctx = down.ctx;
    if (a.conn.localAddress) ctx.upstreamLocalAddress = a.conn.localAddress;
    // Framing undici accepts but Envoy's HTTP/1 codec rejects: a protocol error (UPE).
    const badFraming = framingError(headers);
    if (badFraming) return this.onError(a, badFraming);
    this.tryTimer?.cancel();
    this.tryTimer = undefined;
    cluster.responseFrom(a.conn.host, status);
    if (this.retry && this.retry.retriableStatus(status, (n) => firstValue(headers[n]))) {
      if (this.canRetry()) {
        this.endAttempt(a, false);
        return this.scheduleRetry(a.conn.host);
      }
    } else if (this.retry && this.retry.retriesDone > 0) {
      // A retried request whose answer is not retriable (retry_state_impl.cc shouldRetry).
      cluster.retrySucceeded();
    }
    this.committed = true;
    const out = stripHopByHop(headers);
    const ust = String(Math.round(svc.clock.monotonic() - a.startMono));
    out['x-envoy-upstream-service-time'] = ust;
    ctx.upstreamServiceTime = ust;
    applyHeaderOps(out, this.f.wc?.responseHeaders);
    applyHeaderOps(out, this.f.route?.responseHeaders);
    if (this.f.corsOrigin && this.f.route?.cors)
      corsOnResponse(this.f.route.cors, this.f.corsOrigin, out);
    if (this.f.setCookie) {
      const prev = out['set-cookie'];
      out['set-cookie'] =
        prev === undefined
          ? this.f.setCookie
          : Array.isArray(prev)
            ? [...prev, this.f.setCookie]
            : [prev, this.f.setCookie];
    }
    ctx.responseCode = status;
    ctx.details = 'via_upstream';
    // A trailers-only gRPC reply carries grpc-status in its headers (grpc-status.ts).
    ctx.grpcStatus = parseGrpcStatus(headers['grpc-status']);
    if (ctx.grpcStatus !== undefined && ctx.protocol === 'HTTP/2') {
      // gRPC Trailers-Only: held until the stream ends, then sent as one HEADERS frame with
      // END_STREAM, as Envoy forwards headers with end_stream (a client reads the status only there).
      this.heldHead = { status, headers: out };
      return;
    }
    try {
      sink.writeHead(status, out);
    } catch {
      // A header the upstream sent that Node refuses downstream: reset rather than throw.
      this.endAttempt(a, false);
      this.finish();
      sink.destroy();
      return;
    }
    if (this.f.method === 'HEAD') sink.flushHeaders();
    void controller;
  }

  /** A gRPC Trailers-Only head waiting for the end of the stream (onHeaders). */
  private heldHead: { status: number; headers: Record<string, string | string[]> } | undefined;

  private releaseHead(): void {
    const held = this.heldHead;
    if (!held) return;
    this.heldHead = undefined;
    this.f.sink.writeHead(held.status, held.headers);
  }

  onData(a: Attempt, controller: Controller, chunk: Buffer): void {
    if (!this.committed) return;
    this.releaseHead();
    const { sink, down } = this.f;
    down.ctx.bytesSent += chunk.length;
    // Cork until the end of this tick so head, body and end leave in one writev when the whole
    // response arrived in one read (docs/performance.md: one write per response).
    sink.corkTick();
    if (!sink.write(chunk)) {
      controller.pause();
      sink.onDrain(() => {
        if (!a.done) controller.resume();
      });
    }
  }

  onEnd(a: Attempt, trailers?: Record<string, string | string[] | undefined>): void {
    if (!this.committed) {
      this.endAttempt(a, true);
      return;
    }
    const h2 = a.conn.h2;
    this.endAttempt(a, true);
    this.f.cluster.responseCompleted();
    this.finish();
    const ctx = this.f.down.ctx;
    const forwarded = trailers && h2 ? trailersToForward(trailers) : undefined;
    const held = this.heldHead;
    if (held && !forwarded) {
      this.heldHead = undefined;
      if (this.f.sink.writeHeadersOnly(held.status, held.headers)) return;
      this.f.sink.writeHead(held.status, held.headers);
    }
    this.releaseHead();
    if (trailers && h2) {
      const status = parseGrpcStatus(trailers['grpc-status']);
      if (status !== undefined) ctx.grpcStatus = status;
      // HTTP/2 trailers (gRPC's grpc-status, grpc-message) pass to an HTTP/2 client; the HTTP/1.1
      // codec drops them, as Envoy's does without http_protocol_options.enable_trailers (Istio sets
      // none) (envoyproxy/envoy source/common/http/http1/codec_impl.cc encodeTrailers).
      if (ctx.protocol === 'HTTP/2' && forwarded) this.f.sink.addTrailers(forwarded);
    }
    this.f.sink.end();
  }

  onError(a: Attempt, err: Error): void {
    const { cluster, down } = this.f;
    const code = (err as { code?: string }).code ?? '';
    const conn = a.conn;
    const failure = this.committed
      ? undefined
      : connectFailureOf(
          err as { code?: string; message?: string },
          formatHostPort(conn.host.endpoint.address, conn.host.endpoint.port),
          cluster.cluster.tls !== undefined,
          conn.connected,
        );
    this.endAttempt(a, false);
    cluster.outlier?.putResult(conn.host, { kind: 'local' });
    if (this.committed) {
      // Upstream reset after the response started: reset the downstream too (Envoy UC, or UPE for
      // a body the codec rejects; router.cc LateUpstreamReset details).
      const late = isProtocolError(err, code, true) ? 'protocol_error' : 'connection_termination';
      down.ctx.addFlag(late === 'protocol_error' ? 'UPE' : 'UC');
      down.ctx.details = `upstream_reset_after_response_started{${late}}`;
      this.finish();
      this.f.sink.destroy();
      return;
    }
    if (!failure && conn.localAddress) down.ctx.upstreamLocalAddress = conn.localAddress;
    // A response the HTTP/1 codec rejects is a protocol error: retried only under 5xx,
    // gateway-error or reset, never as a connect failure (retry_state_impl.cc wouldRetryFromReset).
    const reason: UpstreamResetReason = failure
      ? failure.reason
      : isProtocolError(err, code, false)
        ? 'protocol error'
        : 'connection termination';
    cluster.attemptFailed(conn.host, failure !== undefined, reason);
    const kind: AttemptFailure = failure ? 'connect-failure' : 'reset';
    if (this.retry?.retriableFailure(kind) && this.canRetry()) return this.scheduleRetry(conn.host);
    this.failReset(reason, failure?.transport);
  }

  /** Envoy's upstream-reset local reply, "retried and the latest" once a retry went out. */
  private failReset(reason: UpstreamResetReason, transport: string | undefined): void {
    const retried = (this.retry?.retriesDone ?? 0) > 0;
    this.fail(upstreamResetReply(reason, transport, retried), undefined, transport);
  }

  private onPerTryTimeout(a: Attempt): void {
    if (a.done || this.committed) return;
    const { cluster } = this.f;
    cluster.perTryTimedOut(a.conn.host);
    this.endAttempt(a, false);
    cluster.outlier?.putResult(a.conn.host, { kind: 'local' });
    if (this.retry?.retriableFailure('per-try-timeout') && this.canRetry())
      return this.scheduleRetry(a.conn.host);
    this.fail(LOCAL_REPLIES.upstream_per_try_timeout);
  }

  private readonly onRouteTimeout = (): void => {
    if (this.finished) return;
    const { cluster, down, sink } = this.f;
    cluster.routeTimedOut(this.current?.conn.host);
    this.backoffTimer?.cancel();
    if (this.current) {
      const a = this.current;
      this.endAttempt(a, false);
      cluster.outlier?.putResult(a.conn.host, { kind: 'local' });
    }
    if (this.committed) {
      down.ctx.addFlag('UT');
      this.finish();
      sink.destroy();
      return;
    }
    this.fail(LOCAL_REPLIES.upstream_response_timeout);
  };

  private readonly onDownstreamAbort = (): void => {
    if (this.finished) return;
    this.f.down.ctx.addFlag('DC');
    if (this.current) this.endAttempt(this.current, false);
    this.finish();
  };

  /**
   * For a retriable outcome: whether a retry may go. Otherwise the outcome is returned with URX
   * (retries exhausted) or UO (thresholds.max_retries reached: upstream_rq_retry_overflow), as
   * Envoy's RetryStateImpl::shouldRetry and router.cc set them.
   */
  private canRetry(): boolean {
    if (!this.retry || this.finished) return false;
    const { cluster, down } = this.f;
    if (this.retry.retriesLeft <= 0) {
      down.ctx.addFlag('URX');
      cluster.retriesExhausted();
      return false;
    }
    if (cluster.admitRetry() === 'overflow') {
      down.ctx.addFlag('UO');
      return false;
    }
    return true;
  }

  private scheduleRetry(host: Host): void {
    const retry = this.retry;
    if (!retry) return;
    retry.retriesLeft--;
    const { cluster, svc } = this.f;
    cluster.startRetry();
    this.retrying = true;
    (this.tried ??= new Set()).add(host);
    const delay = retry.nextBackoffMs();
    this.backoffTimer = svc.clock.setTimer(delay, () => {
      this.backoffTimer = undefined;
      if (this.finished) return;
      const wasRetrying = this.retrying;
      this.attempt();
      // attempt() may fail synchronously before dispatching; keep the retry gauge balanced.
      if (wasRetrying && !this.current && this.retrying) {
        this.retrying = false;
        cluster.endRetry();
      }
    });
  }

  private fail(reply: LocalReply, headers?: Record<string, string>, transport?: string): void {
    if (this.finished) return;
    if (this.retrying) {
      this.retrying = false;
      this.f.cluster.endRetry();
    }
    this.finish();
    if (transport) this.f.down.ctx.upstreamTransportFailureReason = transport;
    this.f.down.localReply(reply, headers ? { headers } : undefined);
  }

  private finish(): void {
    this.finished = true;
    this.routeTimer?.cancel();
    this.tryTimer?.cancel();
    this.backoffTimer?.cancel();
  }
}

/**
 * undici's errors for a response that breaks HTTP/1.1 framing (llhttp HPE_*). A Content-Length
 * mismatch is one while the headers are parsed (conflicting values); once the response started it
 * is a connection closed mid-body, which Envoy reports as connection termination.
 */
function isProtocolError(err: Error, code: string, started: boolean): boolean {
  if (code.startsWith('HPE_') || err.name === 'HTTPParserError') return true;
  const lengthMismatch =
    code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' ||
    err.name === 'ResponseContentLengthMismatchError';
  return lengthMismatch && !started;
}

/**
 * Response framing Envoy's HTTP/1 codec rejects but undici accepts: both Content-Length and
 * Transfer-Encoding, or a transfer-coding other than `chunked` (envoyproxy/envoy
 * source/common/http/http1/codec_impl.cc onHeadersComplete: "both 'Content-Length' and
 * 'Transfer-Encoding' are set", "unsupported transfer encoding"; Istio leaves allow_chunked_length off).
 */
function framingError(headers: Record<string, string | string[] | undefined>): Error | undefined {
  const te = headers['transfer-encoding'];
  if (te === undefined) return undefined;
  const err = new Error('http/1.1 protocol error');
  err.name = 'HTTPParserError';
  if (headers['content-length'] !== undefined) return err;
  if (Array.isArray(te) || te.trim().toLowerCase() !== 'chunked') return err;
  return undefined;
}

// The router for an upgrade request (WebSocket): one attempt on an HTTP/1.1 pool connection of the
// chosen cluster; a 101 turns both connections into one byte stream, any other answer is an ordinary
// response. As in Envoy, the route timeout never starts (it starts when the downstream request ends,
// and an upgrade request's end is the connection's end: envoyproxy/envoy
// source/common/http/http1/codec_impl.cc onMessageCompleteImpl swallows it; source/common/router/
// router.cc onRequestComplete arms response_timeout_), the 101 carries no
// x-envoy-upstream-service-time (router.cc onUpstreamHeaders: only after the request completed),
// and nothing is retried or mirrored (both need the complete request). Istio sets no stream idle
// timeout (listener_builder.go StreamIdleTimeout 0), so an idle WebSocket stays open.
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Route, WeightedCluster } from '../../compile/snapshot.js';
import { LOCAL_REPLIES, upstreamResetReply, type LocalReply } from '../context/local-reply.js';
import type { ResponseSink } from '../context/request-model.js';
import { applyHeaderOps, stripHopByHop, toFlat } from '../filters/headers.js';
import type { Downstream, ProxyServices } from '../services.js';
import type { ClusterState } from '../upstream/cluster-state.js';
import type { Connection } from '../upstream/connection.js';
import type { Host } from '../upstream/host.js';
import { connectFailureOf } from '../upstream/transport-failure.js';
import { formatHostPort } from '../../units/index.js';

type Controller = Dispatcher.DispatchController;
type Headers = Record<string, string | string[] | undefined>;

export interface UpgradeForwardInit {
  svc: ProxyServices;
  down: Downstream;
  /** Where the response goes; after a 101 its connection carries the tunnel. */
  sink: ResponseSink;
  method: string;
  route: Route | undefined;
  wc: WeightedCluster | undefined;
  cluster: ClusterState;
  /** Request headers to send (final, after filters; hop-by-hop already removed). */
  headers: string[];
  path: string;
  /** The Upgrade header's value as the client sent it. */
  protocol: string;
  hashKey?: number;
  fixedHost?: Host;
  /** The connection manager's upgrade gauges (downstream_cx_upgrades_total / _active). */
  upgrades?: UpgradeCounters;
}

/** Envoy HCM stats for upgrades (envoyproxy/envoy source/common/http/conn_manager_impl.cc). */
export interface UpgradeCounters {
  total: number;
  active: number;
  /** downstream_rq_ws_on_non_ws_route: upgrades refused with 403 upgrade_failed. */
  refused: number;
}

export function forwardUpgrade(f: UpgradeForwardInit): void {
  const { cluster, svc, down } = f;
  let host = f.fixedHost;
  if (!host) {
    const hosts = cluster.healthyHosts();
    if (hosts.length > 0) host = cluster.lb.pick(hosts, { random: svc.random, hash: f.hashKey });
  }
  if (!host) return down.localReply(LOCAL_REPLIES.no_healthy_upstream);
  down.ctx.upstreamHost = host.key;
  down.ctx.attempts++;
  cluster.attemptStarted(host);
  cluster.acquire(host, (r) => {
    if (!r.ok) {
      if (r.reason === 'overflow')
        return down.localReply(LOCAL_REPLIES.overflow, {
          headers: { 'x-envoy-overloaded': 'true' },
        });
      return down.localReply(LOCAL_REPLIES.no_healthy_upstream);
    }
    new UpgradeAttempt(f, r.conn).start();
  });
}

class UpgradeAttempt implements Dispatcher.DispatchHandler {
  private controller: Controller | undefined;
  private released = false;
  private started = false;
  private tunnel: Duplex | undefined;
  constructor(
    private readonly f: UpgradeForwardInit,
    private readonly conn: Connection,
  ) {}

  start(): void {
    const { down, method } = this.f;
    down.onAbort(() => this.abandon());
    try {
      this.conn.client.dispatch(
        {
          path: this.f.path,
          method,
          headers: this.f.headers,
          upgrade: this.f.protocol,
          headersTimeout: 0,
          bodyTimeout: 0,
          ...(this.conn.servername ? { servername: this.conn.servername } : {}),
        },
        this,
      );
    } catch (err) {
      this.release(false);
      this.fail(LOCAL_REPLIES.upstream_reset, String((err as Error).message));
    }
  }

  private release(reusable: boolean): void {
    if (this.released) return;
    this.released = true;
    this.f.cluster.release(this.conn, reusable);
  }

  private abandon(): void {
    try {
      this.controller?.abort(new Error('downstream closed'));
    } catch {
      // Already finished.
    }
    this.tunnel?.destroy();
    this.release(false);
  }

  private fail(reply: LocalReply, transport?: string): void {
    if (transport) this.f.down.ctx.upstreamTransportFailureReason = transport;
    this.f.down.localReply(reply);
  }

  private responseHeaders(headers: Headers): Record<string, string | string[]> {
    const out = stripHopByHop(headers);
    applyHeaderOps(out, this.f.wc?.responseHeaders);
    applyHeaderOps(out, this.f.route?.responseHeaders);
    return out;
  }

  onRequestStart(controller: Controller): void {
    this.controller = controller;
  }

  /** 101: the upstream's head goes to the client as is (Upgrade and Connection kept), then bytes flow. */
  onRequestUpgrade(_c: Controller, status: number, headers: Headers, socket: Duplex): void {
    const { down, sink } = this.f;
    const ctx = down.ctx;
    this.started = true;
    this.tunnel = socket;
    this.f.cluster.responseFrom(this.conn.host, status);
    // envoyproxy/envoy source/common/http/conn_manager_utility.cc mutateResponseHeaders: an
    // upgrade response keeps its Connection and Upgrade headers.
    const out = this.responseHeaders(headers);
    const conn = headers['connection'];
    const upg = headers['upgrade'];
    const head: string[] = [`HTTP/1.1 ${status} Switching Protocols`];
    if (conn !== undefined) head.push(`connection: ${String(conn)}`);
    if (upg !== undefined) head.push(`upgrade: ${String(upg)}`);
    const flat = toFlat(out);
    for (let i = 0; i < flat.length; i += 2) head.push(`${flat[i] ?? ''}: ${flat[i + 1] ?? ''}`);
    ctx.responseCode = status;
    ctx.details = 'via_upstream';
    const client = sink.takeTunnel(status);
    if (!client) {
      socket.destroy();
      this.release(false);
      return;
    }
    const counters = this.f.upgrades;
    if (counters) {
      counters.total++;
      counters.active++;
      client.once('close', () => counters.active--);
    }
    client.write(head.join('\r\n') + '\r\n\r\n');
    splice(client, socket, {
      fromClient: (n) => (ctx.bytesReceived += n),
      toClient: (n) => (ctx.bytesSent += n),
      upstreamClosed: () => {
        this.f.cluster.responseCompleted();
        this.release(false);
      },
    });
  }

  /** Any other status: an ordinary response, after which the client connection closes. */
  onResponseStart(controller: Controller, status: number, headers: Headers): void {
    if (status < 200) return;
    const { down, sink } = this.f;
    this.started = true;
    this.f.cluster.responseFrom(this.conn.host, status);
    down.ctx.responseCode = status;
    down.ctx.details = 'via_upstream';
    try {
      sink.writeHead(status, this.responseHeaders(headers));
    } catch {
      controller.abort(new Error('bad response header'));
      sink.destroy();
    }
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    const { down, sink } = this.f;
    down.ctx.bytesSent += chunk.length;
    if (!sink.write(chunk)) {
      controller.pause();
      sink.onDrain(() => controller.resume());
    }
  }

  onResponseEnd(): void {
    this.f.cluster.responseCompleted();
    this.release(true);
    this.f.sink.end();
  }

  onResponseError(_c: Controller, err: Error): void {
    this.release(false);
    this.f.cluster.outlier?.putResult(this.conn.host, { kind: 'local' });
    if (this.started) {
      this.f.down.ctx.addFlag('UC');
      this.f.sink.destroy();
      return;
    }
    // The same classification as the router's (Envoy 1.36 details and transport failure reasons).
    const failure = connectFailureOf(
      err as { code?: string; message?: string },
      formatHostPort(this.conn.host.endpoint.address, this.conn.host.endpoint.port),
      this.f.cluster.cluster.tls !== undefined,
      this.conn.connected,
    );
    if (failure) {
      this.f.cluster.attemptFailed(this.conn.host, true, failure.reason);
      return this.fail(
        upstreamResetReply(failure.reason, failure.transport, false),
        failure.transport,
      );
    }
    this.f.cluster.attemptFailed(this.conn.host, false, 'connection termination');
    this.fail(upstreamResetReply('connection termination', undefined, false));
  }
}

/**
 * Joins two byte streams, as Envoy's upgraded stream does: each side's end half-closes the other,
 * an error or a full close of one tears down the other once its pending bytes are written.
 */
function splice(
  client: Duplex,
  upstream: Duplex,
  on: { fromClient(n: number): void; toClient(n: number): void; upstreamClosed(): void },
): void {
  upstream.on('error', () => undefined);
  client.on('data', (c: Buffer) => on.fromClient(c.length));
  upstream.on('data', (c: Buffer) => on.toClient(c.length));
  client.pipe(upstream);
  upstream.pipe(client);
  upstream.once('close', () => {
    on.upstreamClosed();
    if (!client.destroyed) client.end();
  });
  client.once('close', () => {
    if (!upstream.destroyed) upstream.destroy();
  });
  client.resume();
}

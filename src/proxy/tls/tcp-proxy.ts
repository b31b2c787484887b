// Envoy's tcp_proxy network filter for one downstream connection: weighted cluster, a host from the
// cluster's load balancer, the cluster's max_connections breaker (UO), connect timeout (UF), idle
// timeout, bytes both ways, and one access-log line at close
// (envoyproxy/envoy source/common/tcp_proxy/tcp_proxy.cc; Istio maps connectionPool.tcp to these in
// pilot/pkg/networking/core/cluster_traffic_policy.go applyConnectionPool).
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Duplex } from 'node:stream';
import {
  BLACKHOLE_CLUSTER,
  PASSTHROUGH_CLUSTER,
  type FilterChain,
} from '../../compile/snapshot.js';
import { RequestContext } from '../context/request-context.js';
import { pickWeighted } from '../router/weighted.js';
import type { ProxyServices } from '../services.js';
import type { Host } from '../upstream/host.js';
import { routeForDestination, type Destination } from './destination-match.js';
import { connectFailureOf } from '../upstream/transport-failure.js';
import { hostTls, upstreamTlsOptions } from '../upstream/upstream-tls.js';
import { formatHostPort } from '../../units/index.js';

export interface DownstreamInfo {
  local: string;
  remote: string;
  remoteIp: string;
  serverName?: string;
  /** The original destination (CONNECT target, or a gateway socket's local address). */
  destination?: Destination;
}

/** Starts a TCP context for the access log (method/path/protocol print `-`). */
export function tcpContext(svc: ProxyServices, info: DownstreamInfo): RequestContext | undefined {
  const snap = svc.snapshot();
  if (!snap) return undefined;
  const ctx = new RequestContext(snap);
  ctx.startMs = svc.clock.now();
  ctx.startMono = svc.clock.monotonic();
  ctx.method = '';
  ctx.protocol = '';
  ctx.downstreamLocal = info.local;
  ctx.downstreamRemote = info.remote;
  ctx.downstreamRemoteIp = info.remoteIp;
  ctx.requestedServerName = info.serverName;
  return ctx;
}

/** Closes a connection no filter chain accepts, logging `NR filter_chain_not_found` as Envoy does. */
export function rejectConnection(
  svc: ProxyServices,
  down: Duplex,
  info: DownstreamInfo,
  log: (ctx: RequestContext) => void,
): void {
  const ctx = tcpContext(svc, info);
  down.destroy();
  if (!ctx) return;
  ctx.addFlag('NR');
  ctx.details = 'filter_chain_not_found';
  log(ctx);
}

export function proxyTcp(
  svc: ProxyServices,
  chain: FilterChain,
  down: Duplex,
  info: DownstreamInfo,
  log: (ctx: RequestContext) => void,
): void {
  const ctx = tcpContext(svc, info);
  if (!ctx) {
    down.destroy();
    return;
  }
  let done = false;
  // Filled in once the upstream side exists; finish() may run before that.
  const open: { upstream?: Socket; release?: () => void } = {};
  const finish = (flag?: string): void => {
    if (done) return;
    done = true;
    if (flag) ctx.addFlag(flag);
    ctx.durationMs = Math.round(svc.clock.monotonic() - ctx.startMono);
    open.release?.();
    down.destroy();
    open.upstream?.destroy();
    log(ctx);
  };
  down.on('error', () => undefined);
  const dest = info.destination;
  const auto = chain.autoPassthrough ? sniClusterName(info.serverName) : undefined;
  const route = auto ? undefined : routeForDestination(chain.tcp?.routes ?? [], dest);
  const wc = auto
    ? { clusterName: auto, weight: 1 }
    : route
      ? pickWeighted(route.clusters, route.totalWeight, svc.random)
      : undefined;
  if (!wc) return finish('NR');
  ctx.upstreamCluster = wc.clusterName;
  // istio/istio pilot/pkg/networking/core/cluster_builder.go buildBlackHoleCluster: a STATIC
  // cluster without endpoints, so tcp_proxy finds no healthy host (UH).
  if (wc.clusterName === BLACKHOLE_CLUSTER) return finish('UH');
  const cluster =
    wc.clusterName === PASSTHROUGH_CLUSTER
      ? svc.clusters.passthrough()
      : svc.clusters.get(wc.clusterName);
  if (!cluster) return finish('NC');
  let host: Host | undefined;
  if (cluster.cluster.type === 'ORIGINAL_DST' || cluster.cluster.lbPolicy === 'PASSTHROUGH') {
    // Original destination: connect where the client asked to go.
    if (dest) host = cluster.dynamicHost(dest.host.replace(/^\[|\]$/g, ''), dest.port);
  } else {
    host = cluster.pickHost();
  }
  if (!host) return finish('UH');
  const limits = cluster.cluster.connectionPool;
  const admitted = cluster.admitConnection(host);
  if (!admitted.ok) return finish('UO');
  open.release = admitted.release;
  ctx.upstreamHost = host.key;
  down.pause();
  // Auto mTLS to a sidecar endpoint (ISTIO_MUTUAL) or the rule's TLS origination, as for HTTP
  // (upstream-tls.ts); Istio's TCP mTLS offers ALPN istio-peer-exchange, istio
  // (istio/istio pilot/pkg/networking/core/cluster_tls.go, util.ALPNInMeshWithMxc).
  const tlsSettings = hostTls(cluster.cluster, host.endpoint);
  const identity = tlsSettings?.mode === 'ISTIO_MUTUAL' ? svc.identity?.() : undefined;
  const tlsOptions = tlsSettings ? upstreamTlsOptions(cluster.cluster, identity) : undefined;
  // Half-open both ways, as Envoy's tcp_proxy relays a FIN and keeps the other direction open
  // (a TLS socket takes allowHalfOpen from the socket under it).
  const raw = connect({
    host: host.endpoint.address,
    port: host.endpoint.port,
    noDelay: true,
    allowHalfOpen: true,
  });
  const up: Socket = tlsOptions
    ? tlsConnect({
        socket: raw,
        ...tlsOptions,
        ...(tlsSettings?.mode === 'ISTIO_MUTUAL'
          ? { ALPNProtocols: ['istio-peer-exchange', 'istio'] }
          : {}),
      })
    : raw;
  open.upstream = up;
  const connectTimer = svc.clock.setTimer(limits.connectTimeoutMs || 10_000, () => {
    cluster.attemptFailed(host, true, 'connection timeout');
    ctx.upstreamTransportFailureReason = 'connection timeout';
    finish('UF');
  });
  const onError = (err: NodeJS.ErrnoException): void => {
    if (done) return;
    if (!up.connecting && ctx.upstreamLocalAddress) return finish();
    connectTimer.cancel();
    cluster.attemptFailed(host, true, 'remote connection failure');
    // Envoy: "delayed connect error: <strerror>" for a refused connect, TLS_error for a failed
    // handshake (transport-failure.ts).
    const remote = formatHostPort(host.endpoint.address, host.endpoint.port);
    ctx.upstreamTransportFailureReason = connectFailureOf(
      err,
      remote,
      tlsOptions !== undefined,
      false,
    )?.transport;
    finish('UF');
  };
  // Under TLS a refused connect is the raw socket's error; either socket may report one.
  up.on('error', onError);
  if (up !== raw) raw.on('error', onError);
  up.once(tlsOptions ? 'secureConnect' : 'connect', () => {
    connectTimer.cancel();
    if (done) return;
    ctx.upstreamLocalAddress = `${up.localAddress ?? ''}:${up.localPort ?? 0}`;
    // tcp_proxy idle_timeout (Istio: DestinationRule connectionPool.tcp.idleTimeout, default 1h).
    up.setTimeout(limits.idleTimeoutMs || 3_600_000, () => finish());
    // tcp_proxy max_downstream_connection_duration (DestinationRule tcp.maxConnectionDuration).
    if (limits.maxConnectionDurationMs) {
      const t = svc.clock.setTimer(limits.maxConnectionDurationMs, () => finish());
      up.once('close', () => t.cancel());
    }
    down.on('data', (c: Buffer) => {
      ctx.bytesReceived += c.length;
    });
    up.on('data', (c: Buffer) => {
      ctx.bytesSent += c.length;
    });
    down.pipe(up);
    up.pipe(down);
    down.resume();
  });
  let ended = 0;
  const halfClosed = (): void => {
    if (++ended === 2) finish();
  };
  down.once('end', halfClosed);
  up.once('end', halfClosed);
  down.once('close', () => finish());
  up.once('close', () => finish());
}

/**
 * Envoy's sni_cluster filter as Istio's AUTO_PASSTHROUGH uses it: `outbound_.<port>_.<subset>_.<host>`
 * names `outbound|<port>|<subset>|<host>` (istio/istio pkg/config/model BuildDNSSrvSubsetKey).
 */
export function sniClusterName(sni: string | undefined): string | undefined {
  const m = /^outbound_\.(\d+)_\.([^_]*)_\.(.+)$/.exec(sni ?? '');
  return m ? `outbound|${m[1]}|${m[2]}|${m[3]}` : undefined;
}

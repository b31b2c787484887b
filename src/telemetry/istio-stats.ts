// One proxy's Istio standard metrics: records each completed request (a cached label prefix per
// peer/cluster/host, then plain number counters) and renders Prometheus text only on scrape.
// Label values follow envoyproxy/envoy contrib/istio/filters/http/istio_stats/source/istio_stats.cc
// populatePeerInfo: missing peer values are "unknown", a missing canonical revision "latest".
import {
  BLACKHOLE_CLUSTER,
  PASSTHROUGH_CLUSTER,
  type Cluster,
  type ProxySnapshot,
} from '../compile/snapshot.js';
import type { Endpoint, ProxyIdentity } from '../model/index.js';
import { formatResponseFlags, grpcStatusOf, type RequestContext } from '../proxy/index.js';
import {
  BUCKETS,
  bucketIndex,
  escapeLabel,
  formatNumber,
  HTTP_METRICS,
  PEER_LABELS,
  TCP_METRICS,
} from './metrics.js';
import {
  decodePeer,
  peerFromIdentity,
  peerFromLabels,
  type PeerMetadata,
} from './peer-metadata.js';
import { formatHostPort } from '../units/index.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { SlotRing } from './time-window.js';

export type Reporter = 'source' | 'destination';

/** A histogram: per-bucket (non-cumulative) counts, the +Inf overflow last, and the sum. */
class Histogram {
  readonly counts = new Float64Array(BUCKETS.length + 1);
  sum = 0;
  count = 0;
  observe(v: number): void {
    const i = bucketIndex(v);
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.sum += v;
    this.count++;
  }
}

export interface HttpSeries {
  /** Rendered label set, e.g. `reporter="source",...`; also its key. */
  readonly labelText: string;
  readonly labels: Readonly<Record<string, string>>;
  requests: number;
  readonly duration: Histogram;
  readonly requestBytes: Histogram;
  readonly responseBytes: Histogram;
  /** Requests and their durations per time slot (the graph's windowed rates and percentiles). */
  readonly window: SlotRing;
}

export interface TcpSeries {
  readonly labelText: string;
  readonly labels: Readonly<Record<string, string>>;
  opened: number;
  closed: number;
  sent: number;
  received: number;
  /** Connections opened per time slot. */
  readonly window: SlotRing;
}

export interface IstioStatsOptions {
  identity: ProxyIdentity;
  /** Deployment name of this proxy's workload (`reviews-v2`, `istio-ingressgateway`). */
  workload?: string;
  /** The peer behind an upstream endpoint (Istio: the endpoint's `istio.workload` metadata). */
  endpointPeer?: (endpoint: Endpoint) => PeerMetadata | undefined;
  /** Time for the windowed slots (monotonic). */
  clock?: Clock;
}

interface Prefix {
  text: string;
  labels: Record<string, string>;
  tcp: boolean;
  /** This peer set's series by their remaining labels (protocol, code, grpc status, flags). */
  http: Map<string, HttpSeries>;
  tcpSeries: Map<string, TcpSeries>;
}

const endpointIndex = new WeakMap<Cluster, Map<string, Endpoint>>();
function endpointOf(cluster: Cluster, hostKey: string): Endpoint | undefined {
  let idx = endpointIndex.get(cluster);
  if (!idx) {
    idx = new Map(cluster.endpoints.map((e) => [formatHostPort(e.address, e.port), e]));
    endpointIndex.set(cluster, idx);
  }
  return idx.get(hostKey);
}

/** `reviews.default.svc.cluster.local` -> name `reviews`, namespace `default`. */
export function serviceParts(host: string): { name: string; namespace: string | undefined } {
  const m = /^([^.]+)\.([^.]+)\.svc(\.|$)/.exec(host);
  if (m) return { name: m[1] ?? host, namespace: m[2] };
  return { name: host, namespace: undefined };
}

const or = (v: string | undefined, dflt: string): string => (v ? v : dflt);

export class IstioStats {
  readonly self: PeerMetadata;
  private readonly http: HttpSeries[] = [];
  private readonly tcp: TcpSeries[] = [];
  /** Peer label sets by reporter/cluster/host, then by the downstream peer header. */
  private readonly prefixes = new Map<string, Map<string, Prefix>>();
  /** Every peer label set ever built (their series outlive a snapshot swap). */
  private readonly known = new Map<string, Prefix>();
  private prefixSnapshot: ProxySnapshot | undefined;
  private readonly endpointPeer: (endpoint: Endpoint) => PeerMetadata | undefined;
  private readonly sidecar: boolean;
  private readonly clock: Clock;

  constructor(opts: IstioStatsOptions) {
    this.clock = opts.clock ?? systemClock;
    this.self = peerFromIdentity(opts.identity, opts.workload);
    this.sidecar = opts.identity.kind === 'sidecar';
    this.endpointPeer =
      opts.endpointPeer ??
      ((e) =>
        e.workload
          ? peerFromLabels(e.workload.replace(/-\d+$/, ''), this.self.namespace, e.labels)
          : undefined);
  }

  /** The proxy's onRequestComplete hook. */
  record(ctx: RequestContext): void {
    const prefix = this.prefix(ctx);
    const flags = formatResponseFlags(ctx.flags);
    // Destination reporter: mutual_tls when the connection was mesh mTLS (a peer SPIFFE ID), else none.
    const security =
      prefix.labels['reporter'] === 'destination'
        ? ctx.downstreamPeerUriSan
          ? 'mutual_tls'
          : 'none'
        : 'unknown';
    if (prefix.tcp) {
      let s = prefix.tcpSeries.get(flags);
      if (!s) {
        s = {
          labelText: `${prefix.text},request_protocol="tcp",response_flags="${escapeLabel(flags)}",connection_security_policy="${security}"`,
          labels: {
            ...prefix.labels,
            request_protocol: 'tcp',
            response_flags: flags,
            connection_security_policy: security,
          },
          opened: 0,
          closed: 0,
          sent: 0,
          received: 0,
          window: new SlotRing(),
        };
        prefix.tcpSeries.set(flags, s);
        this.tcp.push(s);
      }
      // Each request forwarded over a TCP filter chain is one connection locally.
      s.opened++;
      s.closed++;
      s.sent += ctx.bytesSent;
      s.received += ctx.bytesReceived;
      s.window.add(this.clock.monotonic(), 1);
      return;
    }
    const protocol = ctx.grpc ? 'grpc' : 'http';
    const code = String(ctx.responseCode);
    // grpc-status from trailers, else headers, else the HTTP status mapped (istio/proxy istio_stats.cc).
    const gs = ctx.grpc ? grpcStatusOf(ctx) : undefined;
    const grpc = gs === undefined ? '' : String(gs);
    const key = `${protocol} ${code} ${grpc} ${flags}`;
    let s = prefix.http.get(key);
    if (!s) {
      s = {
        labelText: `${prefix.text},request_protocol="${protocol}",response_code="${code}",grpc_response_status="${grpc}",response_flags="${escapeLabel(flags)}",connection_security_policy="${security}"`,
        labels: {
          ...prefix.labels,
          request_protocol: protocol,
          response_code: code,
          grpc_response_status: grpc,
          response_flags: flags,
          connection_security_policy: security,
        },
        requests: 0,
        duration: new Histogram(),
        requestBytes: new Histogram(),
        responseBytes: new Histogram(),
        window: new SlotRing(),
      };
      prefix.http.set(key, s);
      this.http.push(s);
    }
    s.requests++;
    s.duration.observe(ctx.durationMs);
    s.requestBytes.observe(ctx.bytesReceived);
    s.responseBytes.observe(ctx.bytesSent);
    s.window.add(this.clock.monotonic(), 1, ctx.durationMs);
  }

  httpSeries(): readonly HttpSeries[] {
    return this.http;
  }

  tcpSeries(): readonly TcpSeries[] {
    return this.tcp;
  }

  /** Peer labels for a request, cached per reporter, cluster, host, peer header and authority. */
  private prefix(ctx: RequestContext): Prefix {
    if (ctx.snapshot !== this.prefixSnapshot) {
      this.prefixes.clear();
      this.prefixSnapshot = ctx.snapshot;
    }
    const reporter: Reporter = ctx.listenerDirection === 'inbound' ? 'destination' : 'source';
    const clusterName = ctx.upstreamCluster ?? ctx.routeCluster ?? '';
    const cluster = clusterName ? ctx.snapshot.clusters.get(clusterName) : undefined;
    const hostNeeded = !cluster?.serviceHost;
    const special = ctx.routeName === 'block_all' || ctx.routeName === 'allow_any';
    const key = `${reporter} ${clusterName} ${ctx.upstreamHost ?? ''} ${hostNeeded ? ctx.authority : ''} ${special ? ctx.routeName : ''}`;
    let byPeer = this.prefixes.get(key);
    if (!byPeer) {
      byPeer = new Map();
      this.prefixes.set(key, byPeer);
    }
    const peerKey = `${ctx.downstreamPeer ?? ''} ${ctx.downstreamPeerUriSan ?? ''}`;
    let p = byPeer.get(peerKey);
    if (!p) {
      const labels = this.peerLabels(reporter, ctx, cluster);
      const text = PEER_LABELS.map((l) => `${l}="${escapeLabel(labels[l] ?? '')}"`).join(',');
      const tcp = cluster?.protocol === 'tcp';
      // The same labels after a snapshot swap keep counting into the same series.
      p = this.known.get(`${tcp}${text}`);
      if (!p) {
        p = { labels, text, tcp, http: new Map(), tcpSeries: new Map() };
        this.known.set(`${tcp}${text}`, p);
      }
      byPeer.set(peerKey, p);
    }
    return p;
  }

  private peerLabels(
    reporter: Reporter,
    ctx: RequestContext,
    cluster: Cluster | undefined,
  ): Record<string, string> {
    // Destination service: the cluster's service, else the Host header (disable_host_header_fallback off).
    let serviceHost = ctx.authority;
    let serviceName = ctx.authority;
    let serviceNamespace: string | undefined;
    if (ctx.routeName === 'block_all') serviceName = BLACKHOLE_CLUSTER;
    else if (ctx.routeName === 'allow_any') serviceName = PASSTHROUGH_CLUSTER;
    else if (
      ctx.upstreamCluster === BLACKHOLE_CLUSTER ||
      ctx.upstreamCluster === PASSTHROUGH_CLUSTER
    )
      serviceName = ctx.upstreamCluster;
    else if (cluster?.serviceHost) {
      serviceHost = cluster.serviceHost;
      const parts = serviceParts(serviceHost);
      serviceName = parts.name;
      serviceNamespace = parts.namespace;
    }
    const me = this.self;
    if (reporter === 'destination') {
      const peer = decodePeer(ctx.downstreamPeer);
      return {
        reporter,
        source_workload: or(peer?.workload, 'unknown'),
        source_canonical_service: or(peer?.canonicalService, 'unknown'),
        source_canonical_revision: or(peer?.canonicalRevision, 'latest'),
        source_workload_namespace: or(peer?.namespace, 'unknown'),
        // The peer certificate's SPIFFE ID on a mesh mTLS connection (inbound-mtls.ts).
        source_principal: or(ctx.downstreamPeerUriSan, 'unknown'),
        source_app: or(peer?.app, 'unknown'),
        source_version: or(peer?.version, 'unknown'),
        source_cluster: or(peer?.cluster, 'unknown'),
        destination_workload: me.workload,
        destination_workload_namespace: me.namespace,
        destination_principal: or(ctx.downstreamLocalUriSan, 'unknown'),
        destination_app: me.app,
        destination_version: me.version,
        destination_service: or(serviceHost, me.canonicalService),
        destination_canonical_service: me.canonicalService,
        destination_canonical_revision: me.canonicalRevision,
        destination_service_name: or(serviceName, me.canonicalService),
        destination_service_namespace: me.namespace,
        destination_cluster: me.cluster,
      };
    }
    const host = cluster && ctx.upstreamHost ? endpointOf(cluster, ctx.upstreamHost) : undefined;
    // Inbound and passthrough endpoints are not mesh workloads.
    const peer = host && cluster?.direction === 'outbound' ? this.endpointPeer(host) : undefined;
    return {
      reporter,
      source_workload: me.workload,
      source_canonical_service: me.canonicalService,
      source_canonical_revision: me.canonicalRevision,
      source_workload_namespace: me.namespace,
      source_principal: 'unknown',
      source_app: me.app,
      source_version: me.version,
      source_cluster: me.cluster,
      destination_workload: or(peer?.workload, 'unknown'),
      destination_workload_namespace: or(peer?.namespace || serviceNamespace, 'unknown'),
      destination_principal: 'unknown',
      destination_app: or(peer?.app, 'unknown'),
      destination_version: or(peer?.version, 'unknown'),
      destination_service: or(serviceHost, 'unknown'),
      destination_canonical_service: or(peer?.canonicalService, 'unknown'),
      destination_canonical_revision: or(peer?.canonicalRevision, 'latest'),
      destination_service_name: or(serviceName, 'unknown'),
      destination_service_namespace: or(serviceNamespace ?? peer?.namespace, 'unknown'),
      destination_cluster: or(peer?.cluster, 'unknown'),
    };
  }

  /** Prometheus text format 0.0.4, as Envoy's /stats/prometheus prints it (TYPE lines, no HELP). */
  render(): string {
    return renderFamilies([this]);
  }

  /** Whether this proxy is a sidecar (gateways report as source on every request). */
  get isSidecar(): boolean {
    return this.sidecar;
  }
}

/**
 * The labels Prometheus attaches to every series of one scrape target. Istio's Prometheus scrapes each
 * pod's proxy and adds `namespace` and `pod` (istio/istio samples/addons/prometheus.yaml, job
 * kubernetes-pods relabel_configs); a merged exposition of many proxies must carry them itself, or two
 * replicas of one workload emit the same series twice.
 */
export interface ScrapeTarget {
  stats: IstioStats;
  /** Extra labels after the proxy's own, in this order (e.g. namespace, pod). */
  targetLabels?: Readonly<Record<string, string>>;
}

/** One exposition for many proxies: each family once, its series from every proxy. */
export function renderFamilies(targets: readonly (IstioStats | ScrapeTarget)[]): string {
  const out: string[] = [];
  const suffixed = <S extends { labelText: string }>(
    t: IstioStats | ScrapeTarget,
    series: readonly S[],
  ) => {
    const target = t instanceof IstioStats ? { stats: t } : t;
    const extra = Object.entries(target.targetLabels ?? {})
      .map(([k, v]) => `,${k}="${escapeLabel(v)}"`)
      .join('');
    return series.map((s) => ({ s, labelText: s.labelText + extra }));
  };
  const statsOf = (t: IstioStats | ScrapeTarget): IstioStats =>
    t instanceof IstioStats ? t : t.stats;
  const http = targets.flatMap((t) => suffixed(t, statsOf(t).httpSeries()));
  const tcp = targets.flatMap((t) => suffixed(t, statsOf(t).tcpSeries()));
  if (http.length > 0) {
    out.push(`# TYPE ${HTTP_METRICS.requestsTotal} counter`);
    for (const { s, labelText } of http)
      out.push(`${HTTP_METRICS.requestsTotal}{${labelText}} ${s.requests}`);
    const hist = (name: string, pick: (s: HttpSeries) => Histogram): void => {
      out.push(`# TYPE ${name} histogram`);
      for (const { s, labelText } of http) {
        const h = pick(s);
        let cum = 0;
        for (let i = 0; i <= BUCKETS.length; i++) {
          cum += h.counts[i] ?? 0;
          const le = formatNumber(BUCKETS[i] ?? Infinity);
          out.push(`${name}_bucket{${labelText},le="${le}"} ${cum}`);
        }
        out.push(`${name}_sum{${labelText}} ${formatNumber(h.sum)}`);
        out.push(`${name}_count{${labelText}} ${h.count}`);
      }
    };
    hist(HTTP_METRICS.requestDuration, (s) => s.duration);
    hist(HTTP_METRICS.requestBytes, (s) => s.requestBytes);
    hist(HTTP_METRICS.responseBytes, (s) => s.responseBytes);
  }
  if (tcp.length > 0) {
    const counter = (name: string, pick: (s: TcpSeries) => number): void => {
      out.push(`# TYPE ${name} counter`);
      for (const { s, labelText } of tcp) out.push(`${name}{${labelText}} ${pick(s)}`);
    };
    counter(TCP_METRICS.closed, (s) => s.closed);
    counter(TCP_METRICS.opened, (s) => s.opened);
    counter(TCP_METRICS.receivedBytes, (s) => s.received);
    counter(TCP_METRICS.sentBytes, (s) => s.sent);
  }
  return out.length > 0 ? out.join('\n') + '\n' : '';
}

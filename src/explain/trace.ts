// One request traced through a compiled ProxySnapshot by the proxy's own decisions (listener-select,
// chain-match, route-matcher: no second matcher), as data that explain prints and test asserts on:
// listener -> filter chain -> route table -> virtual host -> rules tried -> route -> policies ->
// weighted destinations -> clusters (DestinationRule settings) -> endpoints -> possible flags.
import {
  BLACKHOLE_CLUSTER,
  PASSTHROUGH_CLUSTER,
  UNLIMITED,
  type Cluster,
  type FilterChain,
  type HeaderOps,
  type Listener,
  type ProxySnapshot,
  type Route,
  type WeightedCluster,
} from '../compile/index.js';
import {
  chainForServerName,
  l4ChainFor,
  needsSni,
  redirectLocation,
  rewritePath,
  ROUTE_MATCHED,
  routeForDestination,
  selectListener,
  selectRoute,
  selectVirtualHost,
  type Binding,
  type MatchInput,
} from '../proxy/index.js';
import { authorityPort, formatDurationMs, formatHostPort } from '../units/index.js';
import { describeFailure, describeConditions, ruleLabel } from './describe.js';
import { possibleFlags, type PossibleFlag } from './flags.js';

/** The request to explain. Header names lower-case. */
export interface TraceRequest {
  method: string;
  scheme: 'http' | 'https';
  /** Host[:port] as sent. */
  authority: string;
  path: string;
  /** Without `?`. */
  query: string;
  headers: Readonly<Record<string, string>>;
  /** TLS server name (defaults to the authority's host for https). */
  sni?: string;
}

/** Where a config object (or a field in it) was read from, `file:line`; undefined when unknown. */
export type SourceLocator = (
  kind: string,
  namespace: string,
  name: string,
  path: readonly (string | number)[],
  /** A DestinationRule subset to point at instead, when it exists. */
  subset?: string,
) => string | undefined;

/** What a running proxy knows beyond its snapshot (live mode). */
export interface LiveState {
  /** `cluster|address:port` -> outlier check OK/FAILED. */
  endpointHealth?: ReadonlyMap<string, 'OK' | 'FAILED'>;
  /** Envoy counters `cluster.<name>.<stat>` (stats()). */
  stats?: ReadonlyMap<string, number>;
}

export interface TraceOptions {
  /** Sidecar outbound (the app calls through its sidecar) or one gateway listener port. */
  target: { kind: 'sidecar' } | { kind: 'gateway'; port?: number };
  locate?: SourceLocator;
  live?: LiveState;
}

export interface RuleTried {
  /** Index in the virtual host's route list. */
  index: number;
  /** `http[0] match[0]`. */
  rule: string;
  /** Indices of that rule in its VirtualService (Route.origin). */
  origin?: { http: number; match?: number };
  name: string;
  virtualService?: string;
  source?: string;
  matched: boolean;
  /** The first condition that failed, with the request's value. */
  failed?: string;
  conditions: string[];
}

export interface EndpointView {
  address: string;
  locality?: string;
  workload?: string;
  /** Live only: OK or FAILED (ejected by outlier detection). */
  outlierCheck?: 'OK' | 'FAILED';
}

export interface ClusterView {
  name: string;
  type: string;
  serviceHost: string;
  port: number;
  subset: string;
  destinationRule?: string;
  destinationRuleSource?: string;
  lbPolicy: string;
  /** Non-default circuit-breaker limits only (Istio's default is 2^32-1). */
  circuitBreakers: Record<string, number>;
  connectTimeout: string;
  outlierDetection?: Record<string, string | number | boolean>;
  tls: string;
  endpoints: EndpointView[];
  /** Live only: a few of the cluster's counters. */
  counters?: Record<string, number>;
}

export interface DestinationView {
  cluster: string;
  weight: number;
  /** Share of the traffic, 0..100 (weight / total weight). */
  percent: number;
  hostRewrite?: string;
  /** Absent when the snapshot has no such cluster (NC). */
  details?: ClusterView;
}

export interface RoutePolicies {
  timeout?: string;
  retries?: { attempts: number; retryOn: string; perTryTimeout?: string };
  fault?: { delay?: string; abort?: string };
  mirrors: { cluster: string; percent: number }[];
  requestHeaders?: HeaderOps;
  responseHeaders?: HeaderOps;
  /** The path/authority upstream sees after rewrites. */
  rewrite?: { path?: string; authority?: string };
  cors?: boolean;
}

/** How the request ends, as far as config decides it. */
export type Outcome =
  | { kind: 'forward' }
  | { kind: 'redirect'; status: number; location: string }
  | { kind: 'direct'; status: number; body?: string }
  | { kind: 'not-found'; status: 404; flag: 'NR'; reason: string }
  | { kind: 'passthrough'; reason: string }
  | { kind: 'blackhole'; reason: string; status?: number; flag?: string }
  | { kind: 'tcp'; reason: string }
  | { kind: 'closed'; reason: string };

export interface Trace {
  proxy: { id: string; kind: string; namespace: string; version: number };
  request: TraceRequest;
  listener?: { name: string; direction: string; port: number };
  filterChain?: { name: string; kind: string; serverNames: readonly string[]; tls?: string };
  routeConfig?: string;
  virtualHost?: { name: string; domains: readonly string[]; matchedBy: string; domain: string };
  /** Virtual hosts of the route table when none matched (a host miss). */
  knownHosts?: string[];
  rules: RuleTried[];
  route?: RuleTried & { routeName: string };
  /** With no match: the rule that came closest (most conditions held before one failed). */
  closest?: RuleTried;
  outcome: Outcome;
  policies?: RoutePolicies;
  destinations: DestinationView[];
  flags: PossibleFlag[];
}

function sourceOf(route: Route, locate: SourceLocator | undefined): string | undefined {
  const vs = route.virtualService;
  if (!vs || !locate) return undefined;
  const path: (string | number)[] = ['spec', 'http'];
  if (route.origin) {
    path.push(route.origin.http);
    if (route.origin.match !== undefined) path.push('match', route.origin.match);
  }
  return locate('VirtualService', vs.namespace, vs.name, path);
}

function ruleTried(
  route: Route,
  index: number,
  failed: number,
  input: MatchInput,
  locate: SourceLocator | undefined,
): RuleTried {
  const source = sourceOf(route, locate);
  const matched = failed === ROUTE_MATCHED;
  return {
    index,
    rule: ruleLabel(route, index),
    ...(route.origin ? { origin: route.origin } : {}),
    name: route.name,
    ...(route.virtualService
      ? { virtualService: `${route.virtualService.name}.${route.virtualService.namespace}` }
      : {}),
    ...(source ? { source } : {}),
    matched,
    ...(matched ? {} : { failed: describeFailure(route, failed, input) }),
    conditions: describeConditions(route),
  };
}

function lbText(c: Cluster): string {
  if (c.lbPolicy === 'RING_HASH')
    return `RING_HASH (minimumRingSize ${c.ringHash?.minimumRingSize ?? 1024})`;
  if (c.lbPolicy === 'MAGLEV') return `MAGLEV (tableSize ${c.maglev?.tableSize ?? 65537})`;
  return c.localityWeightedLb ? `${c.lbPolicy} (locality weighted)` : c.lbPolicy;
}

function tlsText(c: Cluster): string {
  if (!c.tls) return 'DISABLE (plaintext)';
  if (c.tls.autoMtls) return 'ISTIO_MUTUAL (auto mTLS: to endpoints with a sidecar)';
  return c.tls.sni ? `${c.tls.mode} (sni ${c.tls.sni})` : c.tls.mode;
}

const CB_FIELDS = [
  ['maxConnections', 'maxConnections'],
  ['maxPendingRequests', 'http1MaxPendingRequests'],
  ['maxRequests', 'http2MaxRequests'],
  ['maxRetries', 'maxRetries'],
] as const;

const COUNTERS = [
  'upstream_rq_total',
  'upstream_rq_2xx',
  'upstream_rq_5xx',
  'upstream_rq_pending_overflow',
  'upstream_rq_retry',
  'upstream_rq_timeout',
  'outlier_detection.ejections_active',
];

export function describeCluster(
  c: Cluster,
  locate: SourceLocator | undefined,
  live: LiveState | undefined,
): ClusterView {
  const cb: Record<string, number> = {};
  for (const [field, istioName] of CB_FIELDS) {
    const v = c.connectionPool[field];
    if (v !== UNLIMITED) cb[istioName] = v;
  }
  if (c.connectionPool.maxRequestsPerConnection > 0)
    cb['maxRequestsPerConnection'] = c.connectionPool.maxRequestsPerConnection;
  const od = c.outlierDetection;
  const drName = c.destinationRule;
  let drSource: string | undefined;
  if (drName && locate) {
    const dot = drName.lastIndexOf('.');
    const name = dot > 0 ? drName.slice(0, dot) : drName;
    const ns = dot > 0 ? drName.slice(dot + 1) : '';
    drSource = locate(
      'DestinationRule',
      ns,
      name,
      ['spec', 'trafficPolicy'],
      c.subset || undefined,
    );
  }
  const endpoints = c.endpoints.map((e): EndpointView => {
    const address = formatHostPort(e.address, e.port);
    const health = live?.endpointHealth?.get(`${c.name}|${address}`);
    return {
      address,
      ...(e.locality ? { locality: e.locality } : {}),
      ...(e.workload ? { workload: e.workload } : {}),
      ...(health ? { outlierCheck: health } : {}),
    };
  });
  let counters: Record<string, number> | undefined;
  if (live?.stats) {
    counters = {};
    for (const k of COUNTERS) {
      const v = live.stats.get(`cluster.${c.name}.${k}`);
      if (v !== undefined) counters[k] = v;
    }
  }
  return {
    name: c.name,
    type: c.type,
    serviceHost: c.serviceHost,
    port: c.port,
    subset: c.subset,
    ...(drName ? { destinationRule: drName } : {}),
    ...(drSource ? { destinationRuleSource: drSource } : {}),
    lbPolicy: lbText(c),
    circuitBreakers: cb,
    connectTimeout: formatDurationMs(c.connectionPool.connectTimeoutMs),
    ...(od
      ? {
          outlierDetection: {
            consecutive5xxErrors: od.consecutive5xx,
            ...(od.consecutiveGatewayErrors > 0
              ? { consecutiveGatewayErrors: od.consecutiveGatewayErrors }
              : {}),
            interval: formatDurationMs(od.intervalMs),
            baseEjectionTime: formatDurationMs(od.baseEjectionTimeMs),
            maxEjectionPercent: od.maxEjectionPercent,
          },
        }
      : {}),
    tls: tlsText(c),
    endpoints,
    ...(counters ? { counters } : {}),
  };
}

function destinations(
  snap: ProxySnapshot,
  clusters: readonly WeightedCluster[],
  totalWeight: number,
  opts: TraceOptions,
): DestinationView[] {
  const total = totalWeight > 0 ? totalWeight : clusters.reduce((s, c) => s + c.weight, 0);
  return clusters.map((wc) => {
    const c = snap.clusters.get(wc.clusterName);
    return {
      cluster: wc.clusterName,
      weight: wc.weight,
      percent: clusters.length === 1 ? 100 : total > 0 ? (wc.weight * 100) / total : 0,
      ...(wc.hostRewrite ? { hostRewrite: wc.hostRewrite } : {}),
      ...(c ? { details: describeCluster(c, opts.locate, opts.live) } : {}),
    };
  });
}

function policiesOf(route: Route, req: TraceRequest, authority: string): RoutePolicies {
  const a = route.action;
  const p: RoutePolicies = { mirrors: [] };
  if (a.type === 'forward') {
    if (a.timeoutMs > 0) p.timeout = formatDurationMs(a.timeoutMs);
    if (a.retry && a.retry.numRetries > 0)
      p.retries = {
        attempts: a.retry.numRetries,
        retryOn: a.retry.retryOn.join(','),
        ...(a.retry.perTryTimeoutMs
          ? { perTryTimeout: formatDurationMs(a.retry.perTryTimeoutMs) }
          : {}),
      };
    p.mirrors = a.mirrors.map((m) => ({ cluster: m.clusterName, percent: m.percentage }));
    const path = rewritePath(route, a, req.path, req.query);
    const host =
      a.clusters.length === 1 ? (a.clusters[0]?.hostRewrite ?? a.hostRewrite) : a.hostRewrite;
    if (path !== undefined || host !== undefined)
      p.rewrite = {
        ...(path !== undefined ? { path } : {}),
        ...(host !== undefined && host !== authority ? { authority: host } : {}),
      };
  }
  if (route.fault) {
    const f = route.fault;
    p.fault = {
      ...(f.delay
        ? { delay: `${formatDurationMs(f.delay.delayMs)} for ${f.delay.percentage}%` }
        : {}),
      ...(f.abort
        ? {
            abort: `${
              f.abort.grpcStatus !== undefined
                ? `grpc-status ${f.abort.grpcStatus}`
                : `HTTP ${f.abort.httpStatus ?? 503}`
            } for ${f.abort.percentage}%`,
          }
        : {}),
    };
  }
  if (route.requestHeaders) p.requestHeaders = route.requestHeaders;
  if (route.responseHeaders) p.responseHeaders = route.responseHeaders;
  if (route.cors) p.cors = true;
  return p;
}

/** The rule that held the most conditions before failing (the first of equals). */
function closestRule(
  rules: readonly RuleTried[],
  failedAt: readonly number[],
): RuleTried | undefined {
  let best = -2;
  let pick: RuleTried | undefined;
  rules.forEach((r, i) => {
    const f = failedAt[i] ?? -1;
    if (f > best) {
      best = f;
      pick = r;
    }
  });
  return pick;
}

function chainView(c: FilterChain): NonNullable<Trace['filterChain']> {
  const kind = c.http
    ? 'http'
    : c.passthrough || (c.tcp && c.serverNames.length > 0)
      ? 'tls-passthrough'
      : c.tcp
        ? 'tcp'
        : 'none';
  return {
    name: c.name || '(default)',
    kind: c.autoPassthrough ? 'auto-passthrough' : kind,
    serverNames: c.serverNames,
    ...(c.tls ? { tls: `${c.tls.mode} (terminated here)` } : {}),
  };
}

/** The gateway listener a request reaches: `port`, else the URL's port, else the only/first fitting one. */
function gatewayListener(
  snap: ProxySnapshot,
  req: TraceRequest,
  port: number | undefined,
): Listener | undefined {
  const byPort = (p: number) => snap.listeners.find((l) => l.port === p);
  if (port !== undefined) return byPort(port);
  const m = /:(\d+)$/.exec(req.authority);
  const fromUrl = m ? byPort(Number(m[1])) : undefined;
  if (fromUrl) return fromUrl;
  const tls = (l: Listener) => l.filterChains.some((c) => c.tls || c.passthrough);
  return (
    snap.listeners.find((l) => (req.scheme === 'https' ? tls(l) : !tls(l))) ?? snap.listeners[0]
  );
}

/** Traces one request through the snapshot. Pure: the same snapshot and request give the same trace. */
export function traceRequest(snap: ProxySnapshot, req: TraceRequest, opts: TraceOptions): Trace {
  const trace: Trace = {
    proxy: {
      id: snap.proxy.id,
      kind: snap.proxy.kind === 'router' ? 'gateway' : 'sidecar',
      namespace: snap.proxy.namespace,
      version: snap.version,
    },
    request: req,
    rules: [],
    destinations: [],
    flags: [],
    outcome: { kind: 'closed', reason: 'not traced' },
  };
  const finish = (): Trace => {
    trace.flags = possibleFlags(trace, snap);
    return trace;
  };
  let binding: Binding;
  let tlsChain: FilterChain | undefined;
  if (opts.target.kind === 'gateway') {
    const l = gatewayListener(snap, req, opts.target.port);
    if (!l) {
      trace.outcome = {
        kind: 'closed',
        reason: `the gateway has no listener${
          opts.target.port !== undefined ? ` on port ${opts.target.port}` : ''
        }; listeners: ${snap.listeners.map((x) => x.name).join(', ') || '(none)'}`,
      };
      return finish();
    }
    binding = { kind: 'listener', name: l.name };
    if (req.scheme === 'https' || l.filterChains.every((c) => c.tls || c.passthrough)) {
      const sni = req.sni ?? req.authority.replace(/:\d+$/, '');
      // envoyproxy/envoy filter_chain_manager_impl.cc: the chain is chosen by SNI before HTTP.
      tlsChain = chainForServerName(l, sni);
      if (!tlsChain) {
        trace.listener = { name: l.name, direction: l.direction, port: l.port };
        trace.outcome = {
          kind: 'closed',
          reason: `no filter chain for SNI '${sni}' (server names: ${l.filterChains
            .flatMap((c) => c.serverNames)
            .join(', ')}); Envoy closes the connection`,
        };
        return finish();
      }
    }
  } else binding = { kind: 'virtualOutbound' };

  // A TLS connection without a port in the URL goes to 443 (the captured destination port).
  const listenAuthority =
    binding.kind === 'virtualOutbound' &&
    req.scheme === 'https' &&
    authorityPort(req.authority) === undefined
      ? `${req.authority}:443`
      : req.authority;
  const sel = selectListener(snap, binding, listenAuthority, tlsChain);
  if (sel.unknownDestination) {
    const listener = snap.listeners.find((l) => l.name === 'virtualOutbound');
    if (listener)
      trace.listener = { name: listener.name, direction: listener.direction, port: listener.port };
    const policy =
      listener?.outboundTrafficPolicy ??
      snap.listeners.find((l) => l.outboundTrafficPolicy)?.outboundTrafficPolicy ??
      'ALLOW_ANY';
    // istio/istio pilot/pkg/networking/core/listener_builder.go: virtualOutbound's default chain is a
    // tcp_proxy to PassthroughCluster (ALLOW_ANY) or BlackHoleCluster (REGISTRY_ONLY).
    const reason = `no outbound listener for port ${sel.port ?? 80} (no service in the registry on it)`;
    trace.outcome =
      policy === 'REGISTRY_ONLY'
        ? {
            kind: 'blackhole',
            flag: 'UH',
            reason: `${reason}; outboundTrafficPolicy REGISTRY_ONLY: BlackHoleCluster closes the connection`,
          }
        : {
            kind: 'passthrough',
            reason: `${reason}; outboundTrafficPolicy ALLOW_ANY: PassthroughCluster to the original destination`,
          };
    trace.destinations = [
      {
        cluster: policy === 'REGISTRY_ONLY' ? BLACKHOLE_CLUSTER : PASSTHROUGH_CLUSTER,
        weight: 1,
        percent: 100,
      },
    ];
    return finish();
  }
  const { listener } = sel;
  let chain = sel.chain;
  let destination: { host: string; port: number } | undefined;
  if (opts.target.kind === 'sidecar' && listener) {
    // A sidecar's TLS or TCP port: the connection is matched by destination, then SNI, among the L4
    // chains, as connect-tunnel.ts does for a captured connection (specific chains first, then generic).
    destination = { host: req.authority.replace(/:\d+$/, ''), port: listener.port };
    const l4Only = !listener.filterChains.some((c) => c.http);
    const namespace = snap.proxy.namespace;
    if (req.scheme === 'https' && needsSni(listener)) {
      const sni = req.sni ?? destination.host;
      chain =
        l4ChainFor(listener, sni, destination, { generic: false, namespace }) ??
        l4ChainFor(listener, sni, destination, { namespace }) ??
        chain;
    } else if (l4Only) chain = l4ChainFor(listener, undefined, destination, { namespace }) ?? chain;
  }
  if (listener)
    trace.listener = { name: listener.name, direction: listener.direction, port: listener.port };
  if (!chain) {
    trace.outcome = { kind: 'not-found', status: 404, flag: 'NR', reason: 'no filter chain' };
    return finish();
  }
  trace.filterChain = chainView(chain);
  if (!chain.http) {
    const route = routeForDestination(chain.tcp?.routes ?? [], destination);
    if (!route) {
      trace.outcome = { kind: 'closed', reason: 'the TCP filter chain has no route' };
      return finish();
    }
    trace.outcome = {
      kind: 'tcp',
      reason:
        chain.passthrough || chain.serverNames.length > 0
          ? 'TLS passthrough: the encrypted stream goes to the cluster by SNI, no HTTP routing'
          : 'TCP proxy: no HTTP routing on this chain',
    };
    trace.destinations = destinations(snap, route.clusters, route.totalWeight, opts);
    return finish();
  }
  trace.routeConfig = chain.http.routeTableName;
  const table = snap.routeTables.get(chain.http.routeTableName);
  if (!table) {
    trace.outcome = { kind: 'not-found', status: 404, flag: 'NR', reason: 'route table missing' };
    return finish();
  }
  let how = '';
  let domain = '';
  const vh = selectVirtualHost(table, req.authority, (h, d) => {
    how = h;
    domain = d;
  });
  if (!vh) {
    trace.knownHosts = table.virtualHosts.map((v) => `${v.name} (${v.domains.join(', ')})`);
    trace.outcome = {
      kind: 'not-found',
      status: 404,
      flag: 'NR',
      reason: `no virtual host in route config ${table.name} has domain ${req.authority}`,
    };
    return finish();
  }
  trace.virtualHost = { name: vh.name, domains: vh.domains, matchedBy: how, domain };
  // Envoy require_tls (Gateway httpsRedirect): plain HTTP gets 301 to https.
  if (vh.requireTls && req.scheme === 'http') {
    trace.outcome = {
      kind: 'redirect',
      status: 301,
      location: `https://${req.authority}${req.path}${req.query ? `?${req.query}` : ''}`,
    };
    return finish();
  }
  const input: MatchInput = {
    authority: req.authority,
    method: req.method,
    scheme: req.scheme,
    path: req.path,
    query: req.query,
    headers: req.headers,
  };
  const failedAt: number[] = [];
  const route = selectRoute(vh, input, (r, i, failed) => {
    trace.rules.push(ruleTried(r, i, failed, input, opts.locate));
    failedAt.push(failed);
  });
  if (!route) {
    const closest = closestRule(trace.rules, failedAt);
    if (closest) trace.closest = closest;
    trace.outcome = {
      kind: 'not-found',
      status: 404,
      flag: 'NR',
      reason: `no route of virtual host ${vh.name} matched`,
    };
    return finish();
  }
  const matched = trace.rules[trace.rules.length - 1]!;
  trace.route = { ...matched, routeName: route.name };
  trace.policies = policiesOf(route, req, req.authority);
  const a = route.action;
  if (a.type === 'redirect') {
    trace.outcome = {
      kind: 'redirect',
      status: a.responseCode,
      location: redirectLocation(
        route,
        a,
        req.scheme,
        req.scheme,
        req.authority,
        req.path,
        req.query,
      ),
    };
  } else if (a.type === 'direct') {
    trace.outcome = {
      kind: 'direct',
      status: a.status,
      ...(a.body ? { body: a.body.toString('utf8') } : {}),
    };
  } else {
    trace.destinations = destinations(snap, a.clusters, a.totalWeight, opts);
    const only = a.clusters.length === 1 ? a.clusters[0]?.clusterName : undefined;
    if (only === PASSTHROUGH_CLUSTER)
      trace.outcome = {
        kind: 'passthrough',
        reason: `virtual host ${vh.name}: unknown host, PassthroughCluster to the original destination`,
      };
    else if (only === BLACKHOLE_CLUSTER)
      trace.outcome = {
        kind: 'blackhole',
        status: 502,
        // istio/istio pilot/pkg/networking/core/httproute.go buildCatchAllVirtualHost: direct 502.
        reason: `virtual host ${vh.name}: unknown host under REGISTRY_ONLY, BlackHoleCluster (direct 502)`,
      };
    else trace.outcome = { kind: 'forward' };
  }
  return finish();
}

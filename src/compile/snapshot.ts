// The compiled per-proxy configuration: what Envoy would receive over xDS, as immutable data.
// The proxy imports only these types. Names follow Istio/Envoy (istio/istio pilot/pkg/networking/core):
// clusters `outbound|9080|v1|reviews.default.svc.cluster.local`, route tables `9080` / `http.8080`,
// virtual hosts `reviews.default.svc.cluster.local:9080`.
import type { Endpoint, Protocol, ProxyIdentity } from '../model/index.js';
import type { CompiledRegex } from '../runtime/regex.js';

export type { Endpoint, Protocol, ProxyIdentity, ProxyKind } from '../model/index.js';

// ---------------------------------------------------------------- matching

/** `lowerValue`: `value` lower-cased once at compile time where `ignoreCase` is set. */
export type StringMatcher =
  | { kind: 'exact'; value: string; ignoreCase?: boolean; lowerValue?: string }
  | { kind: 'prefix'; value: string; ignoreCase?: boolean; lowerValue?: string }
  | { kind: 'regex'; value: string; regex: CompiledRegex }
  | { kind: 'present' };

export interface HeaderMatcher {
  /** Lower-case header name; `:authority`, `:method`, `:scheme` for the pseudo-headers. */
  name: string;
  match: StringMatcher;
  /** withoutHeaders: inverted, and a missing header counts as matching (treat_missing_header_as_empty). */
  invert: boolean;
}

export interface QueryParamMatcher {
  name: string;
  match: StringMatcher;
}

export interface RouteMatch {
  /** Path without the query string; undefined = any path (Envoy prefix "/"). */
  path?: StringMatcher;
  headers: readonly HeaderMatcher[];
  queryParams: readonly QueryParamMatcher[];
}

// ---------------------------------------------------------------- route actions

export interface HeaderOps {
  /** [name, value] pairs; names lower-case. */
  set: readonly (readonly [string, string])[];
  add: readonly (readonly [string, string])[];
  remove: readonly string[];
}

export interface WeightedCluster {
  clusterName: string;
  /** Relative weight; the router picks weight/total with an injected random draw. */
  weight: number;
  requestHeaders?: HeaderOps;
  responseHeaders?: HeaderOps;
  /** Authority rewrite from destination-level headers (host / :authority set). */
  hostRewrite?: string;
}

export interface RetryPolicy {
  /** Envoy num_retries. */
  numRetries: number;
  /** Envoy retry_on tokens (e.g. connect-failure, 5xx, retriable-status-codes). */
  retryOn: readonly string[];
  retriableStatusCodes: readonly number[];
  perTryTimeoutMs?: number;
  /** Base backoff interval; Envoy default 25ms, cap 10x. */
  backoffBaseMs: number;
  /** previous_hosts predicate with host_selection_retry_max_attempts 5. */
  retryIgnorePreviousHosts: boolean;
  /** VirtualService retryRemoteLocalities: Envoy's previous_priorities retry priority, update_frequency 2. */
  retryRemoteLocalities?: boolean;
}

export interface FaultPolicy {
  delay?: { delayMs: number; /** 0..100, 1e-4 resolution */ percentage: number };
  abort?: { httpStatus?: number; grpcStatus?: number; percentage: number };
}

export interface MirrorPolicy {
  clusterName: string;
  /** 0..100. */
  percentage: number;
}

export interface CorsPolicy {
  allowOrigins: readonly StringMatcher[];
  allowMethods: readonly string[];
  allowHeaders: readonly string[];
  exposeHeaders: readonly string[];
  maxAge?: string;
  allowCredentials?: boolean;
  /** Envoy forward_not_matching_preflights: true = FORWARD (Istio default). */
  forwardNotMatchingPreflights: boolean;
}

export interface ForwardAction {
  type: 'forward';
  clusters: readonly WeightedCluster[];
  /** Sum of the weights. */
  totalWeight: number;
  prefixRewrite?: string;
  regexRewrite?: { regex: CompiledRegex; substitution: string };
  hostRewrite?: string;
  /** Route timeout in ms spanning all retries; 0 = disabled (Istio's default). */
  timeoutMs: number;
  retry?: RetryPolicy;
  mirrors: readonly MirrorPolicy[];
  /** Consistent-hash key source for ring hash / maglev clusters. */
  hashPolicy?: HashPolicy;
}

export type HashPolicy =
  | { kind: 'header'; name: string }
  | { kind: 'cookie'; name: string; path?: string; ttlMs?: number }
  | { kind: 'sourceIp' }
  | { kind: 'queryParameter'; name: string };

export interface RedirectAction {
  type: 'redirect';
  /** Replace the whole path. */
  path?: string;
  prefixRewrite?: string;
  host?: string;
  scheme?: string;
  /**
   * Envoy port_redirect, resolved at compile time as Istio does (route.go ApplyRedirect):
   * `derivePort: FROM_REQUEST_PORT` is the listener's port; :80 with http and :443 with https are
   * dropped. Absent = the request's Host keeps its port (Envoy processRequestHost).
   */
  port?: number;
  /** 301 by default. */
  responseCode: number;
}

export interface DirectResponseAction {
  type: 'direct';
  status: number;
  body?: Buffer;
}

export type RouteAction = ForwardAction | RedirectAction | DirectResponseAction;

export interface Route {
  /** Envoy route name: HTTPRoute name, with `.<match name>` appended when the match is named. */
  name: string;
  match: RouteMatch;
  action: RouteAction;
  requestHeaders?: HeaderOps;
  responseHeaders?: HeaderOps;
  fault?: FaultPolicy;
  cors?: CorsPolicy;
  /** Where it came from (`reviews.default`), for proxy-config routes' VIRTUAL SERVICE column. */
  virtualService?: { name: string; namespace: string };
  /**
   * Which rule of that VirtualService made it: `http[http].match[match]` (match absent for a rule
   * without match blocks), for explain/test and route coverage. With delegates, `http` indexes the
   * merged list (root rules with their delegates' rules in place).
   */
  origin?: { http: number; match?: number };
}

export interface VirtualHost {
  /** e.g. `reviews.default.svc.cluster.local:9080`, `allow_any`, `block_all`. */
  name: string;
  /** Lower-case domains: exact names, `*.suffix`, or `*`. */
  domains: readonly string[];
  routes: readonly Route[];
  /** Gateway httpsRedirect: plain-HTTP requests get a 301 to https. */
  requireTls?: boolean;
}

export interface RouteTable {
  /** `9080` (sidecar outbound port), `http.8080` (gateway), `inbound|9080||` (inbound). */
  name: string;
  virtualHosts: readonly VirtualHost[];
  /** Exact domain (lower-case, with and without :port) -> virtual host. */
  exactDomains: ReadonlyMap<string, VirtualHost>;
  /** Suffix wildcards (`*.example.com` stored as `.example.com`), longest first. */
  wildcardDomains: readonly (readonly [string, VirtualHost])[];
  /** The `*` virtual host, when present. */
  catchAll?: VirtualHost;
}

// ---------------------------------------------------------------- listeners

export interface DownstreamTls {
  /** ISTIO_MUTUAL: certChain/privateKey are empty; the proxy uses its mesh workload certificate. */
  mode: 'SIMPLE' | 'MUTUAL' | 'OPTIONAL_MUTUAL' | 'ISTIO_MUTUAL';
  /** PEM. */
  certChain: string;
  privateKey: string;
  caCertificates?: string;
  minProtocolVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  maxProtocolVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  cipherSuites?: readonly string[];
  subjectAltNames?: readonly string[];
  /** Where the credential came from, e.g. `kubernetes://istio-system/httpbin-credential`. */
  credentialName?: string;
  /** The file each PEM was read from (file-based SDS): dumps name the file, not its contents. */
  sourceFiles?: TlsSourceFiles;
}

/** Paths of the files a TLS context's PEMs came from, as Envoy's DataSource `filename`. */
export interface TlsSourceFiles {
  certChain?: string;
  privateKey?: string;
  caCertificates?: string;
}

export interface TcpRoute {
  /** Static matches already applied at compile time; runtime matches left: */
  destinationSubnets?: readonly string[];
  clusters: readonly WeightedCluster[];
  totalWeight: number;
}

/**
 * A sidecar inbound port's mTLS mode from PeerAuthentication (istio/istio pilot/pkg/model/authentication.go
 * MutualTLSMode): STRICT accepts only mesh mTLS, PERMISSIVE mTLS and plaintext, DISABLE plaintext only.
 */
export type MutualTlsMode = 'DISABLE' | 'PERMISSIVE' | 'STRICT';

export interface FilterChain {
  name: string;
  /** For `virtualInbound`: the service port this chain serves (Envoy destination_port match). */
  destinationPort?: number;
  /** For `virtualInbound`: the port's PeerAuthentication mode (absent = PERMISSIVE). */
  mtlsMode?: MutualTlsMode;
  /** SNI server names (lower-case; `*.x` wildcards); empty = any. */
  serverNames: readonly string[];
  /** TLS terminated here (gateway SIMPLE/MUTUAL). */
  tls?: DownstreamTls;
  /**
   * Envoy filter_chain_match.application_protocols, set by the http_inspector: the HTTP chain of a
   * port of unknown protocol, matched only when the first bytes are HTTP; other bytes take the port's
   * TCP chains (istio/istio pilot/pkg/networking/core/listener.go, ListenerProtocolAuto).
   */
  applicationProtocols?: readonly string[];
  /** HTTP connection manager with this route table, or TCP proxy with these routes. */
  http?: { routeTableName: string };
  tcp?: { routes: readonly TcpRoute[]; statPrefix: string };
  /** TLS passthrough: route by SNI to clusters without terminating. */
  passthrough?: boolean;
  /**
   * Gateway AUTO_PASSTHROUGH: the SNI itself names the cluster (`outbound_.9080_.v1_.reviews.default.svc.cluster.local`
   * -> `outbound|9080|v1|reviews.default.svc.cluster.local`), no VirtualService needed (Envoy's sni_cluster filter).
   */
  autoPassthrough?: boolean;
}

/**
 * Listener layout (how the local runner binds sockets to them):
 * - sidecar outbound: one listener per service port, `0.0.0.0_<port>` (direction outbound), plus
 *   `virtualOutbound`. Locally a workload reaches its sidecar on ONE socket bound for `virtualOutbound`;
 *   the proxy takes the destination port from the request (proxy-form URL or Host header; 80 when absent)
 *   and continues in listener `0.0.0.0_<port>`; no such listener means unknown destination
 *   (outboundTrafficPolicy: PassthroughCluster or 502 via BlackHoleCluster).
 * - sidecar inbound: `virtualInbound`, one filter chain per service port (`destinationPort`), each
 *   routing to `inbound|<port>||`. Locally one socket is bound per inbound port.
 * - gateway: one listener per merged server port, `0.0.0.0_<port>`, bound as is.
 */
export interface Listener {
  /** Envoy names: `0.0.0.0_8080` (gateway), `0.0.0.0_9080` (sidecar outbound), `virtualInbound`... */
  name: string;
  direction: 'outbound' | 'inbound' | 'gateway';
  /** Address and port this listener represents in the mesh model. The runner maps them to local sockets. */
  address: string;
  port: number;
  filterChains: readonly FilterChain[];
  /** For a sidecar outbound HTTP listener: unknown hosts go to PassthroughCluster (ALLOW_ANY) or 502. */
  outboundTrafficPolicy?: 'ALLOW_ANY' | 'REGISTRY_ONLY';
}

// ---------------------------------------------------------------- clusters

export type LbPolicy =
  'LEAST_REQUEST' | 'ROUND_ROBIN' | 'RANDOM' | 'PASSTHROUGH' | 'RING_HASH' | 'MAGLEV';

export interface ConnectionPoolLimits {
  /** Envoy circuit_breakers thresholds; Istio sets 2^32-1 when unset. */
  maxConnections: number;
  maxPendingRequests: number;
  maxRequests: number;
  maxRetries: number;
  /** 0 = unlimited. */
  maxRequestsPerConnection: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  maxConnectionDurationMs?: number;
  tcpKeepalive?: { probes?: number; timeMs?: number; intervalMs?: number };
  h2UpgradePolicy?: 'DEFAULT' | 'DO_NOT_UPGRADE' | 'UPGRADE';
  maxConcurrentStreams?: number;
}

export interface OutlierDetectionPolicy {
  consecutive5xx: number;
  /** 0 = disabled. */
  consecutiveGatewayErrors: number;
  splitExternalLocalOriginErrors: boolean;
  consecutiveLocalOriginFailures: number;
  intervalMs: number;
  baseEjectionTimeMs: number;
  maxEjectionPercent: number;
  /** Envoy healthy_panic_threshold; 0 disables panic. */
  minHealthPercent: number;
}

export interface UpstreamTls {
  mode: 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL';
  /**
   * Auto mTLS (meshConfig.enableAutoMtls, no DestinationRule tls): ISTIO_MUTUAL as Envoy
   * transport_socket_matches `tlsMode-istio` (endpoints with tlsMode istio) and `tlsMode-disabled`
   * (plaintext to every other endpoint), istio/istio pilot/pkg/networking/core/cluster_tls.go.
   */
  autoMtls?: boolean;
  sni?: string;
  caCertificates?: string;
  certChain?: string;
  privateKey?: string;
  subjectAltNames?: readonly string[];
  insecureSkipVerify: boolean;
  /** The file each PEM was read from (file-based SDS): dumps name the file, not its contents. */
  sourceFiles?: TlsSourceFiles;
  /** Compile-time only: a file it needs was refused, so its cluster is left out of the snapshot. */
  unavailable?: boolean;
}

export interface Cluster {
  /** `outbound|9080|v1|reviews.default.svc.cluster.local`, `inbound|9080||`, `BlackHoleCluster`, `PassthroughCluster`. */
  name: string;
  /** Envoy discovery type as istioctl prints it: EDS, STATIC, STRICT_DNS, LOGICAL_DNS, ORIGINAL_DST. */
  type: 'EDS' | 'STATIC' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'ORIGINAL_DST';
  direction: 'outbound' | 'inbound' | 'none';
  /** Service FQDN, port and subset this cluster stands for (empty for the special clusters). */
  serviceHost: string;
  port: number;
  subset: string;
  protocol: Protocol;
  /** The DestinationRule that shaped it, as `name.namespace`, for proxy-config clusters. */
  destinationRule?: string;
  endpoints: readonly Endpoint[];
  lbPolicy: LbPolicy;
  ringHash?: { minimumRingSize: number };
  maglev?: { tableSize: number };
  connectionPool: ConnectionPoolLimits;
  outlierDetection?: OutlierDetectionPolicy;
  /** common_lb_config.locality_weighted_lb_config set: pick a locality by weight, then a host in it. */
  localityWeightedLb?: boolean;
  tls?: UpstreamTls;
  /**
   * STRICT_DNS / LOGICAL_DNS only: Envoy dns_refresh_rate, respect_dns_ttl and dns_jitter as Istio
   * sets them (istio/istio pilot/pkg/networking/core/cluster_builder.go buildCluster).
   */
  dnsRefresh?: { refreshRateMs: number; respectDnsTtl: boolean; jitterMs: number };
  /**
   * Envoy USE_DOWNSTREAM_PROTOCOL: a sidecar's cluster for a port with no declared protocol speaks
   * HTTP/2 upstream when the request came in over HTTP/2 (istio/istio pilot/pkg/networking/core/
   * cluster_builder.go setUpstreamProtocol: sidecarProxy() && isAutoProtocol).
   */
  useDownstreamProtocol?: boolean;
  /** A structural hash of everything above but endpoints; state (pools, breakers) survives a swap when it is equal. */
  configHash: string;
}

// ---------------------------------------------------------------- the snapshot

export interface ProxySnapshot {
  /** Monotonic config revision this was compiled from. */
  version: number;
  proxy: ProxyIdentity;
  listeners: readonly Listener[];
  routeTables: ReadonlyMap<string, RouteTable>;
  clusters: ReadonlyMap<string, Cluster>;
  /** Mesh-wide settings the data plane needs at request time. */
  mesh: {
    accessLogFile: string;
    accessLogEncoding: 'TEXT' | 'JSON';
    /** Append `-shadow` to mirrored Host (Istio <= 1.27 behaviour); off by default since 1.28. */
    shadowHostSuffix: boolean;
  };
}

export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
/** Envoy/Istio circuit-breaker default when a limit is unset. */
export const UNLIMITED = 4294967295;

// Snapshot route tables -> envoy.config.route.v3.RouteConfiguration, as istiod translates
// VirtualServices (istio/istio pilot/pkg/networking/core/route/route.go, route/retry/retry.go).
import type {
  CorsPolicy,
  FaultPolicy,
  ForwardAction,
  HashPolicy,
  HeaderOps,
  RedirectAction,
  RetryPolicy,
  Route,
  RouteMatch,
  RouteTable,
  StringMatcher,
  VirtualHost,
  WeightedCluster,
} from '../../compile/index.js';
import { TYPE, type ProtoObject } from '../protos.js';
import { duration, millionths, struct, wrap } from './values.js';

export interface RouteOptions {
  /** Proxyless gRPC: the route timeout goes in max_stream_duration (gRFC A31), which gRPC reads. */
  proxyless?: boolean;
}

/** Filter names in HCM http_filters and typed_per_filter_config keys (Envoy's well-known names). */
export const FAULT_FILTER = 'envoy.filters.http.fault';
export const CORS_FILTER = 'envoy.filters.http.cors';
export const ROUTER_FILTER = 'envoy.filters.http.router';

function stringMatcher(m: StringMatcher): ProtoObject {
  switch (m.kind) {
    case 'exact':
      return { exact: m.value, ...(m.ignoreCase ? { ignore_case: true } : {}) };
    case 'prefix':
      return { prefix: m.value, ...(m.ignoreCase ? { ignore_case: true } : {}) };
    case 'regex':
      return { safe_regex: { regex: m.value } };
    case 'present':
      return { safe_regex: { regex: '.*' } };
  }
}

function routeMatch(m: RouteMatch): ProtoObject {
  const out: ProtoObject = {};
  const p = m.path;
  if (!p || p.kind === 'present') out.prefix = '/';
  else if (p.kind === 'exact') out.path = p.value;
  else if (p.kind === 'prefix') out.prefix = p.value;
  else out.safe_regex = { regex: p.value };
  if (p && p.kind !== 'regex' && p.kind !== 'present' && p.ignoreCase)
    out.case_sensitive = wrap(false);
  if (m.headers.length > 0)
    out.headers = m.headers.map((h) => ({
      name: h.name,
      ...(h.match.kind === 'present'
        ? { present_match: true }
        : { string_match: stringMatcher(h.match) }),
      ...(h.invert ? { invert_match: true, treat_missing_header_as_empty: true } : {}),
    }));
  if (m.queryParams.length > 0)
    out.query_parameters = m.queryParams.map((q) => ({
      name: q.name,
      ...(q.match.kind === 'present'
        ? { present_match: true }
        : { string_match: stringMatcher(q.match) }),
    }));
  return out;
}

/** set -> OVERWRITE_IF_EXISTS_OR_ADD, add -> APPEND_IF_EXISTS_OR_ADD (route.go translateAppendHeaders). */
function headersToAdd(ops: HeaderOps | undefined): ProtoObject[] {
  if (!ops) return [];
  return [
    ...ops.set.map(([key, value]) => ({
      header: { key, value },
      append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
    })),
    ...ops.add.map(([key, value]) => ({
      header: { key, value },
      append_action: 'APPEND_IF_EXISTS_OR_ADD',
    })),
  ];
}

function headerOps(prefix: 'request' | 'response', ops: HeaderOps | undefined): ProtoObject {
  const add = headersToAdd(ops);
  const out: ProtoObject = {};
  if (add.length > 0) out[`${prefix}_headers_to_add`] = add;
  if (ops && ops.remove.length > 0) out[`${prefix}_headers_to_remove`] = [...ops.remove];
  return out;
}

/** The retry policy, including Istio's mesh default when the VirtualService set none (retry.go DefaultPolicy). */
export function retryPolicy(r: RetryPolicy): ProtoObject {
  return {
    retry_on: r.retryOn.join(','),
    num_retries: wrap(r.numRetries),
    ...(r.retriableStatusCodes.length > 0
      ? { retriable_status_codes: [...r.retriableStatusCodes] }
      : {}),
    ...(r.perTryTimeoutMs ? { per_try_timeout: duration(r.perTryTimeoutMs) } : {}),
    // Envoy's default base interval is 25 ms; istiod sets retry_back_off only when backoff is given.
    ...(r.backoffBaseMs !== 25
      ? { retry_back_off: { base_interval: duration(r.backoffBaseMs) } }
      : {}),
    ...(r.retryIgnorePreviousHosts
      ? {
          retry_host_predicate: [
            {
              name: 'envoy.retry_host_predicates.previous_hosts',
              typed_config: { '@type': TYPE.previousHosts },
            },
          ],
          host_selection_retry_max_attempts: 5,
        }
      : {}),
    ...(r.retryRemoteLocalities
      ? {
          retry_priority: {
            name: 'envoy.retry_priorities.previous_priorities',
            typed_config: { '@type': TYPE.previousPriorities, update_frequency: 2 },
          },
        }
      : {}),
  };
}

function hashPolicy(h: HashPolicy): ProtoObject {
  switch (h.kind) {
    case 'header':
      return { header: { header_name: h.name } };
    case 'cookie':
      return {
        cookie: {
          name: h.name,
          ...(h.path ? { path: h.path } : {}),
          ...(h.ttlMs !== undefined ? { ttl: duration(h.ttlMs) } : {}),
        },
      };
    case 'sourceIp':
      return { connection_properties: { source_ip: true } };
    case 'queryParameter':
      return { query_parameter: { name: h.name } };
  }
}

function weightedCluster(w: WeightedCluster): ProtoObject {
  return {
    name: w.clusterName,
    weight: wrap(w.weight),
    ...headerOps('request', w.requestHeaders),
    ...headerOps('response', w.responseHeaders),
    ...(w.hostRewrite ? { host_rewrite_literal: w.hostRewrite } : {}),
  };
}

function forward(a: ForwardAction, options: RouteOptions): ProtoObject {
  // istiod drops 0-weight destinations when others remain; one destination -> RouteAction.cluster.
  const live = a.clusters.filter((c) => c.weight > 0);
  const clusters = live.length > 0 ? live : a.clusters;
  const only = clusters.length === 1 ? clusters[0] : undefined;
  const out: ProtoObject = {};
  if (only && !only.requestHeaders && !only.responseHeaders && !only.hostRewrite)
    out.cluster = only.clusterName;
  else out.weighted_clusters = { clusters: clusters.map(weightedCluster) };
  if (a.prefixRewrite !== undefined) out.prefix_rewrite = a.prefixRewrite;
  if (a.regexRewrite)
    out.regex_rewrite = {
      pattern: { regex: a.regexRewrite.regex.source },
      substitution: a.regexRewrite.substitution,
    };
  if (a.hostRewrite) out.host_rewrite_literal = a.hostRewrite;
  // route.go: timeout always set (0s = disabled); proxyless gRPC reads max_stream_duration (gRFC A31).
  out.timeout = duration(a.timeoutMs);
  if (options.proxyless && a.timeoutMs > 0)
    out.max_stream_duration = { max_stream_duration: duration(a.timeoutMs) };
  if (a.retry && a.retry.numRetries > 0) out.retry_policy = retryPolicy(a.retry);
  if (a.mirrors.length > 0)
    out.request_mirror_policies = a.mirrors.map((m) => ({
      cluster: m.clusterName,
      runtime_fraction: { default_value: millionths(m.percentage) },
      trace_sampled: wrap(false),
    }));
  if (a.hashPolicy) out.hash_policy = [hashPolicy(a.hashPolicy)];
  return out;
}

/** Envoy RedirectAction.RedirectResponseCode by HTTP status. */
const REDIRECT_CODES: Record<number, string> = {
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

function redirect(a: RedirectAction): ProtoObject {
  return {
    ...(a.path !== undefined ? { path_redirect: a.path } : {}),
    ...(a.prefixRewrite !== undefined ? { prefix_rewrite: a.prefixRewrite } : {}),
    ...(a.host ? { host_redirect: a.host } : {}),
    ...(a.scheme ? { scheme_redirect: a.scheme } : {}),
    ...(a.port ? { port_redirect: a.port } : {}),
    response_code: REDIRECT_CODES[a.responseCode] ?? 'MOVED_PERMANENTLY',
  };
}

/** HTTPFault for typed_per_filter_config (route.go translateFault). */
export function faultConfig(f: FaultPolicy): ProtoObject {
  return {
    '@type': TYPE.fault,
    ...(f.delay
      ? {
          delay: {
            fixed_delay: duration(f.delay.delayMs),
            percentage: millionths(f.delay.percentage),
          },
        }
      : {}),
    ...(f.abort
      ? {
          abort: {
            ...(f.abort.grpcStatus !== undefined
              ? { grpc_status: f.abort.grpcStatus }
              : { http_status: f.abort.httpStatus ?? 503 }),
            percentage: millionths(f.abort.percentage),
          },
        }
      : {}),
  };
}

function corsConfig(c: CorsPolicy): ProtoObject {
  return {
    '@type': TYPE.corsPolicy,
    allow_origin_string_match: c.allowOrigins.map(stringMatcher),
    ...(c.allowMethods.length > 0 ? { allow_methods: c.allowMethods.join(',') } : {}),
    ...(c.allowHeaders.length > 0 ? { allow_headers: c.allowHeaders.join(',') } : {}),
    ...(c.exposeHeaders.length > 0 ? { expose_headers: c.exposeHeaders.join(',') } : {}),
    ...(c.maxAge !== undefined ? { max_age: c.maxAge } : {}),
    ...(c.allowCredentials !== undefined ? { allow_credentials: wrap(c.allowCredentials) } : {}),
    forward_not_matching_preflights: wrap(c.forwardNotMatchingPreflights),
  };
}

export function buildRoute(r: Route, options: RouteOptions = {}): ProtoObject {
  const out: ProtoObject = { name: r.name, match: routeMatch(r.match) };
  const a = r.action;
  if (a.type === 'forward') out.route = forward(a, options);
  else if (a.type === 'redirect') out.redirect = redirect(a);
  else
    out.direct_response = {
      status: a.status,
      ...(a.body ? { body: { inline_string: a.body.toString('utf8') } } : {}),
    };
  Object.assign(
    out,
    headerOps('request', r.requestHeaders),
    headerOps('response', r.responseHeaders),
  );
  const perFilter: ProtoObject = {};
  if (r.fault) perFilter[FAULT_FILTER] = faultConfig(r.fault);
  if (r.cors && !options.proxyless) perFilter[CORS_FILTER] = corsConfig(r.cors);
  if (Object.keys(perFilter).length > 0) out.typed_per_filter_config = perFilter;
  // filter_metadata.istio.config names the VirtualService (istio/istio pilot/pkg/networking/util
  // BuildConfigInfoMetadata), which istioctl's routes table shows as VIRTUAL SERVICE.
  if (r.virtualService && !options.proxyless)
    out.metadata = {
      filter_metadata: {
        istio: struct({
          config: `/apis/networking.istio.io/v1/namespaces/${r.virtualService.namespace}/virtual-service/${r.virtualService.name}`,
        }),
      },
    };
  return out;
}

export function buildVirtualHost(v: VirtualHost, options: RouteOptions = {}): ProtoObject {
  return {
    name: v.name,
    domains: [...v.domains],
    routes: v.routes.map((r) => buildRoute(r, options)),
    // istiod sets include_request_attempt_count on every virtual host (route.go BuildSidecarVirtualHostWrapper).
    include_request_attempt_count: true,
    ...(v.requireTls ? { require_tls: 'ALL' } : {}),
  };
}

export function buildRouteConfiguration(t: RouteTable, options: RouteOptions = {}): ProtoObject {
  return {
    '@type': TYPE.route,
    name: t.name,
    virtual_hosts: t.virtualHosts.map((v) => buildVirtualHost(v, options)),
    // istio/istio pilot/pkg/networking/core/httproute.go: validate_clusters false (clusters arrive via CDS).
    validate_clusters: wrap(false),
    // Domains carry no ports; Envoy strips the port before matching (httproute.go sets it for
    // every proxy but proxyless gRPC, which does not implement it).
    ...(options.proxyless ? {} : { ignore_port_in_host_matching: true }),
    // route/route.go DefaultMaxDirectResponseBodySizeBytes (1 MiB), set by httproute.go and gateway.go.
    ...(options.proxyless ? {} : { max_direct_response_body_size_bytes: wrap(1024 * 1024) }),
  };
}

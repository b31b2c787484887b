// HTTPRoute -> Envoy routes, one per match block in order, stopping after a catch-all
// (istio/istio pilot/pkg/networking/core/route/route.go BuildHTTPRoutesForVirtualService,
// translateRoute, applyHTTPRouteDestination, TranslateFault, TranslateCORSPolicy, translateAppendHeaders).
import type {
  CorsPolicy as IstioCors,
  Destination,
  HTTPFaultInjection,
  HTTPRedirect,
  HTTPRoute,
  Headers,
} from '../config/istio-types.js';
import type { MeshConfig } from '../config/mesh-config.js';
import { compileRe2 } from '../runtime/regex.js';
import { durationMs } from '../units/index.js';
import { convertRetryPolicy } from './retry-policy.js';
import { isCatchAll, staticMatch, translateMatch, type MatchContext } from './route-match.js';
import type {
  CorsPolicy,
  FaultPolicy,
  HashPolicy,
  HeaderOps,
  MirrorPolicy,
  Route,
  RouteAction,
  StringMatcher,
  WeightedCluster,
} from './snapshot.js';
import { objects } from '../registry/shape.js';
import type { WarningList } from './warnings.js';

/** Resolves a VS destination to its cluster name and the consistent-hash key its DR asks for. */
export interface DestinationResolver {
  cluster(dest: Destination, vsNamespace: string, listenerPort: number): string;
  hashPolicy(dest: Destination, vsNamespace: string, listenerPort: number): HashPolicy | undefined;
}

export interface RouteBuildContext extends MatchContext {
  mesh: MeshConfig;
  destinations: DestinationResolver;
  warnings: WarningList;
  vsName: string;
  /** The route serves a Gateway server with `tls` set (route.go RouteOptions.IsTLS); false on sidecars. */
  isTls?: boolean;
}

// Envoy's gRPC status names (google.rpc.Code), for abort.grpcStatus.
const GRPC_CODES: Record<string, number> = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
};

// Envoy supports only these redirect codes; Istio drops routes with others (route.go ApplyRedirect).
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/** Header ops, with request `host`/`:authority` turned into a host rewrite and pseudo-headers dropped. */
export function headerOps(
  h: Headers | undefined,
  side: 'request' | 'response',
): { ops?: HeaderOps; hostRewrite?: string } {
  const src = h?.[side];
  if (!src) return {};
  let hostRewrite: string | undefined;
  const pairs = (rec: Record<string, string> | undefined) => {
    const out: (readonly [string, string])[] = [];
    for (const [k, v] of Object.entries(rec ?? {})) {
      const name = k.toLowerCase();
      if (side === 'request' && (name === 'host' || name === ':authority')) {
        hostRewrite = String(v);
        continue;
      }
      if (name.startsWith(':')) continue;
      out.push([name, String(v)] as const);
    }
    return out;
  };
  const set = pairs(src.set);
  const add = pairs(src.add);
  const remove = (src.remove ?? []).map((n) => n.toLowerCase()).filter((n) => !n.startsWith(':'));
  const ops = set.length + add.length + remove.length > 0 ? { set, add, remove } : undefined;
  return { ...(ops ? { ops } : {}), ...(hostRewrite !== undefined ? { hostRewrite } : {}) };
}

function percentOf(p: { value?: number } | undefined, deprecated: number | undefined): number {
  if (p && typeof p.value === 'number') return p.value;
  if (typeof deprecated === 'number') return deprecated;
  return 0;
}

// route.go TranslateFault: percentages absent => 0 (no fault); abort without an error type is dropped.
export function faultPolicy(f: HTTPFaultInjection | undefined): FaultPolicy | undefined {
  if (!f) return undefined;
  const out: { delay?: FaultPolicy['delay']; abort?: FaultPolicy['abort'] } = {};
  if (f.delay) {
    const ms = durationMs(f.delay.fixedDelay);
    if (ms !== undefined)
      out.delay = { delayMs: ms, percentage: percentOf(f.delay.percentage, f.delay.percent) };
  }
  if (f.abort) {
    const pct = percentOf(f.abort.percentage, undefined);
    if (typeof f.abort.httpStatus === 'number')
      out.abort = { httpStatus: f.abort.httpStatus, percentage: pct };
    else if (f.abort.grpcStatus !== undefined) {
      const code =
        GRPC_CODES[String(f.abort.grpcStatus).toUpperCase()] ?? Number(f.abort.grpcStatus);
      if (Number.isInteger(code)) out.abort = { grpcStatus: code, percentage: pct };
    }
  }
  return out.delay || out.abort ? out : undefined;
}

// route.go TranslateCORSPolicy; unmatchedPreflights UNSPECIFIED behaves as FORWARD.
export function corsPolicy(c: IstioCors | undefined): CorsPolicy | undefined {
  if (!c) return undefined;
  const origins: StringMatcher[] = [];
  for (const o of c.allowOrigins ?? []) {
    if (typeof o.exact === 'string') origins.push({ kind: 'exact', value: o.exact });
    else if (typeof o.prefix === 'string') origins.push({ kind: 'prefix', value: o.prefix });
    else if (typeof o.regex === 'string')
      origins.push({ kind: 'regex', value: o.regex, regex: compileRe2(o.regex) });
  }
  for (const o of c.allowOrigin ?? []) origins.push({ kind: 'exact', value: o });
  const maxAge = durationMs(c.maxAge);
  return {
    allowOrigins: origins,
    allowMethods: c.allowMethods ?? [],
    allowHeaders: c.allowHeaders ?? [],
    exposeHeaders: c.exposeHeaders ?? [],
    ...(maxAge !== undefined ? { maxAge: String(Math.floor(maxAge / 1000)) } : {}),
    ...(typeof c.allowCredentials === 'boolean' ? { allowCredentials: c.allowCredentials } : {}),
    forwardNotMatchingPreflights: c.unmatchedPreflights !== 'IGNORE',
  };
}

/**
 * Envoy port_redirect as istio/istio pilot/pkg/networking/core/route/route.go ApplyRedirect sets it:
 * FROM_REQUEST_PORT is the listener's port (Envoy cannot derive it per request), FROM_PROTOCOL_DEFAULT
 * sets none, and an explicit :80 with http or :443 with https (the scheme defaulting from the
 * server's TLS) is dropped.
 */
function redirectPort(r: HTTPRedirect, ctx: RouteBuildContext): { port?: number } {
  let port: number | undefined;
  if (r.derivePort !== undefined) {
    if (r.derivePort === 'FROM_REQUEST_PORT') port = ctx.listenerPort;
  } else if (typeof r.port === 'number' && r.port > 0) port = r.port;
  if (port === undefined) return {};
  const scheme = r.scheme || (ctx.isTls ? 'https' : 'http');
  if ((port === 80 && scheme === 'http') || (port === 443 && scheme === 'https')) return {};
  return { port };
}

function buildAction(http: HTTPRoute, ctx: RouteBuildContext): RouteAction | undefined {
  const who = `VirtualService ${ctx.vsNamespace}/${ctx.vsName}`;
  if (http.redirect) {
    const r = http.redirect;
    const code = r.redirectCode ?? 301;
    if (!REDIRECT_CODES.has(code)) {
      ctx.warnings.add(`redirectCode ${code} is not supported by Envoy; route dropped`, who);
      return undefined;
    }
    return {
      type: 'redirect',
      // route.go ApplyRedirect: prefixRewrite when set, else path_redirect (empty = keep the path).
      ...(r.prefixRewrite ? { prefixRewrite: r.prefixRewrite } : r.uri ? { path: r.uri } : {}),
      ...(r.authority ? { host: r.authority } : {}),
      ...(r.scheme ? { scheme: r.scheme } : {}),
      ...redirectPort(r, ctx),
      responseCode: code,
    };
  }
  if (http.directResponse) {
    const d = http.directResponse;
    const body =
      typeof d.body?.string === 'string'
        ? Buffer.from(d.body.string, 'utf8')
        : typeof d.body?.bytes === 'string'
          ? Buffer.from(d.body.bytes, 'base64')
          : undefined;
    return { type: 'direct', status: d.status ?? 200, ...(body ? { body } : {}) };
  }
  const dests = objects<NonNullable<HTTPRoute['route']>[number]>(http.route).filter(
    (d) => typeof d.destination?.host === 'string' && d.destination.host !== '',
  );
  if (dests.length === 0) {
    ctx.warnings.add('route has no destination; skipped', who);
    return undefined;
  }
  // A single destination ignores its weight; with several, weight 0 (or omitted) gets no traffic.
  const weightOf = (d: { weight?: unknown }) => (typeof d.weight === 'number' ? d.weight : 0);
  const weighted = dests.length === 1 ? dests : dests.filter((d) => weightOf(d) > 0);
  if (weighted.length === 0) {
    ctx.warnings.add('all destination weights are 0; route skipped', who);
    return undefined;
  }
  const clusters: WeightedCluster[] = weighted.map((d) => {
    const req = headerOps(d.headers, 'request');
    const res = headerOps(d.headers, 'response');
    return {
      clusterName: ctx.destinations.cluster(d.destination!, ctx.vsNamespace, ctx.listenerPort),
      weight: dests.length === 1 ? 1 : weightOf(d),
      ...(req.ops ? { requestHeaders: req.ops } : {}),
      ...(res.ops ? { responseHeaders: res.ops } : {}),
      ...(req.hostRewrite !== undefined ? { hostRewrite: req.hostRewrite } : {}),
    };
  });
  const totalWeight = clusters.reduce((s, c) => s + c.weight, 0);
  const hash = ctx.destinations.hashPolicy(
    weighted[0]!.destination!,
    ctx.vsNamespace,
    ctx.listenerPort,
  );
  const routeHost = headerOps(http.headers, 'request').hostRewrite;
  const hostRewrite = http.rewrite?.authority ?? routeHost;
  const mirrors: MirrorPolicy[] = [];
  if (http.mirror?.host) {
    const pct = http.mirrorPercentage
      ? (http.mirrorPercentage.value ?? 0)
      : (http.mirrorPercent ?? 100);
    if (pct > 0)
      mirrors.push({
        clusterName: ctx.destinations.cluster(http.mirror, ctx.vsNamespace, ctx.listenerPort),
        percentage: pct,
      });
  }
  for (const m of objects<NonNullable<HTTPRoute['mirrors']>[number]>(http.mirrors)) {
    if (!m.destination?.host) continue;
    const pct = m.percentage ? (m.percentage.value ?? 0) : 100;
    if (pct > 0)
      mirrors.push({
        clusterName: ctx.destinations.cluster(m.destination, ctx.vsNamespace, ctx.listenerPort),
        percentage: pct,
      });
  }
  let regexRewrite: { regex: ReturnType<typeof compileRe2>; substitution: string } | undefined;
  const rr = http.rewrite?.uriRegexRewrite;
  if (rr?.match !== undefined) {
    regexRewrite = { regex: compileRe2(rr.match), substitution: rr.rewrite ?? '' };
  }
  const retry = convertRetryPolicy(
    http.retries,
    ctx.mesh.defaultHttpRetryPolicy,
    hash !== undefined,
  );
  return {
    type: 'forward',
    clusters,
    totalWeight,
    ...(http.rewrite?.uri !== undefined && !regexRewrite
      ? { prefixRewrite: http.rewrite.uri }
      : {}),
    ...(regexRewrite ? { regexRewrite } : {}),
    ...(hostRewrite !== undefined ? { hostRewrite } : {}),
    timeoutMs: durationMs(http.timeout) ?? 0,
    ...(retry ? { retry } : {}),
    mirrors,
    ...(hash ? { hashPolicy: hash } : {}),
  };
}

/**
 * The routes of a VirtualService's http rules for one listener, in order; returns `catchAll` true
 * when a catch-all route ended emission.
 */
export function buildHttpRoutes(
  rules: readonly HTTPRoute[],
  ctx: RouteBuildContext,
): { routes: Route[]; catchAll: boolean } {
  const routes: Route[] = [];
  const who = `VirtualService ${ctx.vsNamespace}/${ctx.vsName}`;
  for (const [httpIndex, http] of rules.entries()) {
    let action: RouteAction | undefined;
    let fault: FaultPolicy | undefined;
    let cors: CorsPolicy | undefined;
    try {
      action = buildAction(http, ctx);
      fault = faultPolicy(http.fault);
      cors = corsPolicy(http.corsPolicy);
    } catch (err) {
      ctx.warnings.add(`route skipped: ${(err as Error).message}`, who);
      continue;
    }
    // route.go BuildHTTPRoutesForVirtualService: a rule without matches ends emission even when it
    // produced no route.
    if (!action) {
      if (objects(http.match).length === 0) return { routes, catchAll: true };
      continue;
    }
    const req = headerOps(http.headers, 'request');
    const res = headerOps(http.headers, 'response');
    const single = singleDestinationOps(http, action, req.ops, res.ops);
    action = single.action;
    req.ops = single.request;
    res.ops = single.response;
    const matches = objects<NonNullable<HTTPRoute['match']>[number]>(http.match);
    const blocks = matches.length > 0 ? matches : [undefined];
    let catchAll = false;
    for (const [matchIndex, block] of blocks.entries()) {
      if (!staticMatch(block, ctx)) continue;
      let match;
      try {
        match = translateMatch(block);
      } catch (err) {
        ctx.warnings.add(`match skipped: ${(err as Error).message}`, who);
        continue;
      }
      const name = block?.name ? `${http.name ?? ''}.${block.name}` : (http.name ?? '');
      routes.push({
        name,
        match,
        action,
        ...(req.ops ? { requestHeaders: req.ops } : {}),
        ...(res.ops ? { responseHeaders: res.ops } : {}),
        ...(fault ? { fault } : {}),
        ...(cors ? { cors } : {}),
        virtualService: { name: ctx.vsName, namespace: ctx.vsNamespace },
        origin: block ? { http: httpIndex, match: matchIndex } : { http: httpIndex },
      });
      if (isCatchAll(match)) {
        catchAll = true;
        break;
      }
    }
    if (catchAll) return { routes, catchAll: true };
  }
  return { routes, catchAll: false };
}

/** Envoy header_parser.cc order within one parser: removes, then the adds in list order. */
function mergeOps(
  route: HeaderOps | undefined,
  dest: HeaderOps | undefined,
): HeaderOps | undefined {
  if (!dest) return route;
  if (!route) return dest;
  // A later overwrite (dest `set`) wipes what an earlier append (route `add`) put under that name.
  const overwritten = new Set(dest.set.map(([k]) => k));
  return {
    set: [...route.set, ...dest.set],
    add: [...route.add.filter(([k]) => !overwritten.has(k)), ...dest.add],
    remove: [...route.remove, ...dest.remove],
  };
}

/**
 * istio/istio pilot/pkg/networking/core/route/route.go processDestination: with exactly one
 * destination its header operations are appended to the route's own (so a destination `set` wins over
 * the route's), not put on a weighted cluster (where Envoy applies the route level last).
 */
function singleDestinationOps(
  http: HTTPRoute,
  action: RouteAction,
  request: HeaderOps | undefined,
  response: HeaderOps | undefined,
): { action: RouteAction; request?: HeaderOps; response?: HeaderOps } {
  const only = action.type === 'forward' ? action.clusters[0] : undefined;
  if (
    action.type !== 'forward' ||
    objects(http.route).length !== 1 ||
    !only ||
    (!only.requestHeaders && !only.responseHeaders)
  )
    return { action, ...(request ? { request } : {}), ...(response ? { response } : {}) };
  const { requestHeaders, responseHeaders, ...rest } = only;
  const req = mergeOps(request, requestHeaders);
  const res = mergeOps(response, responseHeaders);
  return {
    action: { ...action, clusters: [rest] },
    ...(req ? { request: req } : {}),
    ...(res ? { response: res } : {}),
  };
}

/** route.go SortVHostRoutes: catch-all routes move to the end, keeping relative order. */
export function sortVHostRoutes(routes: readonly Route[]): Route[] {
  const normal = routes.filter((r) => !isCatchAll(r.match));
  const all = routes.filter((r) => isCatchAll(r.match));
  return [...normal, ...all];
}

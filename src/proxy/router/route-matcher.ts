// Virtual-host and route selection, Envoy semantics: exact domain, then suffix wildcards longest
// first, then `*`; routes in order, first match wins (envoyproxy/envoy source/common/router/config_impl.cc
// RouteMatcher::findVirtualHost, RouteEntryImplBase::matchRoute). Regexes are RE2 full match.
import type {
  HeaderMatcher,
  QueryParamMatcher,
  Route,
  RouteTable,
  StringMatcher,
  VirtualHost,
} from '../../compile/snapshot.js';
import { splitAuthority } from '../../units/index.js';

/** What the matcher reads from a request. Header names lower-case; values joined with ',' when repeated. */
export interface MatchInput {
  authority: string;
  method: string;
  scheme: string;
  /** Path without the query string. */
  path: string;
  /** Raw query string without `?` ('' when none). */
  query: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** How a virtual host was chosen: the domain that matched it (`*` for the catch-all). */
export type VirtualHostTrace = (how: 'exact' | 'wildcard' | 'catch-all', domain: string) => void;

/**
 * Finds the virtual host for a Host/:authority (case-insensitive; with and without :port). `trace`
 * (explain/test only; the proxy passes none) hears which domain decided.
 */
export function selectVirtualHost(
  table: RouteTable,
  authority: string,
  trace?: VirtualHostTrace,
): VirtualHost | undefined {
  const host = authority.toLowerCase();
  const exact = table.exactDomains.get(host);
  if (exact) {
    trace?.('exact', host);
    return exact;
  }
  const bare = splitAuthority(host).host;
  if (bare !== host) {
    const e = table.exactDomains.get(bare);
    if (e) {
      trace?.('exact', bare);
      return e;
    }
  }
  // Envoy wildcard `*.foo.com` needs at least one character before the suffix.
  for (const [suffix, vh] of table.wildcardDomains) {
    if (
      (bare.length > suffix.length && bare.endsWith(suffix)) ||
      (host.length > suffix.length && host.endsWith(suffix))
    ) {
      trace?.('wildcard', `*${suffix}`);
      return vh;
    }
  }
  if (table.catchAll) trace?.('catch-all', '*');
  return table.catchAll;
}

export function matchString(m: StringMatcher, value: string): boolean {
  switch (m.kind) {
    case 'exact':
      return m.ignoreCase
        ? value.toLowerCase() === (m.lowerValue ?? m.value.toLowerCase())
        : value === m.value;
    case 'prefix':
      return m.ignoreCase
        ? value.toLowerCase().startsWith(m.lowerValue ?? m.value.toLowerCase())
        : value.startsWith(m.value);
    case 'regex':
      return m.regex.fullMatch(value);
    case 'present':
      return true;
  }
}

/** The value a header matcher reads: pseudo-headers from the request line, else the header (joined). */
export function headerValue(input: MatchInput, name: string): string | undefined {
  switch (name) {
    case ':authority':
      return input.authority;
    case ':method':
      return input.method;
    case ':scheme':
      return input.scheme;
    case ':path':
      return input.query ? `${input.path}?${input.query}` : input.path;
  }
  const v = input.headers[name];
  // Envoy matches a repeated header against its values joined with ','.
  return Array.isArray(v) ? v.join(',') : v;
}

// Envoy HeaderUtility::matchHeaders; invert_match with treat_missing_header_as_empty (Istio withoutHeaders).
export function matchHeader(h: HeaderMatcher, input: MatchInput): boolean {
  const v = headerValue(input, h.name);
  if (v === undefined) return h.invert;
  const matched = matchString(h.match, v);
  return h.invert ? !matched : matched;
}

/** First value of a query parameter, or undefined; `?key` is present with value ''. */
export function queryParam(query: string, name: string): string | undefined {
  if (!query) return undefined;
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end < 0) end = query.length;
    const eq = query.indexOf('=', start);
    const keyEnd = eq >= 0 && eq < end ? eq : end;
    if (decode(query.slice(start, keyEnd)) === name) {
      return keyEnd === end ? '' : decode(query.slice(keyEnd + 1, end));
    }
    start = end + 1;
  }
  return undefined;
}

function decode(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

// Envoy QueryParameterMatcher: string_match against the value; present_match when kind 'present'.
export function matchQuery(q: QueryParamMatcher, input: MatchInput): boolean {
  const v = queryParam(input.query, q.name);
  if (v === undefined) return false;
  return matchString(q.match, v);
}

/** `failedCondition` when every condition of the route holds. */
export const ROUTE_MATCHED = -1;
/** `failedCondition` when the path matcher failed. */
export const PATH_CONDITION = 0;

/**
 * The first condition of a route the request fails, in Envoy's order (path, then headers, then
 * query parameters; config_impl.cc RouteEntryImplBase::matchRoute): ROUTE_MATCHED, PATH_CONDITION,
 * 1 + i for `match.headers[i]`, 1 + headers.length + j for `match.queryParams[j]`. A number, so the
 * proxy's matching allocates nothing and explain/test read the reason from the same evaluation.
 */
export function failedCondition(route: Route, input: MatchInput): number {
  const m = route.match;
  if (m.path && !matchString(m.path, input.path)) return PATH_CONDITION;
  for (let i = 0; i < m.headers.length; i++) if (!matchHeader(m.headers[i]!, input)) return 1 + i;
  for (let j = 0; j < m.queryParams.length; j++)
    if (!matchQuery(m.queryParams[j]!, input)) return 1 + m.headers.length + j;
  return ROUTE_MATCHED;
}

export function matchRoute(route: Route, input: MatchInput): boolean {
  return failedCondition(route, input) === ROUTE_MATCHED;
}

/** Hears each route tried, with the condition it failed (ROUTE_MATCHED for the winner). */
export type RouteTrace = (route: Route, index: number, failed: number) => void;

/**
 * Istio VirtualService semantics: routes in rule order, first match wins. `trace` (explain/test
 * only; the proxy passes none) hears every route tried up to and including the match.
 */
export function selectRoute(
  vh: VirtualHost,
  input: MatchInput,
  trace?: RouteTrace,
): Route | undefined {
  const routes = vh.routes;
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i]!;
    const failed = failedCondition(r, input);
    trace?.(r, i, failed);
    if (failed === ROUTE_MATCHED) return r;
  }
  return undefined;
}

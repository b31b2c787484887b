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

/** Finds the virtual host for a Host/:authority (case-insensitive; with and without :port). */
export function selectVirtualHost(table: RouteTable, authority: string): VirtualHost | undefined {
  const host = authority.toLowerCase();
  const exact = table.exactDomains.get(host);
  if (exact) return exact;
  const bare = splitAuthority(host).host;
  if (bare !== host) {
    const e = table.exactDomains.get(bare);
    if (e) return e;
  }
  // Envoy wildcard `*.foo.com` needs at least one character before the suffix.
  for (const [suffix, vh] of table.wildcardDomains) {
    if (bare.length > suffix.length && bare.endsWith(suffix)) return vh;
    if (host.length > suffix.length && host.endsWith(suffix)) return vh;
  }
  return table.catchAll;
}

export function matchString(m: StringMatcher, value: string): boolean {
  switch (m.kind) {
    case 'exact':
      return m.ignoreCase ? value.toLowerCase() === m.value.toLowerCase() : value === m.value;
    case 'prefix':
      return m.ignoreCase
        ? value.toLowerCase().startsWith(m.value.toLowerCase())
        : value.startsWith(m.value);
    case 'regex':
      return m.regex.fullMatch(value);
    case 'present':
      return true;
  }
}

function headerValue(input: MatchInput, name: string): string | undefined {
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

export function matchRoute(route: Route, input: MatchInput): boolean {
  const m = route.match;
  if (m.path && !matchString(m.path, input.path)) return false;
  for (const h of m.headers) if (!matchHeader(h, input)) return false;
  for (const q of m.queryParams) if (!matchQuery(q, input)) return false;
  return true;
}

/** Istio VirtualService semantics: routes in rule order, first match wins. */
export function selectRoute(vh: VirtualHost, input: MatchInput): Route | undefined {
  for (const r of vh.routes) if (matchRoute(r, input)) return r;
  return undefined;
}

// Path rewrite and redirect, Envoy RouteAction / RedirectAction semantics
// (envoyproxy/envoy source/common/router/config_impl.cc finalizePathHeader, newUri; docs
// api-v3 config/route/v3/route_components.proto RedirectAction).
import type { ForwardAction, RedirectAction, Route } from '../../compile/snapshot.js';
import { portStart } from '../../units/index.js';

/** Splits `/a/b?x=1` into ['/a/b', 'x=1']. */
export function splitPath(pathWithQuery: string): [string, string] {
  const q = pathWithQuery.indexOf('?');
  return q < 0 ? [pathWithQuery, ''] : [pathWithQuery.slice(0, q), pathWithQuery.slice(q + 1)];
}

/**
 * Length of the path the route matched, which prefix_rewrite replaces: the prefix or exact value,
 * `/` for a route without a path matcher (Istio's default prefix "/"), and the whole path for a
 * regex route (envoyproxy/envoy source/common/router/config_impl.cc RegexRouteEntryImpl
 * rewritePathHeader passes the whole path as the matched part).
 */
function matchedLength(route: Route, path: string): number {
  const p = route.match.path;
  if (!p) return 1;
  if (p.kind === 'prefix' || p.kind === 'exact') return p.value.length;
  return path.length;
}

/** New path (with query) after prefix or regex rewrite; undefined when the route does not rewrite. */
export function rewritePath(
  route: Route,
  action: ForwardAction,
  path: string,
  query: string,
): string | undefined {
  let next: string | undefined;
  if (action.prefixRewrite !== undefined) {
    next = action.prefixRewrite + path.slice(matchedLength(route, path));
    if (next === '') next = '/';
  } else if (action.regexRewrite) {
    next = action.regexRewrite.regex.replaceAll(path, action.regexRewrite.substitution);
  }
  if (next === undefined) return undefined;
  return query ? `${next}?${query}` : next;
}

/**
 * The request Host for a redirect, as envoyproxy/envoy source/common/http/utility.cc
 * processRequestHost keeps it: its port goes when the redirect sets a port, or when the scheme
 * changes (judged against x-forwarded-proto) and the port is that protocol's default.
 */
function requestHost(
  authority: string,
  newScheme: string,
  newPort: string,
  forwardedProto: string,
): string {
  const end = portStart(authority);
  if (end <= 0) return authority;
  const port = authority.slice(end);
  let remove = newPort !== '';
  if (newScheme !== forwardedProto) {
    remove ||= forwardedProto === 'https' && port === ':443';
    remove ||= forwardedProto === 'http' && port === ':80';
  }
  return remove ? authority.slice(0, end) : authority;
}

/**
 * The Location of a redirect (envoyproxy/envoy source/common/http/utility.cc Utility::newUri):
 * scheme from the redirect else the request's; host from the redirect else the request's Host;
 * `:port` only when the route sets port_redirect (see RedirectAction.port).
 */
export function redirectLocation(
  route: Route,
  r: RedirectAction,
  scheme: string,
  forwardedProto: string,
  authority: string,
  path: string,
  query: string,
): string {
  const newScheme = r.scheme ?? scheme;
  const port = r.port !== undefined ? `:${r.port}` : '';
  const host = r.host ?? requestHost(authority, newScheme, port, forwardedProto);
  let newPath: string;
  if (r.path !== undefined) {
    newPath = r.path.includes('?') || !query ? r.path : `${r.path}?${query}`;
  } else if (r.prefixRewrite !== undefined) {
    const p = r.prefixRewrite + path.slice(matchedLength(route, path));
    newPath = (p || '/') + (query ? `?${query}` : '');
  } else {
    newPath = path + (query ? `?${query}` : '');
  }
  if (!newPath.startsWith('/')) newPath = `/${newPath}`;
  return `${newScheme}://${host}${port}${newPath}`;
}

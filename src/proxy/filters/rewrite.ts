// Path rewrite and redirect, Envoy RouteAction / RedirectAction semantics
// (envoyproxy/envoy source/common/router/config_impl.cc finalizePathHeader, newUri; docs
// api-v3 config/route/v3/route_components.proto RedirectAction).
import type { ForwardAction, RedirectAction, Route } from '../../compile/snapshot.js';
import { splitAuthority } from '../../units/index.js';

/** Splits `/a/b?x=1` into ['/a/b', 'x=1']. */
export function splitPath(pathWithQuery: string): [string, string] {
  const q = pathWithQuery.indexOf('?');
  return q < 0 ? [pathWithQuery, ''] : [pathWithQuery.slice(0, q), pathWithQuery.slice(q + 1)];
}

/** The matched prefix to replace: the route's exact/prefix value, or `/` for a route without a path matcher. */
function matchedPrefixLength(route: Route): number {
  const p = route.match.path;
  if (!p) return 1;
  if (p.kind === 'prefix' || p.kind === 'exact') return p.value.length;
  return 0;
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
    next = action.prefixRewrite + path.slice(matchedPrefixLength(route));
    if (next === '') next = '/';
  } else if (action.regexRewrite) {
    next = action.regexRewrite.regex.replaceAll(path, action.regexRewrite.substitution);
  }
  if (next === undefined) return undefined;
  return query ? `${next}?${query}` : next;
}

/** The Location of a redirect; port 80 with http and 443 with https are omitted. */
export function redirectLocation(
  route: Route,
  r: RedirectAction,
  scheme: string,
  authority: string,
  path: string,
  query: string,
): string {
  const newScheme = r.scheme ?? scheme;
  const { host: reqHost, port: reqPort } = splitAuthority(authority);
  let host = reqHost;
  let port: string | undefined = reqPort;
  if (r.host !== undefined) {
    ({ host, port } = splitAuthority(r.host));
  }
  if (r.port !== undefined) port = String(r.port);
  else if (r.derivePort === 'FROM_PROTOCOL_DEFAULT') port = newScheme === 'https' ? '443' : '80';
  else if (r.derivePort === 'FROM_REQUEST_PORT') port = reqPort;
  else if (r.scheme !== undefined && r.scheme !== scheme) port = undefined;
  if ((newScheme === 'http' && port === '80') || (newScheme === 'https' && port === '443'))
    port = undefined;
  let newPath: string;
  if (r.path !== undefined) {
    newPath = r.path.includes('?') || !query ? r.path : `${r.path}?${query}`;
  } else if (r.prefixRewrite !== undefined) {
    const p = r.prefixRewrite + path.slice(matchedPrefixLength(route));
    newPath = (p || '/') + (query ? `?${query}` : '');
  } else {
    newPath = path + (query ? `?${query}` : '');
  }
  return `${newScheme}://${host}${port ? ':' + port : ''}${newPath}`;
}

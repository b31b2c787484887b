// HTTPMatchRequest -> Envoy RouteMatch (istio/istio pilot/pkg/networking/core/route/route.go
// TranslateRouteMatch, translateHeaderMatch, translateQueryParamMatch) and the static, per-proxy
// predicates port / sourceLabels / sourceNamespace / gateways (route.go sourceMatchHTTP).
import type { HTTPMatchRequest, StringMatch } from '../config/istio-types.js';
import { labelsMatch, resolveGatewayName } from '../config/names.js';
import { compileRe2 } from '../runtime/regex.js';
import { strings } from '../registry/shape.js';
import type { HeaderMatcher, QueryParamMatcher, RouteMatch, StringMatcher } from './snapshot.js';

/** The proxy-side facts static predicates are evaluated against. */
export interface MatchContext {
  proxyLabels: Readonly<Record<string, string>>;
  proxyNamespace: string;
  /** The gateway being compiled (`ns/name`) or `mesh` for sidecars. */
  gateways: ReadonlySet<string>;
  listenerPort: number;
  vsNamespace: string;
}

/** Istio `{}` or `regex: "*"` on a header means presence. */
function stringMatcher(m: StringMatch | undefined, ignoreCase = false): StringMatcher | undefined {
  if (!m || typeof m !== 'object') return { kind: 'present' };
  // ignoreUriCase: the match value is lower-cased here, once, not per request.
  const folded = (value: string) =>
    ignoreCase ? { ignoreCase, lowerValue: value.toLowerCase() } : {};
  if (typeof m.exact === 'string') return { kind: 'exact', value: m.exact, ...folded(m.exact) };
  if (typeof m.prefix === 'string') return { kind: 'prefix', value: m.prefix, ...folded(m.prefix) };
  if (typeof m.regex === 'string') {
    if (m.regex === '*') return { kind: 'present' };
    return { kind: 'regex', value: m.regex, regex: compileRe2(m.regex) };
  }
  return { kind: 'present' };
}

const PSEUDO_FIELDS = new Set(['uri', 'scheme', 'method', 'authority']);

/**
 * True when the static predicates of a match block hold for this proxy and listener (route.go
 * translateRoute port check, sourceMatchHTTP: a block naming gateways applies only at those and
 * ignores sourceLabels/sourceNamespace; VS-level gateways were applied when selecting the VS).
 */
export function staticMatch(
  m: Pick<HTTPMatchRequest, 'port' | 'gateways' | 'sourceLabels' | 'sourceNamespace'> | undefined,
  ctx: MatchContext,
): boolean {
  if (!m) return true;
  if (typeof m.port === 'number' && m.port !== 0 && m.port !== ctx.listenerPort) return false;
  if (Array.isArray(m.gateways) && m.gateways.length > 0)
    return strings(m.gateways).some((g) =>
      ctx.gateways.has(resolveGatewayName(g, ctx.vsNamespace)),
    );
  if (
    m.sourceLabels &&
    Object.keys(m.sourceLabels).length > 0 &&
    !labelsMatch(m.sourceLabels, ctx.proxyLabels)
  )
    return false;
  if (
    typeof m.sourceNamespace === 'string' &&
    m.sourceNamespace &&
    m.sourceNamespace !== ctx.proxyNamespace
  )
    return false;
  return true;
}

/** Translates one match block (throws on an invalid regex; callers record and skip). */
export function translateMatch(m: HTTPMatchRequest | undefined): RouteMatch {
  if (!m) return { headers: [], queryParams: [] };
  const headers: HeaderMatcher[] = [];
  const queryParams: QueryParamMatcher[] = [];
  let path: StringMatcher | undefined;
  if (m.uri) {
    const ic = m.ignoreUriCase === true;
    path = stringMatcher(m.uri, ic);
    if (path?.kind === 'present') path = undefined;
    // Envoy prefix "/" is any path.
    if (path?.kind === 'prefix' && path.value === '/') path = undefined;
  }
  if (m.scheme) headers.push({ name: ':scheme', match: stringMatcher(m.scheme)!, invert: false });
  if (m.method) headers.push({ name: ':method', match: stringMatcher(m.method)!, invert: false });
  if (m.authority)
    headers.push({ name: ':authority', match: stringMatcher(m.authority)!, invert: false });
  for (const [name, sm] of Object.entries(m.headers ?? {})) {
    const lower = name.toLowerCase();
    if (PSEUDO_FIELDS.has(lower)) continue;
    headers.push({ name: lower, match: stringMatcher(sm ?? undefined)!, invert: false });
  }
  for (const [name, sm] of Object.entries(m.withoutHeaders ?? {})) {
    const lower = name.toLowerCase();
    if (PSEUDO_FIELDS.has(lower)) continue;
    headers.push({ name: lower, match: stringMatcher(sm ?? undefined)!, invert: true });
  }
  for (const [name, sm] of Object.entries(m.queryParams ?? {})) {
    queryParams.push({ name, match: stringMatcher(sm ?? undefined)! });
  }
  return { ...(path ? { path } : {}), headers, queryParams };
}

/** route.go isCatchAllRoute: any path, no header or query conditions. */
export function isCatchAll(match: RouteMatch): boolean {
  const p = match.path;
  const anyPath = !p || (p.kind === 'regex' && (p.value === '*' || p.value === '.*'));
  return anyPath && match.headers.length === 0 && match.queryParams.length === 0;
}

// Words for what the matcher decided: a failed condition as "header end-user exact 'jason' != absent",
// string matchers as Istio's StringMatch spells them (istio/api networking/v1alpha3/virtual_service.proto
// StringMatch exact/prefix/regex), and the route/cluster policies explain lists.
import type { HeaderMatcher, Route, StringMatcher } from '../compile/index.js';
import { headerValue, PATH_CONDITION, queryParam, type MatchInput } from '../proxy/index.js';

/** `exact 'jason'`, `prefix '/api' (ignoring case)`, `regex '.*'`, `present`. */
export function describeStringMatcher(m: StringMatcher): string {
  if (m.kind === 'present') return 'present';
  const ic = m.kind !== 'regex' && m.ignoreCase ? ' (ignoring case)' : '';
  return `${m.kind} '${m.value}'${ic}`;
}

const PSEUDO: Record<string, string> = {
  ':authority': 'authority',
  ':method': 'method',
  ':scheme': 'scheme',
  ':path': 'uri',
};

function quoted(v: string | undefined): string {
  return v === undefined ? 'absent' : `'${v}'`;
}

function headerCondition(h: HeaderMatcher): string {
  const pseudo = PSEUDO[h.name];
  if (pseudo) return `${pseudo} ${describeStringMatcher(h.match)}`;
  return `${h.invert ? 'withoutHeaders' : 'header'} ${h.name} ${describeStringMatcher(h.match)}`;
}

/** Every condition of a route in the matcher's order (failedCondition's numbering). */
export function describeConditions(route: Route): string[] {
  const m = route.match;
  const out = [m.path ? `uri ${describeStringMatcher(m.path)}` : 'uri any'];
  for (const h of m.headers) out.push(headerCondition(h));
  for (const q of m.queryParams)
    out.push(`queryParams ${q.name} ${describeStringMatcher(q.match)}`);
  return out;
}

/**
 * The condition `failed` (a failedCondition number) with what the request had, e.g.
 * `header end-user exact 'jason' != absent`, `withoutHeaders x-test present == 'a'`.
 */
export function describeFailure(route: Route, failed: number, input: MatchInput): string {
  const m = route.match;
  if (failed === PATH_CONDITION && m.path)
    return `uri ${describeStringMatcher(m.path)} != ${quoted(input.path)}`;
  const h = m.headers[failed - 1];
  if (h) {
    const v = headerValue(input, h.name);
    return `${headerCondition(h)} ${h.invert ? '==' : '!='} ${quoted(v)}`;
  }
  const q = m.queryParams[failed - 1 - m.headers.length];
  if (q) {
    return `queryParams ${q.name} ${describeStringMatcher(q.match)} != ${quoted(
      queryParam(input.query, q.name),
    )}`;
  }
  return `condition ${failed}`;
}

/** `http[1] match[0]` (or `http[1]`) from a route's origin; `route[i]` when it has none. */
export function ruleLabel(route: Route, index: number): string {
  const o = route.origin;
  if (!o) return `route[${index}]`;
  return o.match === undefined ? `http[${o.http}]` : `http[${o.http}] match[${o.match}]`;
}

// Rules that can never match: istio/istio pkg/config/validation/validation.go
// analyzeUnreachableHTTPRules / analyzeUnreachableTCPRules / analyzeUnreachableTLSRules and the
// prefix-overlap check (genMatchHTTPRoutes, coveredValidation). istioctl reports them as IST0130
// (VirtualServiceUnreachableRule) and IST0131 (VirtualServiceIneffectiveMatch), messages.yaml templates.
import type { FieldPath } from '../types.js';
import { type Obj, type Report, arr, num, obj, str } from './report.js';

/** Go's json.Marshal of a match with omitempty: zero values dropped, keys sorted for comparison. */
function canonical(v: unknown, dropName: boolean): string {
  const norm = (x: unknown, top: boolean): unknown => {
    if (Array.isArray(x)) return x.map((e) => norm(e, false));
    if (x && typeof x === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(x).sort()) {
        if (top && dropName && k === 'name') continue;
        const val = (x as Obj)[k];
        if (val === null || val === undefined || val === '' || val === 0 || val === false) continue;
        if (Array.isArray(val) && val.length === 0) continue;
        out[k] = norm(val, false);
      }
      return out;
    }
    return x;
  };
  return JSON.stringify(norm(v, true));
}

// routeName / requestName: %q of the name for HTTP, else #index.
const ruleName = (route: Obj | undefined, n: number, http: boolean): string =>
  http && str(route?.name) ? JSON.stringify(str(route?.name)) : `#${n}`;
const matchName = (match: Obj | undefined, n: number, http: boolean): string =>
  http && str(match?.name) ? JSON.stringify(str(match?.name)) : `#${n}`;

interface PrefixMatch {
  route: string;
  match: string;
  prefix: string;
  port: number;
  method: string;
  authority: string;
  headers: Record<string, string>;
  queryParams: Record<string, string>;
  withoutHeaders: Record<string, string>;
  path: FieldPath;
}

// assignExactOrPrefix
function exactOrPrefix(sm: unknown): string {
  const o = obj(sm);
  if (str(o?.exact)) return `exact:${str(o?.exact)}`;
  if (str(o?.prefix)) return `prefix:${str(o?.prefix)}`;
  return '';
}

function stringMatchMap(m: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(m) ?? {})) out[k] = exactOrPrefix(v);
  return out;
}

// coveredValidation: does earlier prefix match a cover later match b?
function covered(a: PrefixMatch, b: PrefixMatch): boolean {
  if (!b.prefix.startsWith(a.prefix)) return false;
  if (b.port !== a.port) return false;
  if (a.method !== b.method && !a.method.startsWith(b.method)) return false;
  if (a.authority !== b.authority && !a.authority.startsWith(b.authority)) return false;
  for (const [am, bm] of [
    [a.headers, b.headers],
    [a.queryParams, b.queryParams],
    [a.withoutHeaders, b.withoutHeaders],
  ] as const) {
    if (Object.keys(am).length !== Object.keys(bm).length) return false;
    for (const [k, v] of Object.entries(am)) {
      const bv = bm[k];
      if (bv === undefined) return false;
      if (v !== bv && !v.startsWith(bv)) return false;
    }
  }
  return true;
}

function unused(r: Report, path: FieldPath, ruleno: string, reason: string): void {
  r.warn(
    path,
    `VirtualService rule ${ruleno} not used (${reason}).`,
    'remove the rule or reorder it before the rule that shadows it',
    'IST0130',
  );
}

function ineffective(
  r: Report,
  path: FieldPath,
  ruleno: string,
  matchno: string,
  dupno: string,
): void {
  r.warn(
    path,
    `VirtualService rule ${ruleno} match ${matchno} is not used (duplicate/overlapping match in rule ${dupno}).`,
    'remove the match or move it before the match that covers it',
    'IST0131',
  );
}

function analyzeRules(r: Report, kind: 'http' | 'tcp' | 'tls', routesRaw: unknown[]): void {
  const http = kind === 'http';
  const routes = routesRaw.map(obj);
  const seen = new Map<string, number>();
  let emptyMatch = -1;
  const prefixes: PrefixMatch[] = [];
  routes.forEach((route, n) => {
    if (!route) return;
    const rp: FieldPath = ['spec', kind, n];
    const matches = arr(route.match);
    if (matches.length === 0) {
      if (emptyMatch >= 0)
        unused(r, rp, ruleName(route, n, http), 'only the last rule can have no matches');
      emptyMatch = n;
      return;
    }
    let dups = 0;
    matches.forEach((m, j) => {
      const mo = obj(m);
      // A match-less rule earlier catches everything: each match of a later rule is unreachable.
      if (emptyMatch >= 0) {
        unused(
          r,
          [...rp, 'match', j],
          ruleName(route, n, http),
          'route without matches defined before',
        );
        return;
      }
      const key = canonical(m, http);
      const dup = seen.get(key);
      if (dup !== undefined) {
        ineffective(
          r,
          [...rp, 'match', j],
          ruleName(route, n, http),
          matchName(mo, j, http),
          ruleName(routes[dup], dup, http),
        );
        dups++;
        return;
      }
      seen.set(key, n);
      const prefix = str(obj(mo?.uri)?.prefix);
      if (http && mo && prefix !== '') {
        prefixes.push({
          route: ruleName(route, n, true),
          match: matchName(mo, j, true),
          prefix,
          port: num(mo.port),
          method: exactOrPrefix(mo.method) || 'exact:GET',
          authority: exactOrPrefix(mo.authority),
          headers: stringMatchMap(mo.headers),
          queryParams: stringMatchMap(mo.queryParams),
          withoutHeaders: stringMatchMap(mo.withoutHeaders),
          path: [...rp, 'match', j],
        });
      }
    });
    if (dups === matches.length)
      unused(r, rp, ruleName(route, n, http), 'all matches used by prior rules');
  });
  for (let i = 0; i < prefixes.length; i++)
    for (let j = i + 1; j < prefixes.length; j++) {
      const a = prefixes[i]!;
      const b = prefixes[j]!;
      if (a.prefix === b.prefix) continue;
      if (covered(a, b))
        ineffective(
          r,
          b.path,
          b.route,
          `${b.match} of prefix ${b.prefix}`,
          `${a.match} of prefix ${a.prefix} on ${a.route}`,
        );
    }
}

/** Adds IST0130/IST0131 warnings for a VirtualService spec. */
export function analyzeUnreachable(r: Report, spec: Obj): void {
  analyzeRules(r, 'http', arr(spec.http));
  analyzeRules(r, 'tcp', arr(spec.tcp));
  analyzeRules(r, 'tls', arr(spec.tls));
}

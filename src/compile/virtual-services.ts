// VirtualService selection and delegation: which VSs a proxy sees for a gateway (or `mesh`), in
// Istio's precedence order (istio/istio pilot/pkg/model/push_context.go virtualServiceIndex: private,
// exported to the namespace, then public, each in creation order), and one level of `delegate`
// (pilot/pkg/model/virtualservice.go mergeVirtualServicesIfNeeded, mergeHTTPRoute, hasConflict).
import type { ConfigSnapshot } from '../config/snapshot.js';
import type {
  HTTPMatchRequest,
  HTTPRoute,
  StringMatch,
  VirtualServiceSpec,
} from '../config/istio-types.js';
import type { Resource } from '../config/types.js';
import {
  isVisibleTo,
  resolveGatewayName,
  resolveShortName,
  virtualServiceGateways,
} from '../config/names.js';
import { objects, strings } from '../registry/shape.js';
import type { RouteMemo } from './route-memo.js';
import { WarningList } from './warnings.js';
import { UNITS_PER_YIELD, type Steps } from '../runtime/steps.js';

export interface VirtualServiceInfo {
  resource: Resource;
  name: string;
  namespace: string;
  spec: VirtualServiceSpec;
  /** Resolved, lower-case hosts. */
  hosts: string[];
  /** Resolved VS-level gateways (`mesh` when empty). */
  gateways: string[];
  /** http rules with delegates merged in. */
  http: HTTPRoute[];
}

function exportClass(spec: VirtualServiceSpec, vsNs: string, viewerNs: string): number {
  const e = spec.exportTo;
  if (!e || e.length === 0 || e.includes('*')) return 2;
  if (e.includes('.') && vsNs === viewerNs) return 0;
  return 1;
}

/** VirtualServices with hosts bound to `gateway` (`mesh` or `ns/name`) and visible to `viewerNs`. */
export function virtualServicesFor(
  config: ConfigSnapshot,
  gateway: string,
  viewerNs: string,
  warnings: WarningList,
  memo?: RouteMemo,
): VirtualServiceInfo[] {
  // Once per config snapshot, not once per proxy (the list is only read); per VS object, not per
  // snapshot, for VSs without delegates (their info depends on nothing else).
  if (memo)
    return memo.virtualServices(config, `${gateway}|${viewerNs}`, warnings, (w) =>
      selectVirtualServices(config, gateway, viewerNs, w, memo.vsInfos),
    );
  return selectVirtualServices(config, gateway, viewerNs, warnings);
}

/** Per VS object and `gateway|viewerNs`: its info and export class, or null when not selected. */
export type VsInfoCache = WeakMap<
  Resource,
  Map<string, { info: VirtualServiceInfo; cls: number } | null>
>;

function remember(
  infos: VsInfoCache,
  r: Resource,
  key: string,
  v: { info: VirtualServiceInfo; cls: number } | null,
): void {
  let m = infos.get(r);
  if (!m) infos.set(r, (m = new Map()));
  m.set(key, v);
}

/** One VS's info for a gateway and viewer, or null when it is not selected there. */
function vsInfoOf(
  config: ConfigSnapshot,
  r: Resource,
  gateway: string,
  viewerNs: string,
  warnings: WarningList,
): { info: VirtualServiceInfo; cls: number; cacheable: boolean } | null {
  const spec = (r.spec ?? {}) as VirtualServiceSpec;
  const hosts = strings(spec.hosts);
  if (hosts.length === 0) return null; // delegates are reached through a root only
  const ns = r.metadata.namespace;
  if (!isVisibleTo(spec.exportTo, ns, viewerNs)) return null;
  // push_context.go getGatewayNames: only the VS-level gateways bind it; match-level ones narrow.
  const gateways = virtualServiceGateways(spec.gateways, ns);
  if (!gateways.includes(gateway)) return null;
  return {
    info: {
      resource: r,
      name: r.metadata.name,
      namespace: ns,
      spec,
      hosts: hosts.map((h) => resolveShortName(h, ns).toLowerCase()),
      gateways,
      http: mergeDelegates(config, r, spec, warnings),
    },
    cls: exportClass(spec, ns, viewerNs),
    // A delegating VS reads its delegates from the snapshot: recomputed each time.
    cacheable: !objects<HTTPRoute>(spec.http).some((h) => h.delegate),
  };
}

/**
 * Fills the memo's per-VS infos for a gateway and viewer in steps (runtime/steps.ts), so the first
 * compile after a large apply does not select thousands of new VirtualServices in one block.
 */
export function* warmVirtualServices(
  config: ConfigSnapshot,
  gateway: string,
  viewerNs: string,
  memo: RouteMemo | undefined,
): Steps<void> {
  if (!memo) return;
  const key = `${gateway}|${viewerNs}`;
  let units = 0;
  for (const r of config.byKind('VirtualService')) {
    if (memo.vsInfos.get(r)?.has(key)) continue;
    if (++units % UNITS_PER_YIELD === 0) yield;
    const http = (r.spec as VirtualServiceSpec | undefined)?.http;
    // Delegating VSs are never kept (and may warn): selection computes them.
    if (Array.isArray(http) && http.some((h) => h && typeof h === 'object' && h.delegate)) continue;
    const v = vsInfoOf(config, r, gateway, viewerNs, new WarningList());
    remember(memo.vsInfos, r, key, v && { info: v.info, cls: v.cls });
  }
}

function selectVirtualServices(
  config: ConfigSnapshot,
  gateway: string,
  viewerNs: string,
  warnings: WarningList,
  infos?: VsInfoCache,
): VirtualServiceInfo[] {
  const key = `${gateway}|${viewerNs}`;
  const out: { info: VirtualServiceInfo; cls: number; idx: number }[] = [];
  config.byKind('VirtualService').forEach((r, idx) => {
    const known = infos?.get(r)?.get(key);
    if (known !== undefined) {
      if (known) out.push({ info: known.info, cls: known.cls, idx });
      return;
    }
    const v = vsInfoOf(config, r, gateway, viewerNs, warnings);
    if (v) out.push({ info: v.info, cls: v.cls, idx });
    if (infos && (!v || v.cacheable)) remember(infos, r, key, v && { info: v.info, cls: v.cls });
  });
  out.sort((a, b) => a.cls - b.cls || a.idx - b.idx);
  return out.map((o) => o.info);
}

function mergeDelegates(
  config: ConfigSnapshot,
  root: Resource,
  spec: VirtualServiceSpec,
  warnings: WarningList,
): HTTPRoute[] {
  const http = objects<HTTPRoute>(spec.http);
  if (!http.some((h) => h.delegate)) return http;
  const out: HTTPRoute[] = [];
  const rootNs = root.metadata.namespace;
  for (const route of http) {
    if (!route.delegate) {
      out.push(route);
      continue;
    }
    const dns = route.delegate.namespace || rootNs;
    const d = route.delegate.name
      ? config.get('VirtualService', dns, route.delegate.name)
      : undefined;
    const dspec = d?.spec as VirtualServiceSpec | undefined;
    if (!d || !dspec || (dspec.hosts && dspec.hosts.length > 0)) {
      warnings.add(
        `delegate ${dns}/${route.delegate.name ?? ''} not found; route skipped`,
        `VirtualService ${rootNs}/${root.metadata.name}`,
      );
      continue;
    }
    if (!isVisibleTo(dspec.exportTo, dns, rootNs)) {
      warnings.add(
        `delegate ${dns}/${route.delegate.name ?? ''} is not exported to ${rootNs}; route skipped`,
        `VirtualService ${rootNs}/${root.metadata.name}`,
      );
      continue;
    }
    for (const leaf of objects<HTTPRoute>(dspec.http)) {
      if (leaf.delegate) continue; // one level only
      const merged = mergeHttpRoute(withGatewaysResolved(route, rootNs), leaf, dns);
      if (merged) out.push(merged);
      // Istio logs the conflict (virtualservice.go mergeHTTPRoute "HTTPMatchRequests conflict").
      else
        warnings.add(
          `HTTPMatchRequests conflict: root route ${route.name ?? ''}, delegate route ${leaf.name ?? ''}; delegate route dropped`,
          `VirtualService ${rootNs}/${root.metadata.name}`,
        );
    }
  }
  return out;
}

/**
 * Match-level gateway names as `ns/name`, resolved in the VirtualService's own namespace, as Istio
 * resolves every VirtualService before merging delegates (virtualservice.go
 * ResolveVirtualServiceShortnames), so root and delegate names compare and bind correctly.
 */
function withGatewaysResolved(route: HTTPRoute, ns: string): HTTPRoute {
  if (!objects<HTTPMatchRequest>(route.match).some((m) => m.gateways)) return route;
  return {
    ...route,
    match: objects<HTTPMatchRequest>(route.match).map((m) =>
      m.gateways
        ? { ...m, gateways: strings(m.gateways).map((g) => resolveGatewayName(g, ns)) }
        : m,
    ),
  };
}

/** Resolves delegate destination hosts and match gateways in the delegate's namespace. */
function resolveLeafHosts(leafIn: HTTPRoute, ns: string): HTTPRoute {
  const leaf = withGatewaysResolved(leafIn, ns);
  const fix = <T extends { host?: string }>(d: T | undefined): T | undefined =>
    d && d.host ? { ...d, host: resolveShortName(d.host, ns) } : d;
  return {
    ...leaf,
    ...(leaf.route
      ? { route: leaf.route.map((r) => ({ ...r, destination: fix(r.destination) })) }
      : {}),
    ...(leaf.mirror ? { mirror: fix(leaf.mirror) } : {}),
    ...(leaf.mirrors
      ? { mirrors: leaf.mirrors.map((m) => ({ ...m, destination: fix(m.destination) })) }
      : {}),
  };
}

// virtualservice.go mergeHTTPRoute: the root's match blocks are merged into the delegate route's
// (mergeHTTPMatchRequests); a conflict drops the delegate route; unset fields inherit the root's.
function mergeHttpRoute(root: HTTPRoute, leafIn: HTTPRoute, leafNs: string): HTTPRoute | undefined {
  const leaf = resolveLeafHosts(leafIn, leafNs);
  const match = mergeMatchRequests(objects(root.match), objects(leaf.match));
  if (match === 'conflict') return undefined;
  const name = root.name ? (leaf.name ? `${root.name}-${leaf.name}` : root.name) : leaf.name;
  const out: HTTPRoute = { ...leaf };
  delete out.delegate;
  if (name !== undefined) out.name = name;
  if (match.length > 0) out.match = match;
  else delete out.match;
  if (out.rewrite === undefined && root.rewrite) out.rewrite = root.rewrite;
  if (out.directResponse === undefined && root.directResponse)
    out.directResponse = root.directResponse;
  if (out.timeout === undefined && root.timeout) out.timeout = root.timeout;
  if (out.retries === undefined && root.retries) out.retries = root.retries;
  if (out.fault === undefined && root.fault) out.fault = root.fault;
  if (out.mirror === undefined && root.mirror) out.mirror = root.mirror;
  if (out.mirrorPercent === undefined && root.mirrorPercent !== undefined)
    out.mirrorPercent = root.mirrorPercent;
  if (out.mirrorPercentage === undefined && root.mirrorPercentage)
    out.mirrorPercentage = root.mirrorPercentage;
  if (out.corsPolicy === undefined && root.corsPolicy) out.corsPolicy = root.corsPolicy;
  if (out.mirrors === undefined && root.mirrors) out.mirrors = root.mirrors;
  if (out.headers === undefined && root.headers) out.headers = root.headers;
  return out;
}

/**
 * virtualservice.go mergeHTTPMatchRequests: every delegate match block must fit at least one root
 * block (each fitting pair is merged); one that fits none is a conflict that drops the whole route.
 */
function mergeMatchRequests(
  root: HTTPMatchRequest[],
  leaf: HTTPMatchRequest[],
): HTTPMatchRequest[] | 'conflict' {
  if (root.length === 0) return leaf;
  if (leaf.length === 0) return root;
  const out: HTTPMatchRequest[] = [];
  for (const lm of leaf) {
    let found = false;
    for (const rm of root) {
      if (hasConflict(rm, lm)) continue;
      out.push(mergeMatch(rm, lm));
      found = true;
    }
    if (!found) return 'conflict';
  }
  return out.length > 0 ? out : 'conflict';
}

// virtualservice.go stringMatchConflict: the leaf must narrow the root (exact within exact, prefix or
// exact within prefix); a regex on either side conflicts with any other match on the other.
function stringMatchConflict(
  root: StringMatch | undefined,
  leaf: StringMatch | undefined,
): boolean {
  if (!root || !leaf) return false;
  if (root.regex && (leaf.regex || leaf.prefix || leaf.exact)) return true;
  if (leaf.regex && (root.regex || root.prefix || root.exact)) return true;
  if (root.exact) return !!leaf.prefix || leaf.exact !== root.exact;
  if (root.prefix) {
    if (leaf.prefix) return !leaf.prefix.startsWith(root.prefix);
    if (leaf.exact) return !leaf.exact.startsWith(root.prefix);
  }
  return true;
}

// virtualservice.go hasConflict: the leaf block must be a subset of the root block.
function hasConflict(root: HTTPMatchRequest, leaf: HTTPMatchRequest): boolean {
  const fields = ['uri', 'scheme', 'method', 'authority'] as const;
  if (fields.some((f) => stringMatchConflict(root[f], leaf[f]))) return true;
  const maps = ['headers', 'withoutHeaders', 'queryParams'] as const;
  for (const m of maps)
    for (const [k, v] of Object.entries(leaf[m] ?? {}))
      if (stringMatchConflict(root[m]?.[k], v)) return true;
  if ((root.ignoreUriCase ?? false) !== (leaf.ignoreUriCase ?? false)) return true;
  if (root.port && leaf.port && root.port !== leaf.port) return true;
  if (root.sourceNamespace && leaf.sourceNamespace !== root.sourceNamespace) return true;
  for (const [k, v] of Object.entries(leaf.sourceLabels ?? {}))
    if (root.sourceLabels && k in root.sourceLabels && root.sourceLabels[k] !== v) return true;
  const rg = root.gateways ?? [];
  const lg = leaf.gateways ?? [];
  if (rg.length > 0 && lg.length > 0) {
    if (rg.length < lg.length) return true;
    if (lg.some((g) => !rg.includes(g))) return true;
  }
  return false;
}

// virtualservice.go mergeHTTPMatchRequest: the delegate's block, with the root's fields where unset
// and the root's maps under the delegate's entries.
function mergeMatch(root: HTTPMatchRequest, leaf: HTTPMatchRequest): HTTPMatchRequest {
  const out: HTTPMatchRequest = { ...leaf };
  const name = leaf.name ? (root.name ? `${root.name}-${leaf.name}` : leaf.name) : root.name;
  if (name) out.name = name;
  const fields = ['uri', 'scheme', 'method', 'authority'] as const;
  for (const f of fields) if (out[f] === undefined && root[f] !== undefined) out[f] = root[f];
  const maps = ['headers', 'withoutHeaders', 'queryParams', 'sourceLabels'] as const;
  for (const k of maps) {
    if (root[k] || leaf[k])
      (out as Record<string, unknown>)[k] = { ...(root[k] ?? {}), ...(leaf[k] ?? {}) };
  }
  if (!out.port && root.port) out.port = root.port;
  if (!out.sourceNamespace && root.sourceNamespace) out.sourceNamespace = root.sourceNamespace;
  if ((out.gateways ?? []).length === 0 && root.gateways) out.gateways = root.gateways;
  if (!out.statPrefix && root.statPrefix) out.statPrefix = root.statPrefix;
  return out;
}

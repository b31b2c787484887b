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
import { isVisibleTo, resolveShortName, virtualServiceGateways } from '../config/names.js';
import { objects, strings } from '../registry/shape.js';
import type { WarningList } from './warnings.js';

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
): VirtualServiceInfo[] {
  const out: { info: VirtualServiceInfo; cls: number; idx: number }[] = [];
  config.byKind('VirtualService').forEach((r, idx) => {
    const spec = (r.spec ?? {}) as VirtualServiceSpec;
    const hosts = strings(spec.hosts);
    if (hosts.length === 0) return; // delegates are reached through a root only
    const ns = r.metadata.namespace;
    if (!isVisibleTo(spec.exportTo, ns, viewerNs)) return;
    // push_context.go getGatewayNames: only the VS-level gateways bind it; match-level ones narrow.
    const gateways = virtualServiceGateways(spec.gateways, ns);
    if (!gateways.includes(gateway)) return;
    out.push({
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
      idx,
    });
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
      const merged = mergeHttpRoute(route, leaf, dns);
      if (merged) out.push(merged);
    }
  }
  return out;
}

/** Resolves delegate destination hosts in the delegate's namespace before they join the root. */
function resolveLeafHosts(leaf: HTTPRoute, ns: string): HTTPRoute {
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

function mergeHttpRoute(root: HTTPRoute, leafIn: HTTPRoute, leafNs: string): HTTPRoute | undefined {
  const leaf = resolveLeafHosts(leafIn, leafNs);
  const rootMatches = root.match ?? [];
  const leafMatches = leaf.match ?? [];
  let match: HTTPMatchRequest[] | undefined;
  if (rootMatches.length === 0) match = leafMatches.length > 0 ? leafMatches : undefined;
  else if (leafMatches.length === 0) match = rootMatches;
  else {
    match = [];
    for (const lm of leafMatches) {
      for (const rm of rootMatches) {
        if (hasConflict(rm, lm)) continue;
        match.push(mergeMatch(rm, lm));
      }
    }
    if (match.length === 0) return undefined;
  }
  const name = root.name ? (leaf.name ? `${root.name}-${leaf.name}` : root.name) : leaf.name;
  const out: HTTPRoute = { ...leaf };
  delete out.delegate;
  if (name !== undefined) out.name = name;
  if (match) out.match = match;
  else delete out.match;
  // Unset delegate fields inherit from the root.
  if (out.rewrite === undefined && root.rewrite) out.rewrite = root.rewrite;
  if (out.timeout === undefined && root.timeout) out.timeout = root.timeout;
  if (out.retries === undefined && root.retries) out.retries = root.retries;
  if (out.fault === undefined && root.fault) out.fault = root.fault;
  if (out.mirror === undefined && root.mirror) out.mirror = root.mirror;
  if (out.mirrors === undefined && root.mirrors) out.mirrors = root.mirrors;
  if (out.mirrorPercentage === undefined && root.mirrorPercentage)
    out.mirrorPercentage = root.mirrorPercentage;
  if (out.corsPolicy === undefined && root.corsPolicy) out.corsPolicy = root.corsPolicy;
  if (out.headers === undefined && root.headers) out.headers = root.headers;
  if (out.directResponse === undefined && root.directResponse && !out.route)
    out.directResponse = root.directResponse;
  return out;
}

function sameString(a: StringMatch | undefined, b: StringMatch | undefined): boolean {
  if (!a || !b) return true;
  return a.exact === b.exact && a.prefix === b.prefix && a.regex === b.regex;
}

// virtualservice.go hasConflict: the leaf match must be a subset of the root match.
function hasConflict(root: HTTPMatchRequest, leaf: HTTPMatchRequest): boolean {
  if (root.uri && leaf.uri) {
    const r = root.uri;
    const l = leaf.uri;
    if (r.exact !== undefined && l.exact !== r.exact) return true;
    if (r.prefix !== undefined) {
      const lv = l.exact ?? l.prefix;
      if (lv === undefined || !lv.startsWith(r.prefix)) return true;
    }
    if (r.regex !== undefined && l.regex !== r.regex) return true;
  }
  if (!sameString(root.scheme, leaf.scheme)) return true;
  if (!sameString(root.method, leaf.method)) return true;
  if (!sameString(root.authority, leaf.authority)) return true;
  for (const [k, v] of Object.entries(root.headers ?? {}))
    if (leaf.headers?.[k] && !sameString(v, leaf.headers[k])) return true;
  for (const [k, v] of Object.entries(root.queryParams ?? {}))
    if (leaf.queryParams?.[k] && !sameString(v, leaf.queryParams[k])) return true;
  if (root.port && leaf.port && root.port !== leaf.port) return true;
  if (
    root.ignoreUriCase !== undefined &&
    leaf.ignoreUriCase !== undefined &&
    root.ignoreUriCase !== leaf.ignoreUriCase
  )
    return true;
  return false;
}

function mergeMatch(root: HTTPMatchRequest, leaf: HTTPMatchRequest): HTTPMatchRequest {
  const out: HTTPMatchRequest = { ...root, ...leaf };
  const maps = ['headers', 'queryParams', 'withoutHeaders', 'sourceLabels'] as const;
  for (const k of maps) {
    if (root[k] || leaf[k])
      (out as Record<string, unknown>)[k] = { ...(root[k] ?? {}), ...(leaf[k] ?? {}) };
  }
  if (root.name && leaf.name) out.name = `${root.name}-${leaf.name}`;
  return out;
}

// Host and reference names as Istio resolves them (istio/istio pilot/pkg/model/virtualservice.go
// ResolveShortnameToFQDN, pkg/config/host/name.go Matches/SubsetOf, model/config.go exportTo).

export const DEFAULT_DOMAIN_SUFFIX = 'cluster.local';
/** The implicit gateway that means "all sidecars". */
export const MESH_GATEWAY = 'mesh';

/** Short name (no dot) -> `<name>.<namespace>.svc.cluster.local`; names with a dot, `*` and IPs are kept. */
export function resolveShortName(
  host: string,
  namespace: string,
  domain = DEFAULT_DOMAIN_SUFFIX,
): string {
  if (host === '' || host === '*' || host.includes('.') || isIpAddress(host)) return host;
  // `*` alone is kept; a wildcard short name like `*foo` is invalid and kept for validation to report.
  if (host.startsWith('*')) return host;
  return `${host}.${namespace}.svc.${domain}`;
}

export function isIpAddress(value: string): boolean {
  return isIPv4(value) || isIPv6(value);
}

export function isIPv4(value: string): boolean {
  const parts = value.split('.');
  return (
    parts.length === 4 &&
    parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255 && (p === '0' || !p.startsWith('0')))
  );
}

export function isIPv6(value: string): boolean {
  return value.includes(':') && /^[0-9a-fA-F:.]+$/.test(value) && value.split('::').length <= 2;
}

export function isWildcard(host: string): boolean {
  return host.startsWith('*');
}

/**
 * True when `a` matches `b` in either direction as Istio host names do: equal, or one is a
 * wildcard (`*.foo.com`, `*`) covering the other (istio/istio pkg/config/host Name.Matches).
 */
export function hostsIntersect(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y || x === '*' || y === '*') return true;
  if (isWildcard(x) && isWildcard(y))
    return x.length > y.length ? x.endsWith(y.slice(1)) : y.endsWith(x.slice(1));
  if (isWildcard(x)) return y.endsWith(x.slice(1));
  if (isWildcard(y)) return x.endsWith(y.slice(1));
  return false;
}

/** True when every name `inner` covers is also covered by `outer` (pkg/config/host Name.SubsetOf). */
export function hostSubsetOf(inner: string, outer: string): boolean {
  const i = inner.toLowerCase();
  const o = outer.toLowerCase();
  if (o === '*' || i === o) return true;
  if (!isWildcard(o)) return false;
  return i.endsWith(o.slice(1));
}

/** Does a concrete host name (no wildcard) match a pattern host (`*.x`, `*`, or exact)? */
export function hostMatches(name: string, pattern: string): boolean {
  return hostSubsetOf(name, pattern);
}

/**
 * Resolves a VirtualService `gateways` entry to `namespace/name` (istio/istio model
 * resolveGatewayName); `mesh` stays `mesh`. A dotted legacy form `name.namespace(.svc.cluster.local)` is
 * also accepted, as Istio still does.
 */
export function resolveGatewayName(ref: string, vsNamespace: string): string {
  if (ref === MESH_GATEWAY) return MESH_GATEWAY;
  const slash = ref.indexOf('/');
  if (slash >= 0) return ref;
  const dot = ref.indexOf('.');
  if (dot >= 0) {
    const [name, ns] = ref.split('.');
    return `${ns}/${name}`;
  }
  return `${vsNamespace}/${ref}`;
}

/** The gateways a VirtualService binds to: empty means `mesh` only. */
export function virtualServiceGateways(
  gateways: readonly string[] | undefined,
  vsNamespace: string,
): string[] {
  if (!gateways || gateways.length === 0) return [MESH_GATEWAY];
  return gateways.map((g) => resolveGatewayName(g, vsNamespace));
}

/** Splits a Gateway/Sidecar `ns/host` entry; no slash means any namespace (`*`). */
export function splitNamespacedHost(entry: string): { namespace: string; host: string } {
  const slash = entry.indexOf('/');
  return slash < 0
    ? { namespace: '*', host: entry }
    : { namespace: entry.slice(0, slash), host: entry.slice(slash + 1) };
}

/**
 * exportTo visibility (istio/istio pilot/pkg/model push_context): `*` = everyone, `.` = the
 * config's own namespace, `~` = nobody, a name = that namespace. Empty = mesh default (`*`).
 */
export function isVisibleTo(
  exportTo: readonly string[] | undefined,
  configNamespace: string,
  viewerNamespace: string,
  meshDefault: readonly string[] = ['*'],
): boolean {
  const list = exportTo && exportTo.length > 0 ? exportTo : meshDefault;
  for (const e of list) {
    if (e === '*') return true;
    if (e === '~') return false;
    if (e === '.' && viewerNamespace === configNamespace) return true;
    if (e === viewerNamespace) return true;
  }
  return false;
}

/** Kubernetes label selector match: every selector pair present in labels. An empty selector matches all. */
export function labelsMatch(
  selector: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

/** A selector as Kubernetes prints it, keys sorted: `app=foo,istio=ingressgateway`. */
export function formatSelector(selector: Readonly<Record<string, string>>): string {
  return Object.keys(selector)
    .sort()
    .map((k) => `${k}=${selector[k]}`)
    .join(',');
}

/** The FQDN of a Kubernetes Service. */
export function serviceFqdn(
  name: string,
  namespace: string,
  domain = DEFAULT_DOMAIN_SUFFIX,
): string {
  return `${name}.${namespace}.svc.${domain}`;
}

// istioctl proxy-config tables from a compiled snapshot (istio/istio istioctl/pkg/writer/envoy/
// configdump/{route,cluster,listener}.go and writer/envoy/clusters/clusters.go): same headers, same
// row order, same cell text (describeRouteDomains, describeMatch, describeManagement).
import {
  PASSTHROUGH_CLUSTER,
  type Cluster,
  type FilterChain,
  type Listener,
  type ProxySnapshot,
  type Route,
  type RouteMatch,
} from './snapshot.js';
import { tabWrite } from './tab-writer.js';
import { formatHostPort } from '../units/index.js';

// route.go unexpandDomains: drop `x.svc.cluster.local` / `x.svc` when the shorter `x` is listed.
function unexpandDomains(domains: readonly string[]): string[] {
  const unique = new Set(domains);
  const drop = new Set<string>();
  for (const h of domains) {
    const full = h.endsWith('.svc.cluster.local') ? h.slice(0, -'.svc.cluster.local'.length) : h;
    if (full !== h && unique.has(full)) drop.add(h);
    const partial = h.endsWith('.svc') ? h.slice(0, -'.svc'.length) : h;
    if (partial !== h && unique.has(partial)) drop.add(h);
  }
  return domains.filter((h) => !drop.has(h));
}

/** route.go describeRouteDomains. */
export function describeRouteDomains(domains: readonly string[]): string {
  if (domains.length === 0) return '';
  if (domains.length === 1) return domains[0]!;
  const withoutPort: string[] = [];
  for (const d of domains) {
    const colons = d.split(':').length - 1;
    if (colons === 0) withoutPort.push(d);
    else if (colons > 2 && d.endsWith(']')) withoutPort.push(d);
  }
  const list = unexpandDomains(withoutPort);
  if (list.length > 2) return `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...`;
  return list.join(', ');
}

/** configdump describeMatch: prefix `p*`, exact path, `regex r`; headers are not shown. */
export function describeMatch(m: RouteMatch): string {
  const p = m.path;
  if (!p) return '/*';
  if (p.kind === 'prefix') return `${p.value}*`;
  if (p.kind === 'exact') return p.value;
  if (p.kind === 'regex') return `regex ${p.value}`;
  return '/*';
}

function isPassthrough(r: Route): boolean {
  return (
    r.action.type === 'forward' &&
    r.action.clusters.length === 1 &&
    r.action.clusters[0]!.clusterName === PASSTHROUGH_CLUSTER
  );
}

/** Route configs: numeric names ascending first (route.go retrieveSortedRouteSlice), others after. */
function sortedTables(s: ProxySnapshot) {
  const tables = [...s.routeTables.values()];
  const numeric = tables
    .filter((t) => /^\d+$/.test(t.name))
    .sort((a, b) => Number(a.name) - Number(b.name));
  return [...numeric, ...tables.filter((t) => !/^\d+$/.test(t.name))];
}

export function routesTable(s: ProxySnapshot, filter: { name?: string } = {}): string {
  const rows: string[][] = [['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'VIRTUAL SERVICE']];
  for (const t of sortedTables(s)) {
    if (filter.name && filter.name !== t.name) continue;
    for (const vh of t.virtualHosts) {
      for (const r of vh.routes) {
        if (isPassthrough(r)) continue;
        rows.push([
          t.name,
          vh.name,
          describeRouteDomains(vh.domains),
          describeMatch(r.match),
          r.virtualService ? `${r.virtualService.name}.${r.virtualService.namespace}` : '',
        ]);
      }
      if (vh.routes.length === 0)
        rows.push([t.name, vh.name, describeRouteDomains(vh.domains), '/*', '404']);
    }
  }
  return tabWrite(rows);
}

function parseKey(name: string): { direction: string; port: number; subset: string; fqdn: string } {
  const parts = name.split('|');
  if (parts.length > 3)
    return {
      direction: parts[0]!,
      port: Number(parts[1]) || 0,
      subset: parts[2]!,
      fqdn: parts.slice(3).join('|'),
    };
  return { direction: '', port: 0, subset: '', fqdn: name };
}

// cluster.go retrieveSortedClusterSlice: by FQDN, then subset, port, direction.
function sortedClusters(s: ProxySnapshot): Cluster[] {
  const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  return [...s.clusters.values()].sort((x, y) => {
    const a = parseKey(x.name);
    const b = parseKey(y.name);
    return (
      cmp(a.fqdn, b.fqdn) ||
      cmp(a.subset, b.subset) ||
      cmp(a.port, b.port) ||
      cmp(a.direction, b.direction)
    );
  });
}

export interface ClusterFilter {
  fqdn?: string;
  port?: number;
  subset?: string;
  direction?: string;
}

function clusterVisible(name: string, f: ClusterFilter): boolean {
  if (f.fqdn && !name.includes(f.fqdn)) return false;
  if (f.direction && !name.includes(f.direction)) return false;
  if (f.subset && !name.includes(f.subset)) return false;
  if (f.port && !name.includes(`|${f.port}|`)) return false;
  return true;
}

export function clustersTable(s: ProxySnapshot, filter: ClusterFilter = {}): string {
  const rows: string[][] = [
    ['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'DESTINATION RULE'],
  ];
  for (const c of sortedClusters(s)) {
    if (!clusterVisible(c.name, filter)) continue;
    const k = parseKey(c.name);
    if (c.name.split('|').length > 3)
      rows.push([
        k.fqdn,
        String(k.port),
        k.subset || '-',
        k.direction,
        c.type,
        c.destinationRule ?? '',
      ]);
    else rows.push([c.name, '-', '-', '-', c.type, c.destinationRule ?? '']);
  }
  return tabWrite(rows);
}

export interface EndpointFilter {
  address?: string;
  port?: number;
  cluster?: string;
  /** Live outlier state from a running proxy (`cluster|address:port` -> FAILED when ejected); offline all OK. */
  outlier?: ReadonlyMap<string, 'OK' | 'FAILED'>;
}

// writer/envoy/clusters/clusters.go: every host of every cluster, sorted by address, port, cluster.
export function endpointsTable(s: ProxySnapshot, filter: EndpointFilter = {}): string {
  const list: { address: string; port: number; cluster: string }[] = [];
  for (const c of s.clusters.values()) {
    if (filter.cluster && filter.cluster.toLowerCase() !== c.name.toLowerCase()) continue;
    for (const e of c.endpoints) {
      if (filter.address && filter.address.toLowerCase() !== e.address.toLowerCase()) continue;
      if (filter.port && filter.port !== e.port) continue;
      list.push({ address: e.address, port: e.port, cluster: c.name });
    }
  }
  list.sort((a, b) =>
    a.address !== b.address
      ? a.address < b.address
        ? -1
        : 1
      : a.port !== b.port
        ? a.port - b.port
        : a.cluster < b.cluster
          ? -1
          : a.cluster > b.cluster
            ? 1
            : 0,
  );
  const rows: string[][] = [['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER']];
  // istioctl: STATUS is the EDS health (our endpoints are the ready ones: HEALTHY); OUTLIER CHECK is
  // FAILED while the host is ejected (istio/istio istioctl/pkg/writer/envoy/clusters/clusters.go).
  for (const e of list) {
    const endpoint = formatHostPort(e.address, e.port);
    const check = filter.outlier?.get(`${e.cluster}|${endpoint}`) ?? 'OK';
    rows.push([endpoint, 'HEALTHY', check, e.cluster]);
  }
  return tabWrite(rows);
}

function chainMatch(fc: FilterChain, listener: Listener): string {
  const parts: string[] = [];
  if (fc.serverNames.length > 0) parts.push(`SNI: ${fc.serverNames.join(',')}`);
  if (fc.http && listener.direction === 'outbound')
    parts.push('Trans: raw_buffer; App: http/1.1,h2c');
  else if (fc.destinationPort !== undefined)
    parts.push(`Trans: raw_buffer; Addr: *:${fc.destinationPort}`);
  const subnets = fc.tcp?.routes.flatMap((r) => r.destinationSubnets ?? []) ?? [];
  if (subnets.length > 0 && fc.destinationPort === undefined)
    parts.push(`Addr: ${subnets.map((a) => (a.includes('/') ? a : `${a}/32`)).join(',')}`);
  return parts.length > 0 ? parts.join('; ') : 'ALL';
}

/** istio/istio pilot/pkg/networking/core/listener.go allIstioMtlsALPNs. */
const ALL_ISTIO_MTLS_ALPNS = 'istio,istio-peer-exchange,istio-http/1.0,istio-http/1.1,istio-h2';

/**
 * The filter chain matches Istio builds for one inbound port in its PeerAuthentication mode
 * (pilot/pkg/networking/core/filterchain_options.go getFilterChainMatchOptions): STRICT has only a
 * tls chain, PERMISSIVE an istio-ALPN tls chain (plus plain TLS for TCP) and a raw_buffer chain,
 * DISABLE only raw_buffer.
 */
function inboundChainMatches(fc: FilterChain): string[] {
  const addr = `Addr: *:${fc.destinationPort}`;
  const mode = fc.mtlsMode ?? 'PERMISSIVE';
  if (mode === 'STRICT') return [`Trans: tls; ${addr}`];
  if (mode === 'DISABLE') return [`Trans: raw_buffer; ${addr}`];
  return [
    `Trans: tls; App: ${ALL_ISTIO_MTLS_ALPNS}; ${addr}`,
    ...(fc.http ? [] : [`Trans: tls; ${addr}`]),
    `Trans: raw_buffer; ${addr}`,
  ];
}

function chainDestination(fc: FilterChain, listenerName: string): string {
  if (fc.http)
    return listenerName === 'virtualInbound'
      ? 'Inline Route: /*'
      : `Route: ${fc.http.routeTableName}`;
  const clusters = fc.tcp?.routes.flatMap((r) => r.clusters.map((c) => c.clusterName)) ?? [];
  const first = clusters[0];
  if (!first) return 'Non-HTTP/Non-TCP';
  if (first === PASSTHROUGH_CLUSTER || first === 'BlackHoleCluster') return first;
  return clusters.length === 1
    ? `Cluster: ${first}`
    : `WeightedCluster: ${[...new Set(clusters)].join(',')}`;
}

export interface ListenerFilter {
  address?: string;
  port?: number;
}

// configdump/listener.go: ADDRESSES, PORT, MATCH, DESTINATION per filter chain, sorted by port.
export function listenersTable(s: ProxySnapshot, filter: ListenerFilter = {}): string {
  const rows: string[][] = [['ADDRESSES', 'PORT', 'MATCH', 'DESTINATION']];
  const listeners = [...s.listeners].sort((a, b) => a.port - b.port);
  for (const l of listeners) {
    if (filter.port && filter.port !== l.port) continue;
    if (filter.address && filter.address !== l.address) continue;
    for (const fc of l.filterChains) {
      const matches =
        l.name === 'virtualInbound' && fc.destinationPort !== undefined
          ? inboundChainMatches(fc)
          : [chainMatch(fc, l)];
      for (const m of matches)
        rows.push([l.address, String(l.port), m, chainDestination(fc, l.name)]);
    }
    // Outbound HTTP listeners fall through to the passthrough/blackhole chain for non-HTTP traffic.
    if (
      l.direction === 'outbound' &&
      l.name !== 'virtualOutbound' &&
      l.filterChains.some((fc) => fc.http)
    )
      rows.push([
        l.address,
        String(l.port),
        'ALL',
        l.outboundTrafficPolicy === 'REGISTRY_ONLY' ? 'BlackHoleCluster' : PASSTHROUGH_CLUSTER,
      ]);
  }
  return tabWrite(rows);
}

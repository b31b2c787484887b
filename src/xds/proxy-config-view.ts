// `istioctl proxy-config <kind> -o json|yaml` over our config dump: istioctl reads Envoy's
// /config_dump, unpacks each resource into its typed message and re-marshals the list with jsonpb
// (lowerCamelCase names, no "@type" on the resources themselves): clusters, listeners, routes and
// endpoints print as JSON arrays, secret and bootstrap as their whole SecretsConfigDump /
// BootstrapConfigDump (istio/istio istioctl/pkg/writer/envoy/configdump cluster.go PrintClusterDump,
// listener.go PrintListenerDump, route.go PrintRouteDump, endpoint.go PrintEndpoints,
// configdump.go PrintSecretDump/PrintBootstrapDump). Filters and sort orders are istioctl's.
import { X509Certificate } from 'node:crypto';
import { stringify as toYaml } from 'yaml';
import {
  renderProxyConfig,
  tabWrite,
  type ProxyConfigOptions,
  type ProxySnapshot,
} from '../compile/index.js';
import { DUMP_TYPE, envoyConfigDump, type ConfigDumpOptions } from './config-dump.js';
import type { ProtoObject } from './protos.js';
import { formatHostPort } from '../units/index.js';

export const ENVOY_DUMP_KINDS = [
  'clusters',
  'listeners',
  'routes',
  'endpoints',
  'eds',
  'secret',
  'bootstrap',
] as const;
export type EnvoyDumpKind = (typeof ENVOY_DUMP_KINDS)[number];

export interface DumpFilter {
  name?: string;
  fqdn?: string;
  port?: string;
  subset?: string;
  direction?: string;
  address?: string;
  cluster?: string;
}

type Obj = ProtoObject;

function withoutType(o: unknown): Obj {
  const { '@type': _t, ...rest } = (o ?? {}) as Obj;
  void _t;
  return rest;
}

function config(dump: Obj, type: string): Obj {
  return ((dump.configs as Obj[]).find((c) => c['@type'] === type) ?? {}) as Obj;
}

function arr(v: unknown): Obj[] {
  return (v ?? []) as Obj[];
}

/** pilot/pkg/model ParseSubsetKey on `direction|port|subset|host`; other names sort by name alone. */
function subsetKey(name: string): {
  direction: string;
  subset: string;
  host: string;
  port: number;
} {
  const parts = name.split('|');
  if (parts.length > 3)
    return {
      direction: parts[0] ?? '',
      port: Number(parts[1]) || 0,
      subset: parts[2] ?? '',
      host: parts[3] ?? '',
    };
  return { direction: '', subset: '', host: name, port: 0 };
}

/** cluster.go retrieveSortedClusterSlice: by host, then subset, port, direction. */
function byClusterName(a: string, b: string): number {
  const x = subsetKey(a);
  const y = subsetKey(b);
  if (x.host !== y.host) return x.host < y.host ? -1 : 1;
  if (x.subset !== y.subset) return x.subset < y.subset ? -1 : 1;
  if (x.port !== y.port) return x.port - y.port;
  return x.direction < y.direction ? -1 : x.direction > y.direction ? 1 : 0;
}

function socket(address: unknown): { address: string; port: number } {
  const sa = ((address ?? {}) as Obj).socketAddress as Obj | undefined;
  return { address: String(sa?.address ?? ''), port: Number(sa?.portValue ?? 0) };
}

function clusters(dump: Obj, f: DumpFilter): Obj[] {
  const c = config(dump, DUMP_TYPE.clusters);
  const all = [
    ...arr(c.dynamicActiveClusters).map((x) => withoutType(x.cluster)),
    ...arr(c.staticClusters).map((x) => withoutType(x.cluster)),
  ];
  // cluster.go ClusterFilter.Verify: substring matches on the name.
  const keep = (cl: Obj) => {
    const name = String(cl.name);
    if (f.fqdn && !name.includes(f.fqdn)) return false;
    if (f.direction && !name.includes(f.direction)) return false;
    if (f.subset && !name.includes(f.subset)) return false;
    if (f.port && !name.includes(`|${f.port}|`)) return false;
    return true;
  };
  return all.filter(keep).sort((a, b) => byClusterName(String(a.name), String(b.name)));
}

function listeners(dump: Obj, f: DumpFilter): Obj[] {
  const c = config(dump, DUMP_TYPE.listeners);
  const all = [
    ...arr(c.dynamicListeners).map((x) =>
      withoutType((x.activeState as Obj | undefined)?.listener),
    ),
    ...arr(c.staticListeners).map((x) => withoutType(x.listener)),
  ];
  // listener.go ListenerFilter.Verify.
  return all.filter((l) => {
    const at = socket(l.address);
    if (f.address && at.address.toLowerCase() !== f.address.toLowerCase()) return false;
    if (f.port && at.port !== Number(f.port)) return false;
    return true;
  });
}

/** route.go retrieveSortedRouteSlice: numeric names ascending; the others keep their place after. */
function routes(dump: Obj, f: DumpFilter): Obj[] {
  const c = config(dump, DUMP_TYPE.routes);
  const all = [
    ...arr(c.dynamicRouteConfigs).map((x) => withoutType(x.routeConfig)),
    ...arr(c.staticRouteConfigs).map((x) => withoutType(x.routeConfig)),
  ].filter((r) => !f.name || r.name === f.name);
  const numeric = all.filter((r) => /^\d+$/.test(String(r.name)));
  numeric.sort((a, b) => Number(a.name) - Number(b.name));
  return [...numeric, ...all.filter((r) => !/^\d+$/.test(String(r.name)))];
}

/** endpoint.go retrieveSortedEndpointsSlice: each ClusterLoadAssignment with the endpoints the filter keeps. */
function endpoints(dump: Obj, f: DumpFilter): Obj[] {
  const c = config(dump, DUMP_TYPE.endpoints);
  const all = [
    ...arr(c.dynamicEndpointConfigs).map((x) => withoutType(x.endpointConfig)),
    ...arr(c.staticEndpointConfigs).map((x) => withoutType(x.endpointConfig)),
  ];
  const out: Obj[] = [];
  for (const cla of all) {
    const cluster = String(cla.clusterName ?? '');
    if (f.cluster && cluster.toLowerCase() !== f.cluster.toLowerCase()) continue;
    let kept = 0;
    const localities = arr(cla.endpoints).map((llb) => {
      const lbEndpoints = arr(llb.lbEndpoints).filter((ep) => {
        const at = socket((ep.endpoint as Obj | undefined)?.address);
        if (f.address && at.address.toLowerCase() !== f.address.toLowerCase()) return false;
        if (f.port && at.port !== Number(f.port)) return false;
        return true;
      });
      kept += lbEndpoints.length;
      return { ...llb, lbEndpoints };
    });
    if (kept > 0) out.push({ ...cla, endpoints: localities });
  }
  return out.sort((a, b) => byClusterName(String(a.clusterName), String(b.clusterName)));
}

/** Envoy's per-host counters then gauges, in its order (envoy/upstream/host_description.h ALL_HOST_STATS). */
const HOST_COUNTERS = [
  'cx_connect_fail',
  'cx_total',
  'rq_error',
  'rq_success',
  'rq_timeout',
  'rq_total',
];
const HOST_GAUGES = ['cx_active', 'rq_active'];

/** A running proxy's view of its hosts, by `cluster|host:port` (absent offline). */
export interface LiveHosts {
  outlier?: ReadonlyMap<string, 'OK' | 'FAILED'>;
  stats?: ReadonlyMap<string, Readonly<Record<string, number>>>;
}

/**
 * `proxy-config endpoints -o json`: istioctl prints Envoy's /clusters?format=json cluster statuses
 * (istio/istio istioctl/pkg/writer/envoy/clusters/clusters.go PrintEndpoints; envoy.admin.v3.ClusterStatus),
 * built here from the EDS the proxy holds plus the running proxy's outlier state and host counters
 * (offline they read 0; proto3 JSON leaves a 0 value out, as Envoy prints it).
 */
function clusterStatuses(dump: Obj, f: DumpFilter, live: LiveHosts): Obj[] {
  return endpoints(dump, f).map((cla) => {
    const name = String(cla.clusterName);
    const hostStatuses = arr(cla.endpoints).flatMap((llb) =>
      arr(llb.lbEndpoints).map((ep) => {
        const endpoint = (ep.endpoint ?? {}) as Obj;
        const at = socket(endpoint.address);
        const key = `${name}|${formatHostPort(at.address, at.port)}`;
        const failed = live.outlier?.get(key) === 'FAILED';
        const counts = live.stats?.get(key) ?? {};
        // SimpleMetric: uint64 values as strings, 0 left out.
        const value = (n: string) => (counts[n] ? { value: String(counts[n]) } : {});
        return {
          address: endpoint.address,
          stats: [
            ...HOST_COUNTERS.map((n) => ({ ...value(n), name: n })),
            ...HOST_GAUGES.map((n) => ({ type: 'GAUGE', ...value(n), name: n })),
          ],
          healthStatus: {
            ...(failed ? { failedOutlierCheck: true } : {}),
            edsHealthStatus: ep.healthStatus ?? 'HEALTHY',
          },
          weight: (ep.loadBalancingWeight as number | undefined) ?? 1,
          ...(typeof endpoint.hostname === 'string' ? { hostname: endpoint.hostname } : {}),
          ...(llb.priority ? { priority: llb.priority } : {}),
          ...(llb.locality ? { locality: llb.locality } : {}),
        };
      }),
    );
    return { name, addedViaApi: true, hostStatuses, observabilityName: name, edsServiceName: name };
  });
}

/** The value `proxy-config <kind> -o json` prints. */
export function proxyConfigDumpView(
  kind: EnvoyDumpKind,
  s: ProxySnapshot,
  f: DumpFilter = {},
  o: Omit<ConfigDumpOptions, 'names' | 'includeEds'> = {},
  live: LiveHosts = {},
): unknown {
  const dump = envoyConfigDump(s, {
    ...o,
    names: 'json',
    includeEds: kind === 'endpoints' || kind === 'eds',
  });
  switch (kind) {
    case 'clusters':
      return clusters(dump, f);
    case 'listeners':
      return listeners(dump, f);
    case 'routes':
      return routes(dump, f);
    case 'endpoints':
      return clusterStatuses(dump, f, live);
    case 'eds':
      return endpoints(dump, f);
    case 'secret':
      return withoutType(config(dump, DUMP_TYPE.secrets));
    case 'bootstrap':
      return withoutType(config(dump, DUMP_TYPE.bootstrap));
  }
}

/** JSON indented with four spaces as istioctl's json.MarshalIndent, or YAML (yaml.JSONToYAML). */
export function formatDumpView(value: unknown, output: 'json' | 'yaml'): string {
  return output === 'yaml' ? toYaml(value) : JSON.stringify(value, null, 4) + '\n';
}

/**
 * `proxy-config secret` without -o (istioctl writer/compare/sds writer.go printSecretItemsTabular):
 * one row per active secret with its first certificate's serial (%032x) and validity (RFC 3339).
 */
export function secretsTable(s: ProxySnapshot, nowMs: number, o: ConfigDumpOptions = {}): string {
  const view = proxyConfigDumpView('secret', s, {}, o) as Obj;
  const active = arr(view.dynamicActiveSecrets);
  if (active.length === 0) return 'No active or warming secrets found.\n';
  const rows: string[][] = [
    ['RESOURCE NAME', 'TYPE', 'STATUS', 'VALID CERT', 'SERIAL NUMBER', 'NOT AFTER', 'NOT BEFORE'],
  ];
  const rfc3339 = (d: string) => new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const entry of active) {
    const secret = (entry.secret ?? {}) as Obj;
    const chain = ((secret.tlsCertificate as Obj | undefined)?.certificateChain ?? undefined) as
      Obj | undefined;
    const ca = ((secret.validationContext as Obj | undefined)?.trustedCa ?? undefined) as
      Obj | undefined;
    const data = (chain ?? ca)?.inlineBytes;
    if (typeof data !== 'string') continue;
    const cert = new X509Certificate(Buffer.from(data, 'base64'));
    const notBefore = Date.parse(cert.validFrom);
    const notAfter = Date.parse(cert.validTo);
    rows.push([
      String(entry.name),
      ca ? 'CA' : 'Cert Chain',
      'ACTIVE',
      String(nowMs > notBefore && nowMs < notAfter),
      BigInt(`0x${cert.serialNumber}`).toString(16).padStart(32, '0'),
      rfc3339(cert.validTo),
      rfc3339(cert.validFrom),
    ]);
  }
  return tabWrite(rows);
}

/**
 * `proxy-config bootstrap` without -o (configdump.go PrintBootstrapSummary): the Istio and Envoy
 * versions the bootstrap's node carries; a Switchyard bootstrap carries none, so it says so.
 */
export function bootstrapSummary(s: ProxySnapshot, o: ConfigDumpOptions = {}): string {
  const view = proxyConfigDumpView('bootstrap', s, {}, o) as Obj;
  const node = ((view.bootstrap as Obj | undefined)?.node ?? {}) as Obj;
  const meta = (node.metadata ?? {}) as Obj;
  const rows: string[][] = [];
  if (typeof meta.ISTIO_VERSION === 'string') rows.push(['Istio Version:', meta.ISTIO_VERSION]);
  if (rows.length === 0) return `Node: ${String(node.id ?? '')}\n`;
  return tabWrite(rows);
}

export interface RenderOptions extends ProxyConfigOptions {
  /** Live per-host counters and gauges by `cluster|host:port` (Envoy's /clusters host stats). */
  hostStats?: ReadonlyMap<string, Readonly<Record<string, number>>>;
  /** Secrets and bootstrap of the running proxy (config-dump.ts ConfigDumpOptions). */
  dump?: Omit<ConfigDumpOptions, 'names' | 'includeEds'>;
  /** For the secret table's VALID CERT column (Clock.now()). */
  nowMs?: number;
}

/**
 * What `proxy-config <kind>` prints: istioctl's table by default (compile/proxy-config-render.ts),
 * Envoy's JSON with -o json|yaml; the CLI (offline) and the admin API (running mesh) both call this.
 */
export function renderProxyConfigKind(
  kind: EnvoyDumpKind,
  s: ProxySnapshot,
  o: RenderOptions,
): string {
  if (o.output === 'json' || o.output === 'yaml')
    return formatDumpView(
      proxyConfigDumpView(kind, s, o, o.dump, {
        ...(o.outlier ? { outlier: o.outlier } : {}),
        ...(o.hostStats ? { stats: o.hostStats } : {}),
      }),
      o.output,
    );
  if (kind === 'secret') return secretsTable(s, o.nowMs ?? 0, o.dump);
  if (kind === 'bootstrap') return bootstrapSummary(s, o.dump);
  // istioctl's `eds` summary is the endpoints table (configdump endpoint.go PrintEndpointsSummary).
  return renderProxyConfig(kind === 'eds' ? 'endpoints' : kind, s, o);
}

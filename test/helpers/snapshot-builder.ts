// Builds ProxySnapshots by hand for data-plane tests (the compiler is developed separately; the
// contract is src/compile/snapshot.ts). Small, explicit helpers; defaults mirror Istio's.
import type {
  Cluster,
  ForwardAction,
  HeaderMatcher,
  Listener,
  ProxySnapshot,
  QueryParamMatcher,
  Route,
  RouteAction,
  RouteTable,
  StringMatcher,
  VirtualHost,
  WeightedCluster,
} from '../../src/compile/snapshot.js';
import type { Endpoint } from '../../src/model/index.js';
import { UNLIMITED } from '../../src/compile/snapshot.js';
import { compileRe2, RE2_CASE_INSENSITIVE } from '../../src/runtime/regex.js';

export const m = {
  exact: (value: string, ignoreCase = false): StringMatcher => ({
    kind: 'exact',
    value,
    ignoreCase,
  }),
  prefix: (value: string, ignoreCase = false): StringMatcher => ({
    kind: 'prefix',
    value,
    ignoreCase,
  }),
  regex: (value: string, ignoreCase = false): StringMatcher => ({
    kind: 'regex',
    value,
    regex: compileRe2(value, ignoreCase ? RE2_CASE_INSENSITIVE : 0),
  }),
  present: (): StringMatcher => ({ kind: 'present' }),
};

export function header(name: string, match: StringMatcher, invert = false): HeaderMatcher {
  return { name, match, invert };
}

export function query(name: string, match: StringMatcher): QueryParamMatcher {
  return { name, match };
}

export function endpoint(
  address: string,
  port: number,
  labels: Record<string, string> = {},
): Endpoint {
  return { address, port, labels, weight: 1 };
}

export function cluster(
  name: string,
  endpoints: Endpoint[],
  extra: Partial<Cluster> = {},
): Cluster {
  const c: Cluster = {
    name,
    type: 'EDS',
    direction: 'outbound',
    serviceHost: name.split('|')[3] ?? '',
    port: Number(name.split('|')[1] ?? 0),
    subset: name.split('|')[2] ?? '',
    protocol: 'http',
    endpoints,
    lbPolicy: 'LEAST_REQUEST',
    connectionPool: {
      maxConnections: UNLIMITED,
      maxPendingRequests: UNLIMITED,
      maxRequests: UNLIMITED,
      maxRetries: UNLIMITED,
      maxRequestsPerConnection: 0,
      connectTimeoutMs: 10_000,
      idleTimeoutMs: 3_600_000,
    },
    configHash: '',
    ...extra,
  };
  if (!extra.configHash) {
    c.configHash = JSON.stringify({ ...c, endpoints: undefined, configHash: undefined });
  }
  return c;
}

export function forward(
  clusters: string | (readonly [string, number] | WeightedCluster)[],
  extra: Partial<ForwardAction> = {},
): ForwardAction {
  const list: WeightedCluster[] =
    typeof clusters === 'string'
      ? [{ clusterName: clusters, weight: 100 }]
      : clusters.map((c) =>
          Array.isArray(c) ? { clusterName: c[0], weight: c[1] } : (c as WeightedCluster),
        );
  return {
    type: 'forward',
    clusters: list,
    totalWeight: list.reduce((s, c) => s + c.weight, 0),
    timeoutMs: 0,
    mirrors: [],
    ...extra,
  };
}

export function route(
  name: string,
  action: RouteAction,
  match: {
    path?: StringMatcher;
    headers?: HeaderMatcher[];
    queryParams?: QueryParamMatcher[];
  } = {},
  extra: Partial<Route> = {},
): Route {
  return {
    name,
    match: { path: match.path, headers: match.headers ?? [], queryParams: match.queryParams ?? [] },
    action,
    ...extra,
  };
}

export function vhost(
  name: string,
  domains: string[],
  routes: Route[],
  extra: Partial<VirtualHost> = {},
): VirtualHost {
  return { name, domains, routes, ...extra };
}

export function routeTable(name: string, virtualHosts: VirtualHost[]): RouteTable {
  const exact = new Map<string, VirtualHost>();
  const wild: [string, VirtualHost][] = [];
  let catchAll: VirtualHost | undefined;
  for (const vh of virtualHosts) {
    for (const d of vh.domains) {
      const dl = d.toLowerCase();
      if (dl === '*') catchAll ??= vh;
      else if (dl.startsWith('*.')) wild.push([dl.slice(1), vh]);
      else if (!exact.has(dl)) exact.set(dl, vh);
    }
  }
  wild.sort((a, b) => b[0].length - a[0].length);
  return { name, virtualHosts, exactDomains: exact, wildcardDomains: wild, catchAll };
}

export interface SnapshotInput {
  /** Route tables by outbound port, e.g. { 9080: table } -> listener 0.0.0.0_9080 using table `9080`. */
  outbound?: Record<number, RouteTable>;
  /** Inbound route tables by service port -> virtualInbound chain `inbound|<port>||`. */
  inbound?: Record<number, RouteTable>;
  /** Gateway listeners by port -> `0.0.0.0_<port>` using the given table (`http.<port>`). */
  gateway?: Record<number, RouteTable>;
  clusters: Cluster[];
  outboundTrafficPolicy?: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  shadowHostSuffix?: boolean;
  version?: number;
}

export function snapshot(input: SnapshotInput): ProxySnapshot {
  const listeners: Listener[] = [];
  const tables = new Map<string, RouteTable>();
  const policy = input.outboundTrafficPolicy ?? 'ALLOW_ANY';
  for (const [port, table] of Object.entries(input.outbound ?? {})) {
    tables.set(table.name, table);
    listeners.push({
      name: `0.0.0.0_${port}`,
      direction: 'outbound',
      address: '0.0.0.0',
      port: Number(port),
      outboundTrafficPolicy: policy,
      filterChains: [{ name: '', serverNames: [], http: { routeTableName: table.name } }],
    });
  }
  listeners.push({
    name: 'virtualOutbound',
    direction: 'outbound',
    address: '0.0.0.0',
    port: 15001,
    outboundTrafficPolicy: policy,
    filterChains: [],
  });
  const inboundChains = Object.entries(input.inbound ?? {}).map(([port, table]) => {
    tables.set(table.name, table);
    return {
      name: `0.0.0.0_${port}`,
      destinationPort: Number(port),
      serverNames: [],
      http: { routeTableName: table.name },
    };
  });
  if (inboundChains.length) {
    listeners.push({
      name: 'virtualInbound',
      direction: 'inbound',
      address: '0.0.0.0',
      port: 15006,
      filterChains: inboundChains,
    });
  }
  for (const [port, table] of Object.entries(input.gateway ?? {})) {
    tables.set(table.name, table);
    listeners.push({
      name: `0.0.0.0_${port}`,
      direction: 'gateway',
      address: '0.0.0.0',
      port: Number(port),
      filterChains: [{ name: '', serverNames: [], http: { routeTableName: table.name } }],
    });
  }
  return {
    version: input.version ?? 1,
    proxy: {
      kind: input.gateway ? 'router' : 'sidecar',
      id: 'test-0.default',
      namespace: 'default',
      labels: {},
      serviceAccount: 'default',
      ip: '127.0.0.1',
    },
    listeners,
    routeTables: tables,
    clusters: new Map(input.clusters.map((c) => [c.name, c])),
    mesh: {
      accessLogFile: '',
      accessLogEncoding: 'TEXT',
      shadowHostSuffix: input.shadowHostSuffix ?? false,
    },
  };
}

/** Outbound cluster name as Istio spells it. */
export function outbound(port: number, subset: string, host: string): string {
  return `outbound|${port}|${subset}|${host}`;
}

// A sidecar's listeners and route tables: outbound `0.0.0.0_<port>` + route table `<port>` with one
// virtual host per service (or VirtualService host), first VirtualService per host winning, sorted by
// name, then `allow_any` / `block_all` (istio/istio pilot/pkg/networking/core/httproute.go
// BuildSidecarOutboundVirtualHosts, generateVirtualHostDomains, buildCatchAllVirtualHost;
// route/route.go BuildSidecarVirtualHostWrapper, BuildDefaultHTTPOutboundRoute); inbound
// `virtualInbound` with one chain per port to `inbound|<port>||` (httproute.go
// buildSidecarInboundHTTPRouteConfig).
import { hostMatches, hostsIntersect, isWildcard, MESH_GATEWAY } from '../config/names.js';
import { isHttpProtocol } from '../registry/protocol.js';
import type { Service } from '../registry/types.js';
import { inboundClusterName, outboundClusterName, type InboundPort } from './clusters.js';
import { mtlsModeForPort, peerAuthenticationFor } from './peer-authentication.js';
import type { ProxyContext } from './context.js';
import { buildHttpRoutes, type RouteBuildContext } from './http-route.js';
import { convertRetryPolicy } from './retry-policy.js';
import type { MatchContext } from './route-match.js';
import { makeRouteTable, makeRouteTableSteps, patchRouteTable } from './route-table.js';
import type { TableRecord } from './route-memo.js';
import { UNITS_PER_YIELD, type Steps } from '../runtime/steps.js';
import { WarningList, type CompileWarning } from './warnings.js';
import type { SidecarScope } from './sidecar-scope.js';
import {
  BLACKHOLE_CLUSTER,
  PASSTHROUGH_CLUSTER,
  type FilterChain,
  type Listener,
  type Route,
  type RouteTable,
  type TcpRoute,
  type VirtualHost,
} from './snapshot.js';
import { buildTcpRoutes } from './tcp-route.js';
import {
  virtualServicesFor,
  warmVirtualServices,
  type VirtualServiceInfo,
} from './virtual-services.js';
import { effectivePolicy, hashPolicyOf } from './traffic-policy.js';
import { bracketHost } from '../units/index.js';

const ANY_MATCH = { headers: [], queryParams: [] } as const;

/** httproute.go GenerateAltVirtualHosts for Kubernetes hosts, sidecars ignoring the port. */
export function altHosts(hostname: string, proxyNamespace: string): string[] {
  const ih = hostname.indexOf('.svc.');
  if (ih <= 0 || !hostname.endsWith('.svc.cluster.local')) return [];
  const dot = hostname.indexOf('.');
  if (dot + 1 >= hostname.length || dot + 1 > ih) return [];
  const name = hostname.slice(0, dot);
  const nameNs = hostname.slice(0, ih);
  if (hostname.slice(dot + 1, ih) === proxyNamespace) return [name, `${nameNs}.svc`, nameNs];
  return [nameNs, `${nameNs}.svc`];
}

/** generateVirtualHostDomains: the FQDN, its short forms, and the service addresses. */
export function serviceDomains(
  svc: Service,
  proxyNamespace: string,
): { domains: string[]; alt: string[] } {
  const alt = altHosts(svc.hostname, proxyNamespace);
  const domains = [svc.hostname, ...alt];
  for (const a of svc.addresses) {
    if (!a || a === '0.0.0.0' || a.includes('/')) continue;
    domains.push(bracketHost(a));
  }
  return { domains, alt };
}

function defaultRoute(ctx: ProxyContext, svc: Service, port: number): Route {
  const dr = ctx.drs.lookup(svc.hostname, svc.namespace);
  const hash = hashPolicyOf(effectivePolicy(dr?.trafficPolicy, undefined, port).loadBalancer);
  const retry = convertRetryPolicy(undefined, ctx.mesh.defaultHttpRetryPolicy, hash !== undefined);
  return {
    name: 'default',
    match: ANY_MATCH,
    action: {
      type: 'forward',
      clusters: [{ clusterName: outboundClusterName(port, '', svc.hostname), weight: 1 }],
      totalWeight: 1,
      timeoutMs: 0,
      ...(retry ? { retry } : {}),
      mirrors: [],
      ...(hash ? { hashPolicy: hash } : {}),
    },
  };
}

/** buildCatchAllVirtualHost: PassthroughCluster without timeout, or a 502 direct response. */
export function catchAllVirtualHost(mode: 'ALLOW_ANY' | 'REGISTRY_ONLY'): VirtualHost {
  if (mode === 'ALLOW_ANY') {
    return {
      name: 'allow_any',
      domains: ['*'],
      routes: [
        {
          name: 'allow_any',
          match: ANY_MATCH,
          action: {
            type: 'forward',
            clusters: [{ clusterName: PASSTHROUGH_CLUSTER, weight: 1 }],
            totalWeight: 1,
            timeoutMs: 0,
            mirrors: [],
          },
        },
      ],
    };
  }
  return {
    name: 'block_all',
    domains: ['*'],
    routes: [{ name: 'block_all', match: ANY_MATCH, action: { type: 'direct', status: 502 } }],
  };
}

function matchContext(ctx: ProxyContext, vs: VirtualServiceInfo, port: number): MatchContext {
  return {
    proxyLabels: ctx.proxy.labels,
    proxyNamespace: ctx.proxy.namespace,
    gateways: new Set([MESH_GATEWAY]),
    listenerPort: port,
    vsNamespace: vs.namespace,
  };
}

interface Wrapper {
  services: Service[];
  vsHosts: string[];
  routes: Route[];
}

/** A VirtualService's routes for this proxy and port (memoized per VS when a memo is present). */
function vsRoutes(
  ctx: ProxyContext,
  vs: VirtualServiceInfo,
  port: number,
  warnings: WarningList,
): Route[] {
  const rctx: RouteBuildContext = {
    ...matchContext(ctx, vs, port),
    mesh: ctx.mesh,
    destinations: ctx.destinations,
    warnings,
    vsName: vs.name,
  };
  return ctx.memo
    ? ctx.memo.routes(vs.resource, `${ctx.memo.env(ctx)}|${port}|mesh`, warnings, (w) =>
        buildHttpRoutes(vs.http, { ...rctx, warnings: w }),
      ).routes
    : buildHttpRoutes(vs.http, rctx).routes;
}

function hasDelegate(vs: VirtualServiceInfo): boolean {
  const http = vs.spec.http;
  return Array.isArray(http) && http.some((h) => h && typeof h === 'object' && h.delegate);
}

function sameHosts(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((h, i) => h === b[i]);
}

/**
 * The previous table of this environment and port, updated for VirtualServices edited in place (same
 * position, name and hosts, routes still present or still absent): their virtual hosts take the new
 * routes, everything else is kept by reference. Undefined when the change is of another shape.
 */
function patchedTable(
  ctx: ProxyContext,
  prev: TableRecord,
  vsList: readonly VirtualServiceInfo[],
  port: number,
): { record: TableRecord; warnings: readonly CompileWarning[] } | undefined {
  if (prev.vsList.length !== vsList.length) return undefined;
  const edited: number[] = [];
  for (let i = 0; i < vsList.length; i++) {
    const a = prev.vsList[i]!;
    const b = vsList[i]!;
    if (a.resource === b.resource) continue;
    if (a.name !== b.name || a.namespace !== b.namespace || !sameHosts(a.hosts, b.hosts))
      return undefined;
    if (hasDelegate(b)) return undefined;
    edited.push(i);
  }
  const routes = [...prev.routes];
  const vsWarnings = [...prev.vsWarnings];
  const swapRoutes = new Map<readonly Route[], Route[]>();
  for (const i of edited) {
    const local = new WarningList();
    const next = vsRoutes(ctx, vsList[i]!, port, local);
    const before = prev.routes[i]!;
    // A VS gaining or losing all its routes changes which services keep their default route.
    if ((before.length === 0) !== (next.length === 0)) return undefined;
    routes[i] = next;
    vsWarnings[i] = local.items;
    if (before !== next) swapRoutes.set(before, next);
  }
  let table = prev.table;
  if (swapRoutes.size > 0) {
    const swapHosts = new Map<VirtualHost, VirtualHost>();
    for (const vh of prev.table.virtualHosts) {
      const next = swapRoutes.get(vh.routes);
      if (!next) continue;
      swapHosts.set(
        vh,
        ctx.memo ? ctx.memo.vhost(vh.name, vh.domains, next) : { ...vh, routes: next },
      );
    }
    table = patchRouteTable(prev.table, swapHosts, port);
  }
  return {
    record: { vsList, routes, vsWarnings, hostWarnings: prev.hostWarnings, table },
    warnings: [...vsWarnings.flat(), ...prev.hostWarnings],
  };
}

function* outboundRouteTable(
  ctx: ProxyContext,
  port: number,
  services: readonly Service[],
  virtualServices: readonly VirtualServiceInfo[],
  mode: 'ALLOW_ANY' | 'REGISTRY_ONLY',
): Steps<RouteTable> {
  let units = 0;
  const byName = new Map<string, Service>();
  for (const s of services)
    if (s.ports.some((p) => p.port === port && isHttpProtocol(p.protocol)))
      byName.set(s.hostname, s);
  // httproute.go selectVirtualServices: only VirtualServices matching a service on this port, except
  // on port 80, which also takes VSs whose hosts match no HTTP service at all (route.go
  // buildSidecarVirtualHostsForVirtualService puts non-registry hosts on port 80 only).
  // Host sets are indexed once (exact names in a Set, wildcards scanned), so selection is linear in
  // VS hosts rather than VS hosts x services; same answer as hostsIntersect over every pair.
  const hostIndex = (hosts: Iterable<string>) => {
    const exact = new Set<string>();
    const wild: string[] = [];
    for (const h of hosts) {
      if (isWildcard(h)) wild.push(h);
      else exact.add(h);
    }
    return { exact, wild, all: [...exact, ...wild] };
  };
  const matchesAny = (vs: VirtualServiceInfo, idx: ReturnType<typeof hostIndex>) =>
    vs.hosts.some((h) =>
      isWildcard(h)
        ? idx.all.some((s) => hostsIntersect(h, s))
        : idx.exact.has(h) || idx.wild.some((s) => hostsIntersect(h, s)),
    );
  const portHosts = hostIndex(byName.keys());
  const httpHosts = hostIndex(
    services.filter((s) => s.ports.some((p) => isHttpProtocol(p.protocol))).map((s) => s.hostname),
  );
  const vsList: VirtualServiceInfo[] = [];
  for (const vs of virtualServices) {
    if (++units % (UNITS_PER_YIELD * 4) === 0) yield;
    if (matchesAny(vs, portHosts) || (port === 80 && !matchesAny(vs, httpHosts))) vsList.push(vs);
  }
  // The table of this environment (visible services, DestinationRules, mesh config, Sidecar scope)
  // from the last compile: reused whole, or patched when only VirtualService bodies changed.
  const memo = ctx.memo;
  const tableKey = memo
    ? `${memo.env(ctx)}|${port}|${mode}|${memo.generations.of(ctx.config, 'Sidecar')}`
    : '';
  const prev = memo?.table(tableKey);
  if (memo && prev) {
    const patched = patchedTable(ctx, prev, vsList, port);
    if (patched) {
      if (patched.record.table === prev.table) memo.tableHits++;
      else memo.tablePatches++;
      memo.setTable(tableKey, patched.record);
      for (const w of patched.warnings) ctx.warnings.add(w.message, w.resource);
      return patched.record.table;
    }
  }
  if (memo) memo.tableBuilds++;
  const wrappers: Wrapper[] = [];
  const visited = new Set<string>();
  const routesOf: Route[][] = [];
  const vsWarnings: (readonly CompileWarning[])[] = [];
  for (const vs of vsList) {
    if (++units % UNITS_PER_YIELD === 0) yield;
    const svcs: Service[] = [];
    const vsHosts: string[] = [];
    for (const h of vs.hosts) {
      const exact = byName.get(h);
      if (exact) svcs.push(exact);
      else if (isWildcard(h)) {
        // sidecar.go MostSpecificWildcardVirtualServiceIndex: an exact VS host, or a longer
        // wildcard in another VS, takes the service from this wildcard.
        const matched = [...byName.values()].filter(
          (s) =>
            hostMatches(s.hostname, h) &&
            !vsList.some((o) =>
              o.hosts.some(
                (oh) =>
                  oh === s.hostname ||
                  (isWildcard(oh) && oh.length > h.length && hostMatches(s.hostname, oh)),
              ),
            ),
        );
        if (matched.length > 0) svcs.push(...matched);
        else vsHosts.push(h);
      } else vsHosts.push(h);
    }
    const local = new WarningList();
    const routes = vsRoutes(ctx, vs, port, local);
    for (const w of local.items) ctx.warnings.add(w.message, w.resource);
    routesOf.push(routes);
    vsWarnings.push(local.items);
    // route.go buildSidecarVirtualHostsForVirtualService: a VS without routes for this proxy yields no
    // wrapper, so its services keep their default route.
    if (routes.length === 0) continue;
    for (const s of svcs) visited.add(s.hostname);
    wrappers.push({ services: svcs, vsHosts, routes });
  }
  for (const s of byName.values()) {
    if (++units % UNITS_PER_YIELD === 0) yield;
    if (!visited.has(s.hostname))
      wrappers.push({
        services: [s],
        vsHosts: [],
        routes: ctx.memo
          ? ctx.memo.routes(
              s.source,
              `default|${s.hostname}|${ctx.memo.env(ctx)}|${port}`,
              ctx.warnings,
              () => ({
                routes: [defaultRoute(ctx, s, port)],
                catchAll: false,
              }),
            ).routes
          : [defaultRoute(ctx, s, port)],
      });
  }

  const names = new Set<string>();
  const usedDomains = new Set<string>();
  const knownFqdn = new Set<string>();
  for (const w of wrappers)
    for (const s of w.services) {
      knownFqdn.add(s.hostname);
      knownFqdn.add(`${s.hostname}:${port}`);
    }
  const vhosts: VirtualHost[] = [];
  const hostWarnings = new WarningList();
  const build = (hostname: string, routes: Route[], svc?: Service) => {
    const name = `${hostname}:${port}`;
    if (names.has(name)) {
      hostWarnings.add(`duplicate domain ${name}: the first VirtualService for the host wins`);
      return;
    }
    names.add(name);
    const { domains, alt } = svc
      ? serviceDomains(svc, ctx.proxy.namespace)
      : { domains: [hostname], alt: [] };
    const kept: string[] = [];
    for (const d of domains) {
      const lower = d.toLowerCase();
      if (usedDomains.has(lower)) continue;
      if (alt.includes(d) && knownFqdn.has(d)) continue;
      kept.push(d);
      usedDomains.add(lower);
    }
    if (kept.length > 0)
      vhosts.push(ctx.memo ? ctx.memo.vhost(name, kept, routes) : { name, domains: kept, routes });
  };
  for (const w of wrappers) {
    if (++units % UNITS_PER_YIELD === 0) yield;
    for (const h of w.vsHosts) build(h, w.routes);
    for (const s of w.services) build(s.hostname, w.routes, s);
  }
  for (const w of hostWarnings.items) ctx.warnings.add(w.message, w.resource);
  // pilot/pkg/networking/util SortVirtualHosts: by name; the catch-all goes last.
  vhosts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  yield;
  vhosts.push(catchAllVirtualHost(mode));
  const table = yield* makeRouteTableSteps(String(port), vhosts, port);
  // A delegating VS reads its delegates, which the patch cannot see change: such tables are rebuilt.
  if (memo && !vsList.some(hasDelegate))
    memo.setTable(tableKey, {
      vsList,
      routes: routesOf,
      vsWarnings,
      hostWarnings: hostWarnings.items,
      table,
    });
  return table;
}

function tcpChainsFor(
  ctx: ProxyContext,
  port: number,
  services: readonly Service[],
  virtualServices: readonly VirtualServiceInfo[],
): FilterChain[] {
  const chains: FilterChain[] = [];
  for (const s of services) {
    const sp = s.ports.find((p) => p.port === port);
    // A port of unknown protocol gets a TCP chain too, for what the http_inspector finds is not HTTP.
    if (!sp || (isHttpProtocol(sp.protocol) && sp.protocol !== 'unknown')) continue;
    let routes: TcpRoute[] = [];
    const vs = virtualServices.find((v) => v.hosts.some((h) => hostMatches(s.hostname, h)));
    if (vs) {
      const mctx = matchContext(ctx, vs, port);
      const rules = sp.protocol === 'tls' || sp.protocol === 'https' ? (vs.spec.tls ?? []) : [];
      routes = buildTcpRoutes([...rules, ...(vs.spec.tcp ?? [])], mctx, ctx.destinations);
    }
    if (routes.length === 0)
      routes = [
        {
          clusters: [{ clusterName: outboundClusterName(port, '', s.hostname), weight: 1 }],
          totalWeight: 1,
        },
      ];
    const subnets = s.addresses.filter((a) => a && a !== '0.0.0.0');
    chains.push({
      name: outboundClusterName(port, '', s.hostname),
      serverNames: sp.protocol === 'tls' || sp.protocol === 'https' ? [s.hostname] : [],
      tcp: {
        routes: routes.map((r) =>
          r.destinationSubnets || subnets.length === 0 ? r : { ...r, destinationSubnets: subnets },
        ),
        statPrefix: outboundClusterName(port, '', s.hostname),
      },
    });
  }
  return chains;
}

export interface SidecarOutput {
  listeners: Listener[];
  routeTables: RouteTable[];
  services: Service[];
}

export function* compileSidecar(
  ctx: ProxyContext,
  scope: SidecarScope,
  inbound: readonly InboundPort[],
): Steps<SidecarOutput> {
  const services = ctx.services.filter((s) => scope.importsService(s.hostname, s.namespace));
  yield* warmVirtualServices(ctx.config, MESH_GATEWAY, ctx.proxy.namespace, ctx.memo);
  const virtualServices = virtualServicesFor(
    ctx.config,
    MESH_GATEWAY,
    ctx.proxy.namespace,
    ctx.warnings,
    ctx.memo,
  ).filter((vs) => scope.importsVirtualService(vs.hosts, vs.namespace));
  yield;
  const mode = scope.outboundTrafficPolicy;
  const ports = [...new Set(services.flatMap((s) => s.ports.map((p) => p.port)))].sort(
    (a, b) => a - b,
  );
  const listeners: Listener[] = [];
  const routeTables: RouteTable[] = [];
  for (const port of ports) {
    const chains: FilterChain[] = [];
    const hasHttp = services.some((s) =>
      s.ports.some((p) => p.port === port && isHttpProtocol(p.protocol)),
    );
    chains.push(...tcpChainsFor(ctx, port, services, virtualServices));
    const sniffed = services.some((s) =>
      s.ports.some((p) => p.port === port && p.protocol === 'unknown'),
    );
    if (hasHttp) {
      routeTables.push(yield* outboundRouteTable(ctx, port, services, virtualServices, mode));
      chains.push({
        name: `0.0.0.0_${port}`,
        serverNames: [],
        // istio/istio pilot/pkg/networking/core/listener.go plaintextHTTPALPNs (HTTP/1.0 off by default).
        ...(sniffed ? { applicationProtocols: ['http/1.1', 'h2c'] } : {}),
        http: { routeTableName: String(port) },
      });
    }
    listeners.push({
      name: `0.0.0.0_${port}`,
      direction: 'outbound',
      address: '0.0.0.0',
      port,
      filterChains: chains,
      outboundTrafficPolicy: mode,
    });
  }
  // istio/istio pilot/pkg/networking/core/listener.go: virtualOutbound on 15001 sends unknown
  // destinations to PassthroughCluster (ALLOW_ANY) or BlackHoleCluster (REGISTRY_ONLY).
  listeners.push({
    name: 'virtualOutbound',
    direction: 'outbound',
    address: '0.0.0.0',
    port: 15001,
    filterChains: [
      {
        name: mode === 'ALLOW_ANY' ? PASSTHROUGH_CLUSTER : BLACKHOLE_CLUSTER,
        serverNames: [],
        tcp: {
          routes: [
            {
              clusters: [
                {
                  clusterName: mode === 'ALLOW_ANY' ? PASSTHROUGH_CLUSTER : BLACKHOLE_CLUSTER,
                  weight: 1,
                },
              ],
              totalWeight: 1,
            },
          ],
          statPrefix: mode === 'ALLOW_ANY' ? PASSTHROUGH_CLUSTER : BLACKHOLE_CLUSTER,
        },
      },
    ],
    outboundTrafficPolicy: mode,
  });

  const inboundChains: FilterChain[] = [];
  // PeerAuthentication per workload port (policy_applier.go InboundMTLSSettings(endpointPort)).
  const peerAuthn = peerAuthenticationFor(
    ctx.config,
    ctx.mesh.rootNamespace,
    ctx.proxy.namespace,
    ctx.proxy.labels,
  );
  for (const p of inbound) {
    const clusterName = inboundClusterName(p.targetPort);
    const mtlsMode = mtlsModeForPort(peerAuthn, p.targetPort);
    if (isHttpProtocol(p.servicePort.protocol)) {
      routeTables.push(
        makeRouteTable(
          clusterName,
          [
            {
              name: `inbound|http|${p.targetPort}`,
              domains: ['*'],
              routes: [
                {
                  name: 'default',
                  match: ANY_MATCH,
                  action: {
                    type: 'forward',
                    clusters: [{ clusterName, weight: 1 }],
                    totalWeight: 1,
                    timeoutMs: 0,
                    // retry.go ConvertInboundPolicy: 2 retries on reset-before-request (not for gRPC).
                    ...(p.servicePort.protocol === 'grpc'
                      ? {}
                      : {
                          retry: {
                            numRetries: 2,
                            retryOn: ['reset-before-request'],
                            retriableStatusCodes: [],
                            backoffBaseMs: 25,
                            retryIgnorePreviousHosts: false,
                          },
                        }),
                    mirrors: [],
                  },
                },
              ],
            },
          ],
          0,
        ),
      );
      inboundChains.push({
        name: clusterName,
        destinationPort: p.targetPort,
        mtlsMode,
        serverNames: [],
        http: { routeTableName: clusterName },
      });
    } else {
      inboundChains.push({
        name: clusterName,
        destinationPort: p.targetPort,
        mtlsMode,
        serverNames: [],
        tcp: {
          routes: [{ clusters: [{ clusterName, weight: 1 }], totalWeight: 1 }],
          statPrefix: clusterName,
        },
      });
    }
  }
  listeners.push({
    name: 'virtualInbound',
    direction: 'inbound',
    address: '0.0.0.0',
    port: 15006,
    filterChains: inboundChains,
  });
  return { listeners, routeTables, services };
}

// A gateway (router) proxy: Gateways selecting its labels, servers merged per port (istio/istio
// pilot/pkg/model/gateway.go MergeGateways), plain HTTP servers sharing route table `http.<port>`,
// HTTPS servers terminated per server (`https.<port>.<portName>.<gateway>.<ns>`), TLS passthrough and
// TCP servers as tcp chains; VirtualServices bound by gateway name, exportTo, host intersection and
// the server's `ns/` filter, their routes concatenated per host with catch-alls last
// (pilot/pkg/networking/core/gateway.go buildGatewayHTTPRouteConfig, route.go SortVHostRoutes).
import type { GatewaySpec, Server, ServerTLSSettings } from '../config/istio-types.js';
import type { Resource } from '../config/types.js';
import {
  hostMatches,
  hostsIntersect,
  isWildcard,
  labelsMatch,
  splitNamespacedHost,
} from '../config/names.js';
import { objects, stringMap, strings } from '../registry/shape.js';
import { readSecret } from './clusters.js';
import { readTlsFile, type PemKind } from './tls-files.js';
import type { ProxyContext } from './context.js';
import { buildHttpRoutes, sortVHostRoutes } from './http-route.js';
import type { MatchContext } from './route-match.js';
import { WarningList, type CompileWarning } from './warnings.js';
import { makeRouteTableSteps, patchRouteTable } from './route-table.js';
import { UNITS_PER_YIELD, type Steps } from '../runtime/steps.js';
import type {
  DownstreamTls,
  FilterChain,
  Listener,
  TlsSourceFiles,
  Route,
  RouteTable,
  VirtualHost,
} from './snapshot.js';
import { buildTcpRoutes, l4StaticMatch, weightedClusters } from './tcp-route.js';
import {
  virtualServicesFor,
  warmVirtualServices,
  type VirtualServiceInfo,
} from './virtual-services.js';

interface BoundServer {
  gateway: Resource;
  gatewayName: string; // ns/name
  server: Server;
  port: number;
  cls: 'http' | 'https' | 'passthrough' | 'tcp';
}

function classify(s: Server): BoundServer['cls'] | undefined {
  const p = (s.port?.protocol ?? '').toUpperCase();
  const mode = s.tls?.mode ?? 'PASSTHROUGH';
  if (p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-WEB') return 'http';
  if (p === 'HTTPS' || p === 'TLS') {
    if (mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') return 'passthrough';
    return p === 'HTTPS' ? 'https' : 'tcp';
  }
  if (p === 'TCP' || p === 'MONGO') return 'tcp';
  return undefined;
}

/** The VS host a server host admits (the more specific of the two), honouring `ns/` filters. */
function intersect(serverHost: string, vs: VirtualServiceInfo, gwNs: string): string[] {
  const { namespace, host } = splitNamespacedHost(serverHost);
  if (namespace !== '*' && (namespace === '.' ? gwNs : namespace) !== vs.namespace) return [];
  const out: string[] = [];
  for (const h of vs.hosts) {
    if (!hostsIntersect(h, host)) continue;
    out.push(isWildcard(host) && hostMatches(h, host) ? h : host);
  }
  return out;
}

// TLS protocol versions as Envoy names them.
const TLS_VERSIONS: Record<string, DownstreamTls['minProtocolVersion']> = {
  TLSV1_0: 'TLSv1',
  TLSV1_1: 'TLSv1.1',
  TLSV1_2: 'TLSv1.2',
  TLSV1_3: 'TLSv1.3',
};

function downstreamTls(
  ctx: ProxyContext,
  tls: ServerTLSSettings,
  who: string,
): DownstreamTls | undefined {
  const mode = tls.mode;
  const min = tls.minProtocolVersion ? TLS_VERSIONS[tls.minProtocolVersion] : undefined;
  const max = tls.maxProtocolVersion ? TLS_VERSIONS[tls.maxProtocolVersion] : undefined;
  if (mode === 'ISTIO_MUTUAL') {
    // gateway.go buildGatewayListenerTLSContext: the gateway's own workload certificate (SDS
    // `default`) and the mesh root (`ROOTCA`), client certificate required; the proxy fills them in.
    return {
      mode,
      certChain: '',
      privateKey: '',
      minProtocolVersion: min ?? 'TLSv1.2',
      ...(max ? { maxProtocolVersion: max } : {}),
      ...(tls.cipherSuites ? { cipherSuites: tls.cipherSuites } : {}),
      ...(tls.subjectAltNames ? { subjectAltNames: tls.subjectAltNames } : {}),
      credentialName: 'default',
    };
  }
  if (mode !== 'SIMPLE' && mode !== 'MUTUAL' && mode !== 'OPTIONAL_MUTUAL') {
    ctx.warnings.add(`tls mode ${mode ?? ''} is not supported; server skipped`, who);
    return undefined;
  }
  const cred = tls.credentialName ?? tls.credentialNames?.[0];
  let material: {
    cert: string;
    key: string;
    ca?: string;
    source?: string;
    files?: TlsSourceFiles;
  };
  if (cred) {
    // credentialName -> Secret in the gateway workload's namespace (pilot/pkg/credentials/kube);
    // the CA from `ca.crt` in it or from `<name>-cacert`.
    const secret = readSecret(ctx.config, ctx.proxy.namespace, cred);
    if (!secret?.cert || !secret.key) {
      ctx.warnings.add(
        `credentialName ${cred}: no Secret with tls.crt/tls.key in ${ctx.proxy.namespace}; server skipped`,
        who,
      );
      return undefined;
    }
    material = {
      cert: secret.cert,
      key: secret.key,
      ...(secret.ca ? { ca: secret.ca } : {}),
      source: `kubernetes://${ctx.proxy.namespace}/${cred}`,
    };
  } else {
    // File paths (file-based SDS); Istio's webhook requires serverCertificate and privateKey here.
    if (!tls.serverCertificate || !tls.privateKey) {
      ctx.warnings.add(
        'no credentialName and no serverCertificate/privateKey; server skipped',
        who,
      );
      return undefined;
    }
    // A refused file: the agent never serves the secret and the filter chain never warms; here the
    // server is skipped with the path and the reason (tls-files.ts), never the file's contents.
    const wanted: [unknown, PemKind, string][] = [
      [tls.serverCertificate, 'certificate', 'serverCertificate'],
      [tls.privateKey, 'private-key', 'privateKey'],
      [tls.caCertificates, 'certificate', 'caCertificates'],
      [tls.caCrl, 'crl', 'caCrl'],
    ];
    const pems: (string | undefined)[] = [];
    for (const [path, kind, field] of wanted) {
      if (typeof path !== 'string' || path === '') {
        pems.push(undefined);
        continue;
      }
      const r = readTlsFile(path, kind, ctx.tlsFiles);
      if ('error' in r) {
        ctx.warnings.add(`${field} ${r.error}; server skipped`, who);
        return undefined;
      }
      pems.push(r.pem);
    }
    material = {
      cert: pems[0] ?? '',
      key: pems[1] ?? '',
      ...(pems[2] ? { ca: pems[2] } : {}),
      files: {
        ...(tls.serverCertificate ? { certChain: tls.serverCertificate } : {}),
        ...(tls.privateKey ? { privateKey: tls.privateKey } : {}),
        ...(pems[2] && tls.caCertificates ? { caCertificates: tls.caCertificates } : {}),
      },
    };
  }
  if (mode !== 'SIMPLE' && !material.ca) {
    ctx.warnings.add(
      `tls mode ${mode} without a CA certificate: client certificates cannot verify`,
      who,
    );
  }
  return {
    mode,
    certChain: material.cert,
    privateKey: material.key,
    ...(material.ca && mode !== 'SIMPLE' ? { caCertificates: material.ca } : {}),
    // Istio's gateway default minimum is TLS 1.2.
    minProtocolVersion: min ?? 'TLSv1.2',
    ...(max ? { maxProtocolVersion: max } : {}),
    ...(tls.cipherSuites ? { cipherSuites: tls.cipherSuites } : {}),
    ...(tls.subjectAltNames ? { subjectAltNames: tls.subjectAltNames } : {}),
    ...(material.source ? { credentialName: material.source } : {}),
    ...(material.files ? { sourceFiles: material.files } : {}),
  };
}

function isTls(b: BoundServer): boolean {
  return b.server.tls != null;
}

function matchCtx(ctx: ProxyContext, b: BoundServer, vs: VirtualServiceInfo): MatchContext {
  return {
    proxyLabels: ctx.proxy.labels,
    proxyNamespace: ctx.proxy.namespace,
    gateways: new Set([b.gatewayName]),
    listenerPort: b.port,
    vsNamespace: vs.namespace,
  };
}

/** The routes one VirtualService gives one server (memoized per VS when a memo is present). */
function serverVsRoutes(
  ctx: ProxyContext,
  b: BoundServer,
  vs: VirtualServiceInfo,
  warnings: WarningList,
): Route[] {
  const build = (w: WarningList) =>
    buildHttpRoutes(vs.http, {
      ...matchCtx(ctx, b, vs),
      mesh: ctx.mesh,
      destinations: ctx.destinations,
      warnings: w,
      vsName: vs.name,
      // gateway.go buildGatewayHTTPRouteConfig: IsTLS is `server.Tls != nil` (httpsRedirect too).
      isTls: isTls(b),
    });
  return ctx.memo
    ? ctx.memo.routes(
        vs.resource,
        `${ctx.memo.env(ctx)}|${b.port}|${b.gatewayName}|${isTls(b)}`,
        warnings,
        build,
      ).routes
    : build(warnings).routes;
}

/** The VirtualServices of one server's part of a host, `server:vs` indexes, in order. */
interface HostEntry {
  pieces: string[];
  requireTls: boolean;
}

/**
 * A gateway HTTP route table and what it was built from (patched when only VS bodies changed). Only
 * the memo holds it, so a patch updates its maps in place; a failed patch is followed by a rebuild
 * that replaces the record.
 */
interface GatewayTableRecord {
  vss: readonly (readonly VirtualServiceInfo[])[];
  routes: Map<string, Route[]>;
  warnings: Map<string, readonly CompileWarning[]>;
  hosts: ReadonlyMap<string, HostEntry>;
  /** Per piece, the hosts it contributes to. */
  hostsOf: ReadonlyMap<string, readonly string[]>;
  vhosts: Map<string, VirtualHost>;
  table: RouteTable;
}

function hasDelegate(vs: VirtualServiceInfo): boolean {
  const http = vs.spec.http;
  return Array.isArray(http) && http.some((h) => h && typeof h === 'object' && h.delegate);
}

/** A host's virtual host from its pieces' routes, concatenated and sorted as Istio does. */
function hostVirtualHost(
  ctx: ProxyContext,
  host: string,
  port: number,
  e: HostEntry,
  routes: ReadonlyMap<string, Route[]>,
): VirtualHost | undefined {
  const all = e.pieces.flatMap((k) => routes.get(k) ?? []);
  if (all.length === 0) return undefined;
  // One VS behind the host: the memo hands back the same VirtualHost while that VS is unchanged.
  const only = e.pieces.length === 1 ? routes.get(e.pieces[0]!) : undefined;
  return ctx.memo && only
    ? ctx.memo.vhost(
        `${host}:${port}`,
        [host],
        ctx.memo.sorted(only, sortVHostRoutes),
        e.requireTls,
      )
    : {
        name: `${host}:${port}`,
        domains: [host],
        routes: sortVHostRoutes(all),
        ...(e.requireTls ? { requireTls: true } : {}),
      };
}

// gateway.go buildGatewayHTTPRouteConfig: VirtualServicesForGateway(node.ConfigNamespace, gateway), so
// exportTo is judged from the gateway proxy's namespace; server `ns/` filters from the Gateway's.
function* httpRouteTable(
  ctx: ProxyContext,
  name: string,
  servers: readonly BoundServer[],
  port: number,
): Steps<RouteTable> {
  let units = 0;
  const vss = servers.map((b) =>
    virtualServicesFor(ctx.config, b.gatewayName, ctx.proxy.namespace, ctx.warnings, ctx.memo),
  );
  const memo = ctx.memo;
  const key = memo
    ? `gw|${memo.env(ctx)}|${name}|${port}|${memo.generations.of(ctx.config, 'Gateway')}|${JSON.stringify(ctx.proxy.labels)}`
    : '';
  const prev = memo?.gatewayTable(key) as GatewayTableRecord | undefined;
  if (memo && prev) {
    const patched = patchedGatewayTable(ctx, prev, servers, vss, port);
    if (patched) {
      if (patched.table === prev.table) memo.tableHits++;
      else memo.tablePatches++;
      memo.setGatewayTable(key, patched);
      for (const list of patched.warnings.values())
        for (const w of list) ctx.warnings.add(w.message, w.resource);
      return patched.table;
    }
  }
  if (memo) memo.tableBuilds++;
  const hosts = new Map<string, HostEntry>();
  const hostsOf = new Map<string, string[]>();
  const routes = new Map<string, Route[]>();
  const warnings = new Map<string, readonly CompileWarning[]>();
  for (let bi = 0; bi < servers.length; bi++) {
    const b = servers[bi]!;
    const gwNs = b.gateway.metadata.namespace;
    const list = vss[bi]!;
    for (let vi = 0; vi < list.length; vi++) {
      if (++units % UNITS_PER_YIELD === 0) yield;
      const vs = list[vi]!;
      const vsHosts = new Set((b.server.hosts ?? []).flatMap((sh) => intersect(sh, vs, gwNs)));
      if (vsHosts.size === 0) continue;
      const piece = `${bi}:${vi}`;
      const local = new WarningList();
      routes.set(piece, serverVsRoutes(ctx, b, vs, local));
      warnings.set(piece, local.items);
      for (const w of local.items) ctx.warnings.add(w.message, w.resource);
      hostsOf.set(piece, [...vsHosts]);
      for (const h of vsHosts) {
        let entry = hosts.get(h);
        if (!entry) hosts.set(h, (entry = { pieces: [], requireTls: false }));
        if (b.server.tls?.httpsRedirect) entry.requireTls = true;
        entry.pieces.push(piece);
      }
    }
  }
  const byHost = new Map<string, VirtualHost>();
  const vhosts: VirtualHost[] = [];
  for (const [host, e] of hosts) {
    if (++units % UNITS_PER_YIELD === 0) yield;
    const vh = hostVirtualHost(ctx, host, port, e, routes);
    if (!vh) continue;
    byHost.set(host, vh);
    vhosts.push(vh);
  }
  vhosts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // gateway.go: an empty route config gets a blackhole `*` vhost with no routes (404 NR).
  if (vhosts.length === 0) vhosts.push({ name: `blackhole:${port}`, domains: ['*'], routes: [] });
  const table = yield* makeRouteTableSteps(name, vhosts, port);
  // A delegating VS reads its delegates, which the patch cannot see change: such tables are rebuilt.
  if (memo && !vss.some((l) => l.some(hasDelegate)))
    memo.setGatewayTable(key, { vss, routes, warnings, hosts, hostsOf, vhosts: byHost, table });
  return table;
}

/**
 * The previous table, its VirtualServices edited in place (same position, name and hosts, routes
 * still present or still absent) given their new routes; undefined for a change of another shape.
 */
function patchedGatewayTable(
  ctx: ProxyContext,
  prev: GatewayTableRecord,
  servers: readonly BoundServer[],
  vss: readonly (readonly VirtualServiceInfo[])[],
  port: number,
): GatewayTableRecord | undefined {
  if (prev.vss.length !== vss.length) return undefined;
  const edited: [number, number][] = [];
  for (let bi = 0; bi < vss.length; bi++) {
    const before = prev.vss[bi]!;
    const after = vss[bi]!;
    if (before === after) continue;
    if (before.length !== after.length) return undefined;
    for (let vi = 0; vi < after.length; vi++) {
      const a = before[vi]!;
      const b = after[vi]!;
      if (a.resource === b.resource) continue;
      if (a.name !== b.name || a.namespace !== b.namespace || hasDelegate(b)) return undefined;
      if (a.hosts.length !== b.hosts.length || a.hosts.some((h, i) => h !== b.hosts[i]))
        return undefined;
      edited.push([bi, vi]);
    }
  }
  if (edited.length === 0) return { ...prev, vss };
  const { routes, warnings, vhosts } = prev;
  const changed = new Set<string>();
  for (const [bi, vi] of edited) {
    const piece = `${bi}:${vi}`;
    const before = routes.get(piece);
    // Not bound to this server's hosts before (and the hosts did not change): nothing to do.
    if (!before) continue;
    const local = new WarningList();
    const next = serverVsRoutes(ctx, servers[bi]!, vss[bi]![vi]!, local);
    // A host whose only VS loses all its routes leaves the table: not a patch.
    if ((before.length === 0) !== (next.length === 0)) return undefined;
    routes.set(piece, next);
    warnings.set(piece, local.items);
    if (next !== before) changed.add(piece);
  }
  const affected = new Set<string>();
  for (const piece of changed) for (const host of prev.hostsOf.get(piece) ?? []) affected.add(host);
  const swap = new Map<VirtualHost, VirtualHost>();
  for (const host of affected) {
    const e = prev.hosts.get(host);
    const old = vhosts.get(host);
    if (!e || !old) return undefined;
    const vh = hostVirtualHost(ctx, host, port, e, routes);
    if (!vh) return undefined;
    swap.set(old, vh);
    vhosts.set(host, vh);
  }
  const table = swap.size > 0 ? patchRouteTable(prev.table, swap, port) : prev.table;
  return { ...prev, vss, table };
}

function serverNames(s: Server): string[] {
  return (s.hosts ?? [])
    .map((h) => splitNamespacedHost(h).host.toLowerCase())
    .filter((h) => h !== '*');
}

export function* compileGateway(ctx: ProxyContext): Steps<{
  listeners: Listener[];
  routeTables: RouteTable[];
}> {
  const byPort = new Map<number, BoundServer[]>();
  for (const gw of ctx.config.byKind('Gateway')) {
    const spec = (gw.spec ?? {}) as GatewaySpec;
    const selector = stringMap(spec.selector);
    if (selector && !labelsMatch(selector, ctx.proxy.labels)) continue;
    for (const raw of objects<Server>(spec.servers)) {
      const server: Server = { ...raw, hosts: strings(raw.hosts) };
      const port = server.port?.number;
      const cls = classify(server);
      if (!port || !cls) continue;
      const list = byPort.get(port) ?? [];
      const first = list[0];
      const compatible =
        !first ||
        first.cls === cls ||
        (first.cls !== 'http' && first.cls !== 'tcp' && cls !== 'http' && cls !== 'tcp');
      if (!compatible) {
        ctx.warnings.add(
          `port ${port} already serves ${first.cls}; ${server.port?.protocol ?? ''} server dropped`,
          `Gateway ${gw.metadata.namespace}/${gw.metadata.name}`,
        );
        continue;
      }
      list.push({
        gateway: gw,
        gatewayName: `${gw.metadata.namespace}/${gw.metadata.name}`,
        server,
        port,
        cls,
      });
      byPort.set(port, list);
    }
  }
  const listeners: Listener[] = [];
  const routeTables: RouteTable[] = [];
  const gatewayNames = new Set([...byPort.values()].flatMap((l) => l.map((b) => b.gatewayName)));
  for (const name of gatewayNames)
    yield* warmVirtualServices(ctx.config, name, ctx.proxy.namespace, ctx.memo);
  for (const port of [...byPort.keys()].sort((a, b) => a - b)) {
    const servers = byPort.get(port)!;
    const chains: FilterChain[] = [];
    const plain = servers.filter((s) => s.cls === 'http');
    if (plain.length > 0) {
      const name = `http.${port}`;
      routeTables.push(yield* httpRouteTable(ctx, name, plain, port));
      chains.push({ name, serverNames: [], http: { routeTableName: name } });
    }
    for (const b of servers) {
      const who = `Gateway ${b.gateway.metadata.namespace}/${b.gateway.metadata.name}`;
      if (b.cls === 'https') {
        const tls = downstreamTls(ctx, b.server.tls ?? {}, who);
        if (!tls) continue;
        const name = `https.${port}.${b.server.port?.name ?? ''}.${b.gateway.metadata.name}.${b.gateway.metadata.namespace}`;
        routeTables.push(yield* httpRouteTable(ctx, name, [b], port));
        chains.push({
          name,
          serverNames: serverNames(b.server),
          tls,
          http: { routeTableName: name },
        });
      } else if (b.cls === 'passthrough' && b.server.tls?.mode === 'AUTO_PASSTHROUGH') {
        // istio/istio pilot/pkg/networking/core/gateway.go: AUTO_PASSTHROUGH servers get an
        // sni_cluster + tcp_proxy chain; the cluster comes from the SNI, so no VirtualService binds.
        chains.push({
          name: `auto_passthrough.${port}.${b.gateway.metadata.name}.${b.gateway.metadata.namespace}`,
          serverNames: serverNames(b.server),
          passthrough: true,
          autoPassthrough: true,
          tcp: { routes: [], statPrefix: `auto_passthrough.${port}` },
        });
      } else if (b.cls === 'passthrough') {
        const gwNs = b.gateway.metadata.namespace;
        for (const vs of virtualServicesFor(
          ctx.config,
          b.gatewayName,
          ctx.proxy.namespace,
          ctx.warnings,
          ctx.memo,
        )) {
          if (!(b.server.hosts ?? []).some((sh) => intersect(sh, vs, gwNs).length > 0)) continue;
          const mctx = matchCtx(ctx, b, vs);
          for (const rule of vs.spec.tls ?? []) {
            const w = weightedClusters(rule.route, mctx, ctx.destinations);
            if (!w) continue;
            for (const m of rule.match ?? []) {
              if (!l4StaticMatch(m, mctx)) continue;
              // sniHosts `*` matches any server name: a chain without server_names.
              const snis = (m.sniHosts ?? []).map((h) => h.toLowerCase()).filter((h) => h !== '*');
              chains.push({
                name: `${vs.namespace}/${vs.name}:${snis.join(',')}`,
                serverNames: snis,
                passthrough: true,
                tcp: { routes: [w], statPrefix: `${vs.namespace}/${vs.name}` },
              });
            }
          }
        }
      } else if (b.cls === 'tcp') {
        const gwNs = b.gateway.metadata.namespace;
        const tls =
          b.server.tls?.mode && b.server.tls.mode !== 'PASSTHROUGH'
            ? downstreamTls(ctx, b.server.tls, who)
            : undefined;
        for (const vs of virtualServicesFor(
          ctx.config,
          b.gatewayName,
          ctx.proxy.namespace,
          ctx.warnings,
          ctx.memo,
        )) {
          if (!(b.server.hosts ?? []).some((sh) => intersect(sh, vs, gwNs).length > 0)) continue;
          const routes = buildTcpRoutes(vs.spec.tcp ?? [], matchCtx(ctx, b, vs), ctx.destinations);
          if (routes.length === 0) continue;
          chains.push({
            name: `${vs.namespace}/${vs.name}`,
            serverNames: tls ? serverNames(b.server) : [],
            ...(tls ? { tls } : {}),
            tcp: { routes, statPrefix: `${vs.namespace}/${vs.name}` },
          });
          break; // the first bound VS with tcp routes serves the port
        }
      }
    }
    listeners.push({
      name: `0.0.0.0_${port}`,
      direction: 'gateway',
      address: '0.0.0.0',
      port,
      filterChains: chains,
    });
  }
  return { listeners, routeTables };
}

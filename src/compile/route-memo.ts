// Incremental recompiles: a VirtualService's compiled routes (and the virtual hosts built from them)
// are remembered across compiles, keyed by the VS resource object plus everything else route building
// reads (listener port, gateway, proxy namespace and labels, visible services' ports, DestinationRules,
// mesh config). An unchanged VS yields the very same Route objects (`===`), so only what a change
// touches is rebuilt and the data plane sees unchanged virtual hosts as identical. The output is
// value-equal to a compile without a memo (test/compile-incremental.test.ts compares them).
import type { VirtualServiceSpec } from '../config/istio-types.js';
import type { MeshConfig } from '../config/mesh-config.js';
import { KindGenerations } from '../config/kind-generations.js';
import type { ConfigSnapshot } from '../config/snapshot.js';
import type { Resource } from '../config/types.js';
import type { Registry, Service } from '../registry/types.js';
import type { ProxyContext } from './context.js';
import type { DestinationRuleIndex } from './destination-rules.js';
import type { Cluster, Endpoint, Route, RouteTable, VirtualHost } from './snapshot.js';
import type { VirtualServiceInfo, VsInfoCache } from './virtual-services.js';
import { WarningList, type CompileWarning } from './warnings.js';

interface Entry {
  routes: Route[];
  catchAll: boolean;
  warnings: readonly CompileWarning[];
}

/** Keys per VS kept at most (one per recent environment); older ones are dropped first. */
const PER_VS = 16;

const identities = new WeakMap<object, number>();
let nextIdentity = 0;

/** A small number standing for an object's identity (stable while the object lives). */
export function identityOf(o: object): number {
  let id = identities.get(o);
  if (id === undefined) identities.set(o, (id = ++nextIdentity));
  return id;
}

/** A sidecar outbound route table and what it was built from (sidecar.ts patches it in place). */
export interface TableRecord {
  /** The VirtualServices selected for the table, in precedence order. */
  vsList: readonly VirtualServiceInfo[];
  /** Per vsList entry: its routes, and the warnings building them gave. */
  routes: readonly Route[][];
  vsWarnings: readonly (readonly CompileWarning[])[];
  /** Warnings of virtual host assembly (duplicate domains). */
  hostWarnings: readonly CompileWarning[];
  table: RouteTable;
}

export class RouteMemo {
  /** Per-kind generations of the config snapshots compiled (indexes are kept per generation). */
  readonly generations: KindGenerations;
  private readonly tables = new Map<string, TableRecord>();
  private readonly gatewayTables = new Map<string, unknown>();
  /** VirtualService infos per VS object (virtual-services.ts). */
  readonly vsInfos: VsInfoCache = new WeakMap();
  private readonly vsLists = new WeakMap<
    ConfigSnapshot,
    Map<string, { list: VirtualServiceInfo[]; warnings: readonly CompileWarning[] }>
  >();
  private readonly drIndexes = new Map<string, DestinationRuleIndex>();
  private readonly servicesTokens = new WeakMap<Registry, Map<string, string>>();
  private readonly byVs = new WeakMap<Resource, Map<string, Entry>>();
  private readonly vhosts = new WeakMap<readonly Route[], Map<string, VirtualHost>>();
  private readonly sortedRoutes = new WeakMap<readonly Route[], Route[]>();
  private readonly envIds = new Map<string, number>();
  private readonly envByCtx = new WeakMap<ProxyContext, string>();
  private readonly labelsMatterBy = new WeakMap<ConfigSnapshot, boolean>();
  private readonly sourceLabelsBy = new WeakMap<Resource, boolean>();
  private readonly visibleBy = new WeakMap<
    Registry,
    Map<string, { services: Service[]; serviceByHost: Map<string, Service> }>
  >();
  private readonly clusters = new Map<
    string,
    { cluster: Cluster; warnings: readonly CompileWarning[] }
  >();
  private readonly meshTokens = new WeakMap<MeshConfig, string>();
  private readonly meshIds = new Map<string, number>();
  private readonly secretTokens = new WeakMap<ConfigSnapshot, string>();
  /** Counters for tests and the compile benchmark. */
  hits = 0;
  misses = 0;
  /** Route tables reused whole / patched in place / built from scratch. */
  tableHits = 0;
  tablePatches = 0;
  tableBuilds = 0;

  constructor(generations = new KindGenerations()) {
    this.generations = generations;
  }

  /** The route table record for `key` (environment, port, policy), if one was kept. */
  table(key: string): TableRecord | undefined {
    return this.tables.get(key);
  }

  setTable(key: string, record: TableRecord): void {
    // Keys of environments that went away linger; a bound keeps the map small.
    if (this.tables.size >= 1024) this.tables.clear();
    this.tables.set(key, record);
  }

  /** The services visible to a namespace (context.ts), once per registry. */
  visible(
    registry: Registry,
    namespace: string,
    build: () => { services: Service[]; serviceByHost: Map<string, Service> },
  ): { services: Service[]; serviceByHost: Map<string, Service> } {
    let perRegistry = this.visibleBy.get(registry);
    if (!perRegistry) this.visibleBy.set(registry, (perRegistry = new Map()));
    let hit = perRegistry.get(namespace);
    if (!hit) perRegistry.set(namespace, (hit = build()));
    return hit;
  }

  /** One DestinationRule index per DR generation, proxy namespace and labels, shared by proxies. */
  drIndex(key: string, build: () => DestinationRuleIndex): DestinationRuleIndex {
    let idx = this.drIndexes.get(key);
    if (!idx) {
      if (this.drIndexes.size >= 256) this.drIndexes.clear();
      this.drIndexes.set(key, (idx = build()));
    }
    return idx;
  }

  /** A gateway route table record (gateway.ts owns its shape). */
  gatewayTable(key: string): unknown {
    return this.gatewayTables.get(key);
  }

  setGatewayTable(key: string, record: unknown): void {
    if (this.gatewayTables.size >= 1024) this.gatewayTables.clear();
    this.gatewayTables.set(key, record);
  }

  /** virtualServicesFor's answer, computed once per config snapshot, gateway and viewer namespace. */
  virtualServices(
    config: ConfigSnapshot,
    key: string,
    warnings: WarningList,
    compute: (w: WarningList) => VirtualServiceInfo[],
  ): VirtualServiceInfo[] {
    let perConfig = this.vsLists.get(config);
    if (!perConfig) this.vsLists.set(config, (perConfig = new Map()));
    let hit = perConfig.get(key);
    if (!hit) {
      const local = new WarningList();
      hit = { list: compute(local), warnings: local.items };
      perConfig.set(key, hit);
    }
    for (const w of hit.warnings) warnings.add(w.message, w.resource);
    return hit.list;
  }

  /**
   * The environment a proxy's route building reads besides the VS itself, as a short token: proxy
   * namespace (and labels, when any VS `sourceLabels` or DR `workloadSelector` makes them matter),
   * visible services and their ports, DestinationRule objects, mesh config. Proxies with the same
   * environment share route objects; the token is computed once per (config, registry, key).
   */
  env(ctx: ProxyContext): string {
    const cached = this.envByCtx.get(ctx);
    if (cached !== undefined) return cached;
    const labels = this.labelsMatter(ctx.config) ? JSON.stringify(ctx.proxy.labels) : '*';
    // DestinationRules by generation (same objects = same token), services by value per registry.
    const text = [
      ctx.proxy.namespace,
      labels,
      this.mesh(ctx.mesh),
      `d${this.generations.of(ctx.config, 'DestinationRule')}`,
      this.servicesToken(ctx.registry, ctx.proxy.namespace, ctx.services),
    ].join('|');
    let id = this.envIds.get(text);
    if (id === undefined) {
      // Environments come and go with config revisions; a bounded table is plenty.
      if (this.envIds.size >= 256) this.envIds.clear();
      this.envIds.set(text, (id = identityOf({})));
    }
    const token = `e${id}`;
    this.envByCtx.set(ctx, token);
    return token;
  }

  /** The visible services' hosts, namespaces, ports and addresses, interned; once per registry. */
  private servicesToken(
    registry: Registry,
    namespace: string,
    services: readonly Service[],
  ): string {
    let perRegistry = this.servicesTokens.get(registry);
    if (!perRegistry) this.servicesTokens.set(registry, (perRegistry = new Map()));
    let token = perRegistry.get(namespace);
    if (token === undefined) {
      const parts: string[] = [];
      for (const s of services) {
        parts.push(s.hostname, s.namespace, s.addresses.join(' '));
        for (const p of s.ports) parts.push(`${p.port}/${p.protocol}`);
        parts.push(';');
      }
      const text = parts.join(',');
      let id = this.envIds.get(text);
      if (id === undefined) {
        if (this.envIds.size >= 256) this.envIds.clear();
        this.envIds.set(text, (id = identityOf({})));
      }
      token = `s${id}`;
      perRegistry.set(namespace, token);
    }
    return token;
  }

  /** Whether proxy labels can change routes: a VS match with sourceLabels, or a DR workloadSelector. */
  private labelsMatter(config: ConfigSnapshot): boolean {
    let v = this.labelsMatterBy.get(config);
    if (v === undefined) {
      v =
        config.byKind('DestinationRule').some((r) => {
          const sel = (r.spec as { workloadSelector?: { matchLabels?: object } } | undefined)
            ?.workloadSelector?.matchLabels;
          return !!sel && Object.keys(sel).length > 0;
        }) ||
        config.byKind('VirtualService').some((r) => {
          // Per VS object: a one-VS change re-reads one spec, not all of them.
          let has = this.sourceLabelsBy.get(r);
          if (has === undefined) {
            has = (['http', 'tcp', 'tls'] as const).some((kind) => {
              const rules = (r.spec as Record<string, unknown> | undefined)?.[kind];
              return (
                Array.isArray(rules) &&
                rules.some((rule: { match?: unknown }) =>
                  Array.isArray(rule?.match)
                    ? rule.match.some(
                        (m: { sourceLabels?: object }) =>
                          !!m?.sourceLabels && Object.keys(m.sourceLabels).length > 0,
                      )
                    : false,
                )
              );
            });
            this.sourceLabelsBy.set(r, has);
          }
          return has;
        });
      this.labelsMatterBy.set(config, v);
    }
    return v;
  }

  /** Memoized route building for one VS; replays the warnings the first build recorded. */
  routes(
    vs: Resource,
    key: string,
    warnings: WarningList,
    build: (w: WarningList) => { routes: Route[]; catchAll: boolean },
  ): { routes: Route[]; catchAll: boolean } {
    // A delegating VS also depends on its delegates: not memoized.
    const http = (vs.spec as VirtualServiceSpec | undefined)?.http;
    if (Array.isArray(http) && http.some((h) => h && typeof h === 'object' && h.delegate)) {
      return build(warnings);
    }
    let perVs = this.byVs.get(vs);
    const hit = perVs?.get(key);
    if (hit) {
      this.hits++;
      for (const w of hit.warnings) warnings.add(w.message, w.resource);
      return hit;
    }
    this.misses++;
    const local = new WarningList();
    const out = build(local);
    for (const w of local.items) warnings.add(w.message, w.resource);
    if (!perVs) this.byVs.set(vs, (perVs = new Map()));
    if (perVs.size >= PER_VS) perVs.delete(perVs.keys().next().value as string);
    const entry: Entry = { routes: out.routes, catchAll: out.catchAll, warnings: local.items };
    perVs.set(key, entry);
    return entry;
  }

  /** A token for the mesh config's value (object identity may change between snapshots). */
  mesh(mesh: MeshConfig): string {
    let t = this.meshTokens.get(mesh);
    if (t === undefined) {
      // Interned to a short token: it goes into every cluster key.
      const text = JSON.stringify(mesh);
      let id = this.meshIds.get(text);
      if (id === undefined) {
        if (this.meshIds.size >= 64) this.meshIds.clear();
        this.meshIds.set(text, (id = identityOf({})));
      }
      this.meshTokens.set(mesh, (t = `m${id}`));
    }
    return t;
  }

  /** Identities of the Secrets a cluster's TLS settings may read. */
  secrets(config: ConfigSnapshot): string {
    let t = this.secretTokens.get(config);
    if (t === undefined)
      this.secretTokens.set(config, (t = config.byKind('Secret').map(identityOf).join('+')));
    return t;
  }

  /**
   * A cluster built from the same inputs (`key` names them all but endpoints) is the previous object
   * when its endpoints are equal too, else a copy with the new endpoints and the same configHash.
   */
  cluster(
    key: string,
    endpoints: readonly Endpoint[],
    warnings: WarningList,
    build: (w: WarningList) => Cluster,
  ): Cluster {
    const hit = this.clusters.get(key);
    if (hit) {
      this.hits++;
      for (const w of hit.warnings) warnings.add(w.message, w.resource);
      const eps = hit.cluster.type === 'ORIGINAL_DST' ? [] : endpoints;
      if (sameEndpoints(hit.cluster.endpoints, eps)) return hit.cluster;
      const next = Object.freeze({ ...hit.cluster, endpoints: eps });
      this.clusters.set(key, { cluster: next, warnings: hit.warnings });
      return next;
    }
    this.misses++;
    const local = new WarningList();
    const cluster = build(local);
    for (const w of local.items) warnings.add(w.message, w.resource);
    // Keys of deleted services linger; a bound keeps the map from growing without end.
    if (this.clusters.size >= 200_000) this.clusters.clear();
    this.clusters.set(key, { cluster, warnings: local.items });
    return cluster;
  }

  /** `sort(routes)`, remembered for the same routes array. */
  sorted(routes: Route[], sort: (r: readonly Route[]) => Route[]): Route[] {
    let out = this.sortedRoutes.get(routes);
    if (!out) this.sortedRoutes.set(routes, (out = sort(routes)));
    return out;
  }

  /** The same VirtualHost object for the same name, domains and routes array. */
  vhost(
    name: string,
    domains: readonly string[],
    routes: Route[],
    requireTls?: boolean,
  ): VirtualHost {
    const key = `${name}|${domains.join(',')}|${requireTls ? 1 : 0}`;
    let perRoutes = this.vhosts.get(routes);
    const hit = perRoutes?.get(key);
    if (hit) return hit;
    if (!perRoutes) this.vhosts.set(routes, (perRoutes = new Map()));
    const vh: VirtualHost = {
      name,
      domains: [...domains],
      routes,
      ...(requireTls ? { requireTls } : {}),
    };
    perRoutes.set(key, vh);
    return vh;
  }
}

/** Endpoint lists equal field by field (labels by value). */
export function sameEndpoints(a: readonly Endpoint[], b: readonly Endpoint[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (
      x.address !== y.address ||
      x.port !== y.port ||
      x.weight !== y.weight ||
      x.locality !== y.locality ||
      x.priority !== y.priority ||
      x.localityWeight !== y.localityWeight ||
      x.workload !== y.workload ||
      x.tlsMode !== y.tlsMode ||
      JSON.stringify(x.labels) !== JSON.stringify(y.labels)
    )
      return false;
  }
  return true;
}

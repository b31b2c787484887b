// compileProxy: (config, registry, proxy) -> an immutable ProxySnapshot. Pure and deterministic; odd but
// valid config is skipped with a warning instead of failing the whole proxy.
import type { ConfigSnapshot } from '../config/snapshot.js';
import type { Registry } from '../registry/types.js';
import {
  localityFromLabels,
  localityFromTopologyLabels,
  withTopologyLabels,
} from '../registry/index.js';
import {
  buildInboundClusters,
  buildOutboundClusters,
  inboundPorts,
  specialClusters,
} from './clusters.js';
import { makeContext } from './context.js';
import { compileGateway } from './gateway.js';
import type { RouteMemo } from './route-memo.js';
import { compileSidecar } from './sidecar.js';
import { sidecarScopeFor } from './sidecar-scope.js';
import type { Cluster, Listener, ProxyIdentity, ProxySnapshot, RouteTable } from './snapshot.js';
import { WarningList, type CompileWarning } from './warnings.js';
import { NO_TLS_FILE_ROOTS, type TlsFileRoots } from './tls-files.js';
import { runSteps, type Steps } from '../runtime/steps.js';

export interface CompileOptions {
  /** Collects what was skipped and why. */
  warnings?: CompileWarning[];
  /** Per-VirtualService route memo shared across compiles; the output is value-equal without it. */
  memo?: RouteMemo;
  /** Directories certificate/key file paths in config may point into; none when unset (tls-files.ts). */
  tlsFileRoots?: TlsFileRoots;
}

/** Clusters of an earlier compile whose inputs the caller knows unchanged (snapshot-cache.ts). */
export interface ReusedClusters {
  clusters: ReadonlyMap<string, Cluster>;
  /** The warnings building them gave, replayed in their place. */
  warnings: readonly CompileWarning[];
}

/** A compile's snapshot plus what the incremental cache keeps beside it. */
export interface CompileResult {
  snapshot: ProxySnapshot;
  /** Warnings of cluster building alone (they come last in the proxy's warnings). */
  clusterWarnings: readonly CompileWarning[];
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value) && !Buffer.isBuffer(value)) {
    if (value instanceof Map) {
      for (const v of value.values()) deepFreeze(v);
    } else {
      for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
    }
    Object.freeze(value);
  }
  return value;
}

export function compileProxy(
  config: ConfigSnapshot,
  registry: Registry,
  proxy: ProxyIdentity,
  options: CompileOptions = {},
): ProxySnapshot {
  return runSteps(compileProxySteps(config, registry, proxy, options)).snapshot;
}

/** compileProxy as steps (steps.ts); `reuse` stands in for cluster building when given. */
export function* compileProxySteps(
  config: ConfigSnapshot,
  registry: Registry,
  proxy: ProxyIdentity,
  options: CompileOptions = {},
  reuse?: ReusedClusters,
): Steps<CompileResult> {
  const warnings = new WarningList();
  const clusterWarnings = new WarningList();
  const tlsFiles = options.tlsFileRoots ?? NO_TLS_FILE_ROOTS;
  const ctx = makeContext(config, registry, proxy, warnings, options.memo, tlsFiles);
  let listeners: Listener[];
  let routeTables: RouteTable[];
  let clusters: Cluster[];
  // istio/istio pilot/pkg/xds/ads.go setTopologyLabels: the proxy's locality from its workload (pod
  // label or Node), else its own topology labels, else its locality label; its labels gain the
  // topology labels failoverPriority compares.
  const proxyLocality =
    proxy.locality ||
    ctx.workload.locality ||
    localityFromTopologyLabels(proxy.labels) ||
    localityFromLabels(proxy.labels) ||
    '';
  const clusterCtx = {
    config,
    registry,
    mesh: ctx.mesh,
    drs: ctx.drs,
    proxyKind: proxy.kind,
    proxyNamespace: proxy.namespace,
    proxyLocality,
    proxyLabels: withTopologyLabels(proxy.labels, proxyLocality, ctx.workload.nodeName),
    warnings: clusterWarnings,
    tlsFiles,
    ...(options.memo ? { memo: options.memo } : {}),
  };
  let clusterMap: ReadonlyMap<string, Cluster> | undefined = reuse?.clusters;
  if (reuse) for (const w of reuse.warnings) clusterWarnings.add(w.message, w.resource);
  if (proxy.kind === 'router') {
    ({ listeners, routeTables } = yield* compileGateway(ctx));
    clusters = reuse
      ? []
      : [...(yield* buildOutboundClusters(clusterCtx, ctx.services)), ...specialClusters(ctx.mesh)];
  } else {
    const scope = sidecarScopeFor(
      config,
      proxy.namespace,
      proxy.labels,
      ctx.mesh.rootNamespace,
      ctx.mesh.outboundTrafficPolicy.mode,
    );
    const inbound = inboundPorts(registry, ctx.workload);
    const out = yield* compileSidecar(ctx, scope, inbound);
    listeners = out.listeners;
    routeTables = out.routeTables;
    clusters = reuse
      ? []
      : [
          ...(yield* buildOutboundClusters(clusterCtx, out.services)),
          ...specialClusters(ctx.mesh),
          ...buildInboundClusters(inbound, ctx.workload, ctx.mesh),
        ];
  }
  if (options.warnings) options.warnings.push(...warnings.items, ...clusterWarnings.items);
  if (!clusterMap) {
    const built = new Map<string, Cluster>();
    for (const c of clusters) if (!built.has(c.name)) built.set(c.name, c);
    clusterMap = built;
  }
  const tableMap = new Map<string, RouteTable>();
  for (const t of routeTables) if (!tableMap.has(t.name)) tableMap.set(t.name, t);
  const snapshot: ProxySnapshot = deepFreeze({
    version: config.revision,
    proxy,
    listeners,
    routeTables: tableMap,
    clusters: clusterMap,
    mesh: {
      accessLogFile: ctx.mesh.accessLogFile,
      accessLogEncoding: ctx.mesh.accessLogEncoding,
      shadowHostSuffix: ctx.mesh.shadowHostSuffix,
    },
  });
  return { snapshot, clusterWarnings: clusterWarnings.items };
}

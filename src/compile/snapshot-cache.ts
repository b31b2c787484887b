// Incremental recompiles: a new snapshot reuses the previous Cluster objects whose configHash and
// endpoints are unchanged, so identity-keyed per-cluster state in the data plane (pools, breakers,
// outlier ejections) survives; clusters with equal configHash but new endpoints keep their hash.
// When only kinds clusters never read changed (VirtualServices, Gateways) and the registry is the
// same object, the previous cluster map is kept whole; route tables are reused or patched per
// environment (route-memo.ts, sidecar.ts). compileSliced runs the same compile in event-loop slices.
import { KindGenerations } from '../config/kind-generations.js';
import type { ConfigSnapshot } from '../config/snapshot.js';
import type { Registry } from '../registry/types.js';
import {
  compileProxySteps,
  type CompileOptions,
  type CompileResult,
  type ReusedClusters,
} from './compile-proxy.js';
import { RouteMemo, sameEndpoints } from './route-memo.js';
import type { Cluster, ProxyIdentity, ProxySnapshot } from './snapshot.js';
import { runSteps, runStepsSliced, type Slicer, type Steps } from '../runtime/steps.js';

/** Replaces unchanged clusters of `next` by the objects of `prev` (same name, hash and endpoints). */
export function reuseUnchanged(
  prev: ProxySnapshot | undefined,
  next: ProxySnapshot,
): ProxySnapshot {
  if (!prev || prev.clusters === next.clusters) return next;
  let changed = false;
  const clusters = new Map<string, Cluster>();
  for (const [name, c] of next.clusters) {
    const old = prev.clusters.get(name);
    if (
      old &&
      old !== c &&
      old.configHash === c.configHash &&
      sameEndpoints(old.endpoints, c.endpoints)
    ) {
      clusters.set(name, old);
      changed = true;
    } else clusters.set(name, c);
  }
  if (!changed) return next;
  return Object.freeze({ ...next, clusters });
}

/** Kinds whose objects no cluster depends on: a change to them alone keeps every cluster. */
const CLUSTER_NEUTRAL_KINDS = new Set(['VirtualService', 'Gateway']);

interface Last {
  snapshot: ProxySnapshot;
  config: ConfigSnapshot;
  registry: Registry;
  identity: string;
  tlsFileRoots: unknown;
  clusterWarnings: CompileResult['clusterWarnings'];
}

/** Keeps the last snapshot per proxy id and recompiles against it. */
export class SnapshotCache {
  private readonly last = new Map<string, Last>();
  /** Which kinds changed between the config snapshots this cache compiled. */
  readonly generations: KindGenerations;
  /** Per-VirtualService routes and per-environment route tables shared by every proxy compiled. */
  readonly memo: RouteMemo;
  /** Compiles that kept the previous cluster map whole (for tests and the benchmark). */
  clusterReuses = 0;

  constructor(generations = new KindGenerations()) {
    this.generations = generations;
    this.memo = new RouteMemo(generations);
  }

  compile(
    config: ConfigSnapshot,
    registry: Registry,
    proxy: ProxyIdentity,
    options?: CompileOptions,
  ): ProxySnapshot {
    return runSteps(this.steps(config, registry, proxy, options));
  }

  /**
   * compile, giving the event loop a turn whenever `slicer` ends a slice. Run one at a time (the
   * memo is shared); the snapshot is only returned, never swapped in here.
   */
  compileSliced(
    config: ConfigSnapshot,
    registry: Registry,
    proxy: ProxyIdentity,
    slicer: Slicer,
    options?: CompileOptions,
  ): Promise<ProxySnapshot> {
    return runStepsSliced(this.steps(config, registry, proxy, options), slicer);
  }

  private *steps(
    config: ConfigSnapshot,
    registry: Registry,
    proxy: ProxyIdentity,
    options: CompileOptions = {},
  ): Steps<ProxySnapshot> {
    const prev = this.last.get(proxy.id);
    const identity = JSON.stringify(proxy);
    const reuse = prev && this.clustersKept(prev, config, registry, identity, options);
    const result = yield* compileProxySteps(
      config,
      registry,
      proxy,
      { ...options, memo: this.memo },
      reuse,
    );
    if (reuse) this.clusterReuses++;
    const next = reuseUnchanged(prev?.snapshot, result.snapshot);
    this.last.set(proxy.id, {
      snapshot: next,
      config,
      registry,
      identity,
      tlsFileRoots: options.tlsFileRoots,
      clusterWarnings: result.clusterWarnings,
    });
    return next;
  }

  /** The previous clusters, when nothing they are built from changed. */
  private clustersKept(
    prev: Last,
    config: ConfigSnapshot,
    registry: Registry,
    identity: string,
    options: CompileOptions,
  ): ReusedClusters | undefined {
    if (prev.registry !== registry || prev.identity !== identity) return undefined;
    if (prev.tlsFileRoots !== options.tlsFileRoots) return undefined;
    if (
      prev.config.meshConfig !== config.meshConfig &&
      JSON.stringify(prev.config.meshConfig) !== JSON.stringify(config.meshConfig)
    )
      return undefined;
    for (const kind of this.generations.changedKinds(prev.config, config))
      if (!CLUSTER_NEUTRAL_KINDS.has(kind)) return undefined;
    return { clusters: prev.snapshot.clusters, warnings: prev.clusterWarnings };
  }

  get(proxyId: string): ProxySnapshot | undefined {
    return this.last.get(proxyId)?.snapshot;
  }

  delete(proxyId: string): void {
    this.last.delete(proxyId);
  }
}

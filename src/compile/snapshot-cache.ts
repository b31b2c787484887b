// Incremental recompiles: a new snapshot reuses the previous Cluster objects whose configHash and
// endpoints are unchanged, so identity-keyed per-cluster state in the data plane (pools, breakers,
// outlier ejections) survives; clusters with equal configHash but new endpoints keep their hash.
import type { ConfigSnapshot } from '../config/snapshot.js';
import type { Registry } from '../registry/types.js';
import { compileProxy, type CompileOptions } from './compile-proxy.js';
import { RouteMemo, sameEndpoints } from './route-memo.js';
import type { Cluster, ProxyIdentity, ProxySnapshot } from './snapshot.js';

/** Replaces unchanged clusters of `next` by the objects of `prev` (same name, hash and endpoints). */
export function reuseUnchanged(
  prev: ProxySnapshot | undefined,
  next: ProxySnapshot,
): ProxySnapshot {
  if (!prev) return next;
  let changed = false;
  const clusters = new Map<string, Cluster>();
  for (const [name, c] of next.clusters) {
    const old = prev.clusters.get(name);
    if (old && old.configHash === c.configHash && sameEndpoints(old.endpoints, c.endpoints)) {
      clusters.set(name, old);
      changed = true;
    } else clusters.set(name, c);
  }
  if (!changed) return next;
  return Object.freeze({ ...next, clusters });
}

/** Keeps the last snapshot per proxy id and recompiles against it. */
export class SnapshotCache {
  private readonly last = new Map<string, ProxySnapshot>();
  /** Per-VirtualService routes shared by every proxy this cache compiles. */
  readonly memo = new RouteMemo();

  compile(
    config: ConfigSnapshot,
    registry: Registry,
    proxy: ProxyIdentity,
    options?: CompileOptions,
  ): ProxySnapshot {
    const next = reuseUnchanged(
      this.last.get(proxy.id),
      compileProxy(config, registry, proxy, { ...options, memo: this.memo }),
    );
    this.last.set(proxy.id, next);
    return next;
  }

  get(proxyId: string): ProxySnapshot | undefined {
    return this.last.get(proxyId);
  }

  delete(proxyId: string): void {
    this.last.delete(proxyId);
  }
}

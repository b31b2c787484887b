// Incremental recompiles: a new snapshot reuses the previous Cluster objects whose configHash and
// endpoints are unchanged, so identity-keyed per-cluster state in the data plane (pools, breakers,
// outlier ejections) survives; clusters with equal configHash but new endpoints keep their hash.
import type { ConfigSnapshot } from '../config/snapshot.js';
import type { Registry } from '../registry/types.js';
import { compileProxy, type CompileOptions } from './compile-proxy.js';
import type { Cluster, Endpoint, ProxyIdentity, ProxySnapshot } from './snapshot.js';

function sameEndpoints(a: readonly Endpoint[], b: readonly Endpoint[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (
      x.address !== y.address ||
      x.port !== y.port ||
      x.weight !== y.weight ||
      x.locality !== y.locality ||
      x.workload !== y.workload ||
      JSON.stringify(x.labels) !== JSON.stringify(y.labels)
    )
      return false;
  }
  return true;
}

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

  compile(
    config: ConfigSnapshot,
    registry: Registry,
    proxy: ProxyIdentity,
    options?: CompileOptions,
  ): ProxySnapshot {
    const next = reuseUnchanged(
      this.last.get(proxy.id),
      compileProxy(config, registry, proxy, options),
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

// An immutable view of all config at one revision: what analyze and compile read.
import { defaultMeshConfig, type MeshConfig } from './mesh-config.js';
import { resourceKey, type Resource } from './types.js';

export interface ConfigSnapshot {
  readonly revision: number;
  /** In creation order (Istio orders same-host VirtualServices by creation time). */
  readonly resources: readonly Resource[];
  readonly meshConfig: MeshConfig;
  byKind(kind: string): readonly Resource[];
  get(kind: string, namespace: string, name: string): Resource | undefined;
}

export function createConfigSnapshot(
  resources: readonly Resource[],
  meshConfig: MeshConfig = defaultMeshConfig(),
  revision = 1,
): ConfigSnapshot {
  const list = Object.freeze([...resources]);
  const byKind = new Map<string, Resource[]>();
  for (const r of list) {
    let arr = byKind.get(r.kind);
    if (!arr) byKind.set(r.kind, (arr = []));
    arr.push(r);
  }
  // The key index is built on the first get(): a store commit makes a snapshot per change, and
  // many are compiled without a single get().
  let byKey: Map<string, Resource> | undefined;
  return Object.freeze({
    revision,
    resources: list,
    meshConfig,
    byKind: (kind: string) => byKind.get(kind) ?? [],
    get: (kind: string, namespace: string, name: string) => {
      if (!byKey) {
        byKey = new Map();
        for (const r of list) byKey.set(resourceKey(r), r);
      }
      return byKey.get(`${kind}/${namespace}/${name}`);
    },
  });
}

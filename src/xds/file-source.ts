// Config and registry from YAML files, as `proxy-config -f` compiles them offline: the source the
// standalone control plane and the generator tests serve from (no local processes, so endpoints come
// from the files: Pods/Deployments, WorkloadEntries, ServiceEntry endpoints).
import { readFileSync } from 'node:fs';
import {
  createConfigSnapshot,
  KindGenerations,
  decodableResources,
  formatDiagnostic,
  loadResources,
  meshConfigFromResources,
  parseMeshConfig,
  type ConfigSnapshot,
  type Resource,
} from '../config/index.js';
import { buildRegistry, REGISTRY_KINDS, type Registry } from '../registry/index.js';

export interface MeshState {
  config: ConfigSnapshot;
  registry: Registry;
}

export interface FileSourceOptions {
  recursive?: boolean;
  namespace?: string;
  meshConfigFile?: string;
  /** Config revision to stamp (increases on every reload). */
  revision?: number;
  /**
   * The state before this reload: resources read again unchanged (same content, same place) are its
   * objects, so the compiler's memo and the encoded-resource cache, keyed by object, keep their work.
   */
  previous?: MeshState;
}

/** `next` with each resource equal to one of `prev` (content and source position) replaced by it. */
function reuseUnchanged(prev: ConfigSnapshot | undefined, next: readonly Resource[]): Resource[] {
  if (!prev) return [...next];
  const same = (a: Resource, b: Resource) =>
    a.source?.file === b.source?.file &&
    a.source?.line === b.source?.line &&
    a.namespaceExplicit === b.namespaceExplicit &&
    JSON.stringify(a.raw) === JSON.stringify(b.raw);
  return next.map((r) => {
    const old = prev.get(r.kind, r.metadata.namespace, r.metadata.name);
    return old && same(old, r) ? old : r;
  });
}

/**
 * Reloads keep the previous Registry object while no kind it reads changed (a VirtualService edit),
 * so the compiler keeps every proxy's clusters (snapshot-cache.ts) instead of rebuilding them.
 */
const generations = new KindGenerations();

/** Loads the files into a config snapshot and its registry, or the errors that stop it. */
export function meshFromFiles(
  files: readonly string[],
  opts: FileSourceOptions = {},
): { state?: MeshState; errors: string[] } {
  const loaded = loadResources(files, {
    recursive: opts.recursive ?? false,
    defaultNamespace: opts.namespace ?? 'default',
  });
  const decoded = decodableResources(loaded.resources);
  const errors = [...loaded.diagnostics, ...decoded.diagnostics]
    .filter((d) => d.level === 'Error')
    .map(formatDiagnostic);
  if (errors.length > 0) return { errors };
  const mesh = opts.meshConfigFile
    ? parseMeshConfig(readFileSync(opts.meshConfigFile, 'utf8'))
    : meshConfigFromResources(decoded.resources);
  const config = createConfigSnapshot(
    reuseUnchanged(opts.previous?.config, decoded.resources),
    mesh,
    opts.revision,
  );
  const previous = opts.previous;
  const registry =
    previous && generations.same(previous.config, config, REGISTRY_KINDS)
      ? previous.registry
      : buildRegistry(config);
  return { state: { config, registry }, errors: [] };
}

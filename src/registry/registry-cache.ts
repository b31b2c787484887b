// The registry is rebuilt only when what it reads changed: Services, ServiceEntries, Pods, Deployments,
// WorkloadEntries, Nodes or the local workloads. A VirtualService or DestinationRule change keeps the
// same Registry object, so compile-side indexes keyed by it stay valid (snapshot-cache.ts).
import type { ConfigSnapshot } from '../config/snapshot.js';
import { KindGenerations } from '../config/kind-generations.js';
import { buildRegistry, type RegistryOptions } from './build-registry.js';
import type { Registry } from './types.js';

/** Every kind buildRegistry and its helpers read (build-registry.ts, workloads.ts, locality.ts). */
export const REGISTRY_KINDS = [
  'Service',
  'ServiceEntry',
  'Pod',
  'Deployment',
  'WorkloadEntry',
  'Node',
] as const;

export class RegistryCache {
  private readonly last = new Map<
    string,
    { config: ConfigSnapshot; locals: string; registry: Registry }
  >();

  constructor(private readonly generations = new KindGenerations()) {}

  /** buildRegistry(config, options), or the registry of an earlier call with the same inputs. */
  build(config: ConfigSnapshot, options: RegistryOptions = {}, slot = 'default'): Registry {
    const locals = JSON.stringify(options.localWorkloads ?? []);
    const prev = this.last.get(slot);
    if (
      prev &&
      prev.locals === locals &&
      (prev.config === config || this.generations.same(prev.config, config, REGISTRY_KINDS))
    ) {
      prev.config = config;
      return prev.registry;
    }
    const registry = buildRegistry(config, options);
    this.last.set(slot, { config, locals, registry });
    return registry;
  }
}

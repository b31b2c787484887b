// The host -> service lookup the analyzers share: ServiceEntries (by exportTo) and Kubernetes Services
// (by the networking.istio.io/exportTo annotation) keyed by scope + FQDN.
// istio/istio pkg/config/analysis/analyzers/util/service_lookup.go InitServiceEntryHostMap, GetDestinationHost.
import type { ConfigSnapshot, Resource } from '../../config/index.js';
import type { KubeServiceSpec, ServiceEntrySpec } from '../../config/istio-types.js';

export interface RegistryPort {
  number: number;
  name: string;
  protocol: string;
}

/** A service as the analyzers see it: its ports, and the resource that defined it. */
export interface RegistryService {
  resource: Resource;
  ports: RegistryPort[];
}

/** host -> FQDN unless wildcard or already dotted (util/hosts.go ConvertHostToFQDN). */
export function toFqdn(namespace: string, host: string, domain = 'cluster.local'): string {
  if (!host.startsWith('*') && !host.includes('.')) return `${host}.${namespace}.svc.${domain}`;
  return host;
}

const scoped = (scope: string, fqdn: string): string => `${scope}/${fqdn}`;

export class ServiceRegistry {
  private readonly map = new Map<string, RegistryService>();

  constructor(
    snapshot: ConfigSnapshot,
    private readonly domain = 'cluster.local',
  ) {
    for (const r of snapshot.byKind('ServiceEntry')) {
      const spec = r.spec as ServiceEntrySpec;
      const ns = r.metadata.namespace;
      const svc: RegistryService = {
        resource: r,
        ports: (spec.ports ?? []).map((p) => ({
          number: p.number ?? 0,
          name: p.name ?? '',
          protocol: p.protocol ?? '',
        })),
      };
      const exportTo = spec.exportTo ?? [];
      for (const h of spec.hosts ?? []) {
        if (exportTo.length === 0) {
          this.map.set(scoped('*', toFqdn(ns, h, domain)), svc);
          continue;
        }
        for (const e of exportTo) {
          if (e === '*') {
            this.map.set(scoped('*', toFqdn(ns, h, domain)), svc);
            break;
          }
          this.map.set(scoped(e === '.' ? ns : e, toFqdn(ns, h, domain)), svc);
        }
      }
    }
    for (const r of snapshot.byKind('Service')) {
      const spec = r.spec as KubeServiceSpec;
      const ns = r.metadata.namespace;
      const svc: RegistryService = {
        resource: r,
        ports: (spec.ports ?? []).map((p) => ({
          number: p.port ?? 0,
          name: p.name ?? '',
          protocol: p.protocol ?? '',
        })),
      };
      const anno = r.metadata.annotations['networking.istio.io/exportTo'] ?? '';
      const scopes = anno === '' ? ['*'] : anno.split(',').map((s) => (s === '.' ? ns : s));
      for (const scope of scopes)
        this.map.set(scoped(scope, toFqdn(ns, r.metadata.name, domain)), svc);
    }
  }

  /** Resolves a destination host as seen from `sourceNs` with the referrer's exportTo (GetDestinationHost). */
  lookup(
    sourceNs: string,
    exportTo: readonly string[] | undefined,
    host: string,
  ): RegistryService | undefined {
    const fqdn = toFqdn(sourceNs, host, this.domain);
    const all = this.map.get(scoped('*', fqdn));
    if (all) return all;
    const scopes =
      !exportTo || exportTo.length === 0
        ? [sourceNs]
        : exportTo.map((e) => (e === '.' ? sourceNs : e));
    for (const s of scopes) {
      const hit = this.map.get(scoped(s, fqdn));
      if (hit) return hit;
    }
    const bare = host.startsWith('*') ? host.slice(1) : host;
    for (const [key, svc] of this.map) {
      const slash = key.indexOf('/');
      const scope = key.slice(0, slash);
      const seHost = key.slice(slash + 1);
      if (!seHost.startsWith('*')) continue;
      if (scope !== '*' && scope !== sourceNs) continue;
      if (bare.endsWith(seHost.slice(1))) return svc;
    }
    return undefined;
  }
}

// switchyard.RegistryOnlyAnalyzer: an external destination host with no ServiceEntry while the outbound
// traffic policy is REGISTRY_ONLY (mesh config, or the namespace's Sidecar) is blocked by the sidecar
// (istio/istio pilot/pkg/networking/core/listener.go BlackHoleCluster for REGISTRY_ONLY) (SY0005).
import type { SidecarSpec, VirtualServiceSpec } from '../../../config/istio-types.js';
import type { Analyzer, AnalysisContext } from '../../types.js';
import { mirrorDestinations, routeDestinations } from '../../util/routes.js';
import { ServiceRegistry } from '../../util/service-registry.js';

export const registryOnlyAnalyzer: Analyzer = {
  name: 'switchyard.RegistryOnlyAnalyzer',
  description: 'Checks for external hosts without a ServiceEntry under REGISTRY_ONLY',
  inputs: ['VirtualService', 'ServiceEntry', 'Service', 'Sidecar', 'MeshConfig'],
  analyze(ctx) {
    const registry = new ServiceRegistry(ctx.snapshot, ctx.domain);
    for (const r of ctx.snapshot.byKind('VirtualService')) {
      const vs = r.spec as VirtualServiceSpec;
      const gws = vs.gateways ?? [];
      if (gws.length > 0 && !gws.includes('mesh')) continue;
      if (outboundMode(ctx, r.metadata.namespace) !== 'REGISTRY_ONLY') continue;
      const seen = new Set<string>();
      for (const d of [...routeDestinations(vs), ...mirrorDestinations(vs)]) {
        const host = d.destination.host ?? '';
        if (seen.has(host) || !isExternal(host, ctx.domain)) continue;
        seen.add(host);
        if (!registry.lookup(r.metadata.namespace, vs.exportTo, host))
          ctx.report('SY0005', r, [host], d.path);
      }
    }
  },
};

/** The namespace-wide Sidecar's mode wins over the mesh config (istio/istio networking Sidecar). */
function outboundMode(ctx: AnalysisContext, namespace: string): string {
  const sidecar = ctx.snapshot
    .byKind('Sidecar')
    .find(
      (s) =>
        s.metadata.namespace === namespace &&
        Object.keys((s.spec as SidecarSpec).workloadSelector?.labels ?? {}).length === 0,
    );
  const mode = (sidecar?.spec as SidecarSpec | undefined)?.outboundTrafficPolicy?.mode;
  return mode ?? ctx.snapshot.meshConfig.outboundTrafficPolicy.mode;
}

function isExternal(host: string, domain: string): boolean {
  return host.includes('.') && !host.startsWith('*') && !host.endsWith(`.svc.${domain}`);
}

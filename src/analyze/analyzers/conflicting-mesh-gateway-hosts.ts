// virtualservice.ConflictingMeshGatewayHostsAnalyzer (istio/istio pkg/config/analysis/analyzers/
// virtualservice/conflictingmeshgatewayhosts.go): mesh-bound VirtualServices defining the same host in
// overlapping exportTo scopes (IST0109, once per VirtualService).
import { hostsIntersect, type Resource } from '../../config/index.js';
import type { VirtualServiceSpec } from '../../config/istio-types.js';
import type { Analyzer } from '../types.js';
import { toFqdn } from '../util/service-registry.js';
import { fullName } from '../util/routes.js';

export const conflictingMeshGatewayHostsAnalyzer: Analyzer = {
  name: 'virtualservice.ConflictingMeshGatewayHostsAnalyzer',
  description:
    'Checks if multiple virtual services associated with the mesh gateway have conflicting hosts',
  inputs: ['VirtualService'],
  analyze(ctx) {
    // scope ('*' or a namespace) -> fqdn -> VirtualServices
    const byKey = new Map<string, { scope: string; fqdn: string; list: Resource[] }>();
    for (const r of ctx.snapshot.byKind('VirtualService')) {
      const vs = r.spec as VirtualServiceSpec;
      const gws = vs.gateways ?? [];
      if (gws.length > 0 && !gws.includes('mesh')) continue;
      const exportTo = vs.exportTo ?? [];
      const scopes =
        exportTo.length === 0 || exportTo.includes('*')
          ? ['*']
          : [...new Set(exportTo.map((e) => (e === '.' ? r.metadata.namespace : e)))];
      for (const scope of scopes)
        for (const h of vs.hosts ?? []) {
          const fqdn = toFqdn(r.metadata.namespace, h, ctx.domain);
          const key = `${scope}/${fqdn}`;
          const entry = byKey.get(key) ?? { scope, fqdn, list: [] };
          if (!entry.list.includes(r)) entry.list.push(r);
          byKey.set(key, entry);
        }
    }
    const reported = new Set<Resource>();
    for (const entry of byKey.values()) {
      const list = [...entry.list];
      // A namespace-scoped host also collides with any exported-to-all host matching it.
      if (entry.scope !== '*')
        for (const other of byKey.values())
          if (other.scope === '*' && hostsIntersect(other.fqdn, entry.fqdn))
            for (const r of other.list) if (!list.includes(r)) list.push(r);
      if (list.length < 2) continue;
      const names = list.map(fullName).join(',');
      for (const r of list) {
        if (reported.has(r)) continue;
        reported.add(r);
        ctx.report('IST0109', r, [names, entry.fqdn], ['metadata', 'name']);
      }
    }
  },
};

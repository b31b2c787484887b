// virtualservice.DestinationRuleAnalyzer (istio/istio pkg/config/analysis/analyzers/virtualservice/
// destinationrules.go): a destination subset must be defined by a DestinationRule for its host (IST0101).
import type { DestinationRuleSpec, VirtualServiceSpec } from '../../config/istio-types.js';
import type { Analyzer } from '../types.js';
import { mirrorDestinations, routeDestinations } from '../util/routes.js';

/** host -> `namespace/name` (util/hosts.go GetResourceNameFromHost). */
export function resourceNameFromHost(
  defaultNs: string,
  host: string,
  domain = 'cluster.local',
): string {
  const suffix = `.svc.${domain}`;
  if (host.endsWith(suffix)) {
    const parts = host.slice(0, -suffix.length).split('.');
    if (parts.length >= 2) {
      const ns = parts[parts.length - 1] as string;
      return `${ns}/${parts.slice(0, -1).join('.')}`;
    }
  }
  return `${defaultNs}/${host}`;
}

export const destinationRuleAnalyzer: Analyzer = {
  name: 'virtualservice.DestinationRuleAnalyzer',
  description: 'Checks the destination rules associated with each virtual service',
  inputs: ['VirtualService', 'DestinationRule'],
  analyze(ctx) {
    const subsets = new Set<string>();
    for (const dr of ctx.snapshot.byKind('DestinationRule')) {
      const spec = dr.spec as DestinationRuleSpec;
      const name = resourceNameFromHost(dr.metadata.namespace, spec.host ?? '', ctx.domain);
      for (const s of spec.subsets ?? []) subsets.add(`${name}+${s?.name ?? ''}`);
    }
    for (const r of ctx.snapshot.byKind('VirtualService')) {
      const vs = r.spec as VirtualServiceSpec;
      const check = (
        host: string,
        subset: string | undefined,
        reftype: string,
        path: (string | number)[],
      ) => {
        if (!subset) return;
        const name = resourceNameFromHost(r.metadata.namespace, host, ctx.domain);
        if (!subsets.has(`${name}+${subset}`))
          ctx.report('IST0101', r, [reftype, `${host}+${subset}`], path);
      };
      for (const d of routeDestinations(vs))
        check(
          d.destination.host ?? '',
          d.destination.subset,
          'host+subset in destinationrule',
          d.path,
        );
      for (const d of mirrorDestinations(vs))
        check(
          d.destination.host ?? '',
          d.destination.subset,
          'mirror+subset in destinationrule',
          d.path,
        );
    }
  },
};

// switchyard.DestinationRulePortAnalyzer: a DestinationRule portLevelSettings port the service does not
// expose never applies (istio/istio pilot/pkg/networking/core/cluster_traffic_policy.go selectTrafficPolicyComponents
// matches port-level settings by the cluster's service port) (SY0006).
import type { DestinationRuleSpec, TrafficPolicy } from '../../../config/istio-types.js';
import type { Analyzer } from '../../types.js';
import { ServiceRegistry } from '../../util/service-registry.js';

export const destinationRulePortAnalyzer: Analyzer = {
  name: 'switchyard.DestinationRulePortAnalyzer',
  description: 'Checks that DestinationRule port-level settings name ports the service exposes',
  inputs: ['DestinationRule', 'Service', 'ServiceEntry'],
  analyze(ctx) {
    const registry = new ServiceRegistry(ctx.snapshot, ctx.domain);
    for (const r of ctx.snapshot.byKind('DestinationRule')) {
      const dr = r.spec as DestinationRuleSpec;
      const host = dr.host ?? '';
      const svc = registry.lookup(r.metadata.namespace, dr.exportTo, host);
      if (!svc || svc.ports.length === 0) continue;
      const ports = svc.ports.map((p) => p.number);
      const check = (tp: TrafficPolicy | undefined, base: (string | number)[]) =>
        (tp?.portLevelSettings ?? []).forEach((p, i) => {
          const n = p?.port?.number;
          if (typeof n === 'number' && !ports.includes(n))
            ctx.report('SY0006', r, [n, host, ports], [...base, 'portLevelSettings', i, 'port']);
        });
      check(dr.trafficPolicy, ['spec', 'trafficPolicy']);
      (dr.subsets ?? []).forEach((s, i) =>
        check(s?.trafficPolicy, ['spec', 'subsets', i, 'trafficPolicy']),
      );
    }
  },
};

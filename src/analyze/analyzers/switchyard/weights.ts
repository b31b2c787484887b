// switchyard.WeightAnalyzer: route weights not adding up to 100 (SY0001). Istio scales them (istio/istio
// pilot/pkg/networking/core/route/route.go weighted clusters use the weights as given, Envoy normalises
// by their total), which is rarely what the author meant.
import type { VirtualServiceSpec } from '../../../config/istio-types.js';
import type { Analyzer } from '../../types.js';
import { ruleLabel } from '../../util/rules.js';

export const weightAnalyzer: Analyzer = {
  name: 'switchyard.WeightAnalyzer',
  description: 'Checks that the weights of a route with several destinations add up to 100',
  inputs: ['VirtualService'],
  analyze(ctx) {
    for (const r of ctx.snapshot.byKind('VirtualService')) {
      const vs = r.spec as VirtualServiceSpec;
      for (const kind of ['http', 'tcp', 'tls'] as const)
        (vs[kind] ?? []).forEach((rule, i) => {
          const route = rule?.route ?? [];
          if (route.length < 2) return;
          if (!route.some((d) => typeof d?.weight === 'number')) return;
          const total = route.reduce((sum, d) => sum + (d?.weight ?? 0), 0);
          if (total !== 100)
            ctx.report(
              'SY0001',
              r,
              [ruleLabel(kind, i, (rule as { name?: string }).name), total],
              ['spec', kind, i, 'route'],
            );
        });
    }
  },
};

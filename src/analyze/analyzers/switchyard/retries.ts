// switchyard.RetryAnalyzer: explicit retries towards a destination with no outlier detection (SY0003):
// retries then keep landing on the failing endpoints (istio/istio networking DestinationRule
// OutlierDetection is what ejects them; retry_host_predicate only avoids the previous host).
import type { DestinationRuleSpec, VirtualServiceSpec } from '../../../config/istio-types.js';
import type { Analyzer } from '../../types.js';
import { destinationRulesFor } from '../../util/destination-rules.js';
import { ruleLabel } from '../../util/rules.js';

export const retryAnalyzer: Analyzer = {
  name: 'switchyard.RetryAnalyzer',
  description: 'Checks that routes with retries send to destinations with outlier detection',
  inputs: ['VirtualService', 'DestinationRule'],
  analyze(ctx) {
    for (const r of ctx.snapshot.byKind('VirtualService')) {
      const vs = r.spec as VirtualServiceSpec;
      (vs.http ?? []).forEach((rule, i) => {
        const attempts = rule?.retries?.attempts ?? 0;
        if (attempts <= 0) return;
        const seen = new Set<string>();
        for (const rd of rule?.route ?? []) {
          const host = rd?.destination?.host;
          if (!host || seen.has(host)) continue;
          seen.add(host);
          const subset = rd?.destination?.subset;
          const drs = destinationRulesFor(ctx.snapshot, r.metadata.namespace, host, ctx.domain);
          const protectedByOd = drs.some((dr) => {
            const spec = dr.spec as DestinationRuleSpec;
            const policies = [
              spec.trafficPolicy,
              ...(subset
                ? (spec.subsets ?? [])
                    .filter((s) => s?.name === subset)
                    .map((s) => s?.trafficPolicy)
                : []),
            ];
            return policies.some(
              (tp) =>
                tp?.outlierDetection !== undefined ||
                (tp?.portLevelSettings ?? []).some((p) => p?.outlierDetection !== undefined),
            );
          });
          if (!protectedByOd)
            ctx.report(
              'SY0003',
              r,
              [ruleLabel('http', i, rule?.name), attempts, host],
              ['spec', 'http', i, 'retries'],
            );
        }
      });
    }
  },
};

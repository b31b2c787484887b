// gateway.ConflictingGatewayAnalyzer (istio/istio pkg/config/analysis/analyzers/gateway/conflictinggateway.go):
// two Gateways on the same workload (equal selectors, or nested selectors sharing a Pod) with the same
// port number, the same host and the same bind conflict (IST0145, one per conflicting server).
import { formatSelector, labelsMatch } from '../../config/index.js';
import type { GatewaySpec } from '../../config/istio-types.js';
import type { Analyzer } from '../types.js';
import { workloadPods } from '../util/pods.js';
import { fullName } from '../util/routes.js';

export const conflictingGatewayAnalyzer: Analyzer = {
  name: 'gateway.ConflictingGatewayAnalyzer',
  description: "Checks a gateway's selector, port number and hosts",
  inputs: ['Gateway', 'Pod'],
  analyze(ctx) {
    const gateways = ctx.snapshot.byKind('Gateway');
    const pods = workloadPods(ctx.snapshot);
    const sameWorkload = (a: Record<string, string>, b: Record<string, string>): boolean => {
      const sa = formatSelector(a);
      const sb = formatSelector(b);
      if (sa === sb) return true;
      if (!sa.includes(sb) && !sb.includes(sa)) return false;
      return pods.some(
        (p) => labelsMatch(a, p.metadata.labels) && labelsMatch(b, p.metadata.labels),
      );
    };
    for (const g of gateways) {
      const gs = g.spec as GatewaySpec;
      const gSel = gs.selector ?? {};
      (gs.servers ?? []).forEach((server, i) => {
        const port = server?.port?.number ?? 0;
        const hosts = server?.hosts ?? [];
        const conflicts = new Set<string>();
        for (const h of gateways) {
          if (h === g) continue;
          const hs = h.spec as GatewaySpec;
          if (!sameWorkload(gSel, hs.selector ?? {})) continue;
          for (const other of hs.servers ?? []) {
            if ((other?.port?.number ?? 0) !== port) continue;
            if ((other?.bind ?? '') !== (server?.bind ?? '')) continue;
            if (hosts.some((x) => (other?.hosts ?? []).includes(x))) conflicts.add(fullName(h));
          }
        }
        if (conflicts.size > 0)
          ctx.report(
            'IST0145',
            g,
            [[...conflicts].sort().join(','), formatSelector(gSel), String(port), hosts.join(',')],
            ['spec', 'servers', i],
          );
      });
    }
  },
};

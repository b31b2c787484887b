// deprecation.DeprecationAnalyzer (istio/istio pkg/config/analysis/analyzers/deprecation/deprecation.go):
// IST0002 for VirtualService fault.delay.percent and Sidecar outboundTrafficPolicy.egressProxy.
import type { SidecarSpec, VirtualServiceSpec } from '../../config/istio-types.js';
import type { Analyzer } from '../types.js';

export const deprecationAnalyzer: Analyzer = {
  name: 'deprecation.DeprecationAnalyzer',
  description: 'Checks for deprecated Istio types and fields',
  inputs: ['VirtualService', 'Sidecar'],
  analyze(ctx) {
    for (const r of ctx.snapshot.byKind('VirtualService')) {
      const vs = r.spec as VirtualServiceSpec;
      (vs.http ?? []).forEach((route, i) => {
        const percent = route?.fault?.delay?.percent;
        if (typeof percent === 'number' && percent > 0)
          ctx.report(
            'IST0002',
            r,
            ['HTTPRoute.fault.delay.percent is deprecated; use HTTPRoute.fault.delay.percentage'],
            ['spec', 'http', i, 'fault', 'delay', 'percent'],
          );
      });
    }
    for (const r of ctx.snapshot.byKind('Sidecar')) {
      const sc = r.spec as SidecarSpec;
      if (sc.outboundTrafficPolicy?.egressProxy)
        ctx.report(
          'IST0002',
          r,
          ['OutboundTrafficPolicy.EgressProxy ignored'],
          ['spec', 'outboundTrafficPolicy', 'egressProxy'],
        );
    }
  },
};

// gateway.IngressGatewayPortAnalyzer (istio/istio pkg/config/analysis/analyzers/gateway/gateway.go):
// a Gateway's selector must match a Pod (IST0101 selector), and each server port must be exposed by
// a Service selecting that Pod, as a port or targetPort of a TCP port (IST0162).
import { formatSelector, labelsMatch } from '../../config/index.js';
import type { GatewaySpec, KubeServiceSpec } from '../../config/istio-types.js';
import type { Analyzer } from '../types.js';
import { podsMatching } from '../util/pods.js';

export const ingressGatewayPortAnalyzer: Analyzer = {
  name: 'gateway.IngressGatewayPortAnalyzer',
  description: "Checks a gateway's ports against the gateway's Kubernetes service ports",
  inputs: ['Gateway', 'Pod', 'Service'],
  analyze(ctx) {
    for (const r of ctx.snapshot.byKind('Gateway')) {
      const gw = r.spec as GatewaySpec;
      const selector = gw.selector ?? {};
      const pods = podsMatching(ctx.snapshot, selector);
      if (pods.length === 0) {
        ctx.report('IST0101', r, ['selector', formatSelector(selector)], ['spec', 'selector']);
        continue;
      }
      const exposed = new Set<number>();
      for (const pod of pods) {
        for (const svc of ctx.snapshot.byKind('Service')) {
          if (svc.metadata.namespace !== pod.metadata.namespace) continue;
          const spec = svc.spec as KubeServiceSpec;
          if (!spec.selector || Object.keys(spec.selector).length === 0) continue;
          if (!labelsMatch(spec.selector, pod.metadata.labels)) continue;
          for (const p of spec.ports ?? []) {
            if ((p.protocol ?? 'TCP') !== 'TCP') continue;
            if (typeof p.port === 'number') exposed.add(p.port);
            if (typeof p.targetPort === 'number') exposed.add(p.targetPort);
          }
        }
      }
      (gw.servers ?? []).forEach((server, i) => {
        const port = server?.port?.number ?? 0;
        if (!exposed.has(port))
          ctx.report(
            'IST0162',
            r,
            [port, formatSelector(selector)],
            ['spec', 'servers', i, 'port'],
          );
      });
    }
  },
};

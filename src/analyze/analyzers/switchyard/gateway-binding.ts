// switchyard.GatewayBindingAnalyzer: a VirtualService without `gateways` whose host a Gateway serves
// binds to the mesh only (istio/istio networking VirtualService.gateways: "If omitted, the default
// gateway (mesh) will be used"), so ingress traffic never sees its routes (SY0002).
import { hostsIntersect, resolveGatewayName } from '../../../config/index.js';
import type { GatewaySpec, VirtualServiceSpec } from '../../../config/istio-types.js';
import type { Analyzer } from '../../types.js';
import { fullName } from '../../util/routes.js';
import { hostsForNamespace, istioGatewayHosts } from '../virtual-service-gateway.js';

export const gatewayBindingAnalyzer: Analyzer = {
  name: 'switchyard.GatewayBindingAnalyzer',
  description:
    'Checks for VirtualServices whose hosts a Gateway serves but that bind to no gateway',
  inputs: ['VirtualService', 'Gateway'],
  analyze(ctx) {
    const vss = ctx.snapshot.byKind('VirtualService');
    const gateways = ctx.snapshot.byKind('Gateway');
    for (const r of vss) {
      const vs = r.spec as VirtualServiceSpec;
      if ((vs.gateways ?? []).length > 0) continue;
      for (const h of vs.hosts ?? []) {
        if (h === '*') continue;
        for (const g of gateways) {
          const gwHosts = hostsForNamespace(
            istioGatewayHosts(g.spec as GatewaySpec, g.metadata.namespace),
            r.metadata.namespace,
          ).filter((gh) => gh !== '*');
          if (!gwHosts.some((gh) => hostsIntersect(gh, h))) continue;
          // Another VirtualService already routes this host on the gateway: nothing is lost.
          const gwFull = fullName(g);
          const served = vss.some((o) => {
            const os = o.spec as VirtualServiceSpec;
            return (
              (os.gateways ?? []).some(
                (x) => resolveGatewayName(x, o.metadata.namespace) === gwFull,
              ) && (os.hosts ?? []).some((oh) => hostsIntersect(oh, h))
            );
          });
          if (served) continue;
          ctx.report('SY0002', r, [h, gwFull], ['spec', 'hosts']);
          break;
        }
      }
    }
  },
};

// virtualservice.DestinationHostAnalyzer (istio/istio pkg/config/analysis/analyzers/virtualservice/
// destinationhosts.go): route and mirror hosts must resolve to a Service or ServiceEntry (IST0101), a
// destination without port needs a single-port target (IST0112), a given port must exist (IST0101
// host:port); a subset-less gateway route to a host other VirtualServices split by subset (IST0140).
import type { Resource } from '../../config/index.js';
import type { Destination, VirtualServiceSpec } from '../../config/istio-types.js';
import type { AnalysisContext, Analyzer } from '../types.js';
import { ServiceRegistry, type RegistryService } from '../util/service-registry.js';
import {
  fullName,
  mirrorDestinations,
  routeDestinations,
  type RouteDestinationRef,
} from '../util/routes.js';

export const destinationHostAnalyzer: Analyzer = {
  name: 'virtualservice.DestinationHostAnalyzer',
  description: 'Checks the destination hosts associated with each virtual service',
  inputs: ['ServiceEntry', 'VirtualService', 'Service'],
  analyze(ctx) {
    const registry = new ServiceRegistry(ctx.snapshot, ctx.domain);
    // VirtualServices that route their own host to a subset.
    const withSubsets: { vs: Resource; destinations: Destination[] }[] = [];
    for (const r of ctx.snapshot.byKind('VirtualService')) {
      const vs = r.spec as VirtualServiceSpec;
      const destinations: Destination[] = [];
      for (const rule of vs.http ?? [])
        for (const rd of rule?.route ?? []) {
          const d = rd?.destination;
          if (d?.subset && (vs.hosts ?? []).includes(d.host ?? '')) destinations.push(d);
        }
      if (destinations.length > 0) withSubsets.push({ vs: r, destinations });
    }
    for (const r of ctx.snapshot.byKind('VirtualService')) {
      const vs = r.spec as VirtualServiceSpec;
      for (const d of routeDestinations(vs)) {
        const host = d.destination.host ?? '';
        const s = registry.lookup(r.metadata.namespace, vs.exportTo, host);
        if (!s) {
          ctx.report('IST0101', r, ['host', host], d.path);
          continue;
        }
        checkPorts(ctx, r, d, s);
      }
      for (const d of mirrorDestinations(vs)) {
        const host = d.destination.host ?? '';
        const s = registry.lookup(r.metadata.namespace, vs.exportTo, host);
        if (!s) {
          ctx.report('IST0101', r, ['mirror host', host], d.path);
          continue;
        }
        checkPorts(ctx, r, d, s);
      }
      if ((vs.gateways ?? []).length === 0) continue;
      (vs.http ?? []).forEach((rule, ruleIndex) => {
        (rule?.route ?? []).forEach((rd, routeIndex) => {
          const d = rd?.destination ?? {};
          if (d.subset) return;
          for (const other of withSubsets)
            for (const od of other.destinations)
              if (od.host === d.host)
                ctx.report(
                  'IST0140',
                  r,
                  [fullName(other.vs), fullName(r)],
                  ['spec', 'http', ruleIndex, 'route', routeIndex, 'destination', 'host'],
                );
        });
      });
    }
  },
};

function checkPorts(
  ctx: AnalysisContext,
  r: Resource,
  d: RouteDestinationRef,
  s: RegistryService,
): void {
  const port = d.destination.port?.number;
  if (port === undefined) {
    if (s.ports.length > 1)
      ctx.report('IST0112', r, [d.destination.host ?? '', s.ports.map((p) => p.number)], d.path);
    return;
  }
  if (!s.ports.some((p) => p.number === port))
    ctx.report('IST0101', r, ['host:port', `${d.destination.host ?? ''}:${port}`], d.path);
}

// Walks a VirtualService's destinations as istio/istio pkg/config/analysis/analyzers/virtualservice/util.go
// getRouteDestinations / getHTTPMirrorDestinations do (http, tcp, tls routes; http mirror and mirrors).
import type { Destination, VirtualServiceSpec } from '../../config/istio-types.js';

export interface RouteDestinationRef {
  /** http | tcp | tls | http.mirror | http.mirrors */
  kind: 'http' | 'tcp' | 'tls' | 'http.mirror' | 'http.mirrors';
  ruleIndex: number;
  /** Index within route[] / mirrors[]; 0 for mirror. */
  index: number;
  destination: Destination;
  /** Field path of the destination's host. */
  path: (string | number)[];
}

export function routeDestinations(vs: VirtualServiceSpec): RouteDestinationRef[] {
  const out: RouteDestinationRef[] = [];
  for (const kind of ['http', 'tcp', 'tls'] as const) {
    (vs[kind] ?? []).forEach((rule, ruleIndex) => {
      (rule?.route ?? []).forEach((rd, index) => {
        out.push({
          kind,
          ruleIndex,
          index,
          destination: rd?.destination ?? {},
          path: ['spec', kind, ruleIndex, 'route', index, 'destination', 'host'],
        });
      });
    });
  }
  return out;
}

export function mirrorDestinations(vs: VirtualServiceSpec): RouteDestinationRef[] {
  const out: RouteDestinationRef[] = [];
  (vs.http ?? []).forEach((rule, ruleIndex) => {
    if (rule?.mirror)
      out.push({
        kind: 'http.mirror',
        ruleIndex,
        index: 0,
        destination: rule.mirror,
        path: ['spec', 'http', ruleIndex, 'mirror', 'host'],
      });
    (rule?.mirrors ?? []).forEach((m, index) => {
      if (m?.destination)
        out.push({
          kind: 'http.mirrors',
          ruleIndex,
          index,
          destination: m.destination,
          path: ['spec', 'http', ruleIndex, 'mirrors', index, 'destination', 'host'],
        });
    });
  });
  return out;
}

/** `ns/name` as Istio's resource.FullName prints it (just `name` without a namespace). */
export function fullName(r: { metadata: { namespace: string; name: string } }): string {
  return r.metadata.namespace ? `${r.metadata.namespace}/${r.metadata.name}` : r.metadata.name;
}

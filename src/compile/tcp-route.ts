// VS tcp / tls rules -> tcp_proxy routes (istio/istio pilot/pkg/networking/core/networkfilter.go,
// tls.go): static predicates per match, weighted clusters with weight > 0.
import type { L4MatchAttributes, RouteDestination } from '../config/istio-types.js';
import { objects } from '../registry/shape.js';
import type { DestinationResolver } from './http-route.js';
import { staticMatch, type MatchContext } from './route-match.js';
import type { TcpRoute, WeightedCluster } from './snapshot.js';

/** L4 match blocks share HTTP's static predicates (port, gateways, sourceLabels, sourceNamespace). */
export const l4StaticMatch: (m: L4MatchAttributes | undefined, ctx: MatchContext) => boolean =
  staticMatch;

export function weightedClusters(
  route: readonly RouteDestination[] | undefined,
  ctx: MatchContext,
  destinations: DestinationResolver,
): { clusters: WeightedCluster[]; totalWeight: number } | undefined {
  const dests = objects<RouteDestination>(route).filter(
    (d) => typeof d.destination?.host === 'string' && d.destination.host !== '',
  );
  const weightOf = (d: { weight?: unknown }) => (typeof d.weight === 'number' ? d.weight : 0);
  const kept = dests.length === 1 ? dests : dests.filter((d) => weightOf(d) > 0);
  if (kept.length === 0) return undefined;
  const clusters = kept.map((d) => ({
    clusterName: destinations.cluster(d.destination!, ctx.vsNamespace, ctx.listenerPort),
    weight: dests.length === 1 ? 1 : weightOf(d),
  }));
  return { clusters, totalWeight: clusters.reduce((s, c) => s + c.weight, 0) };
}

/** The tcp routes of VS tcp rules for one listener, first match first. */
export function buildTcpRoutes(
  rules: readonly { match?: L4MatchAttributes[]; route?: RouteDestination[] }[],
  ctx: MatchContext,
  destinations: DestinationResolver,
): TcpRoute[] {
  const out: TcpRoute[] = [];
  for (const rule of objects<{ match?: L4MatchAttributes[]; route?: RouteDestination[] }>(rules)) {
    const w = weightedClusters(rule.route, ctx, destinations);
    if (!w) continue;
    const matches = objects<L4MatchAttributes>(rule.match);
    const blocks = matches.length > 0 ? matches : [undefined];
    for (const b of blocks) {
      if (!l4StaticMatch(b, ctx)) continue;
      out.push({
        ...(b?.destinationSubnets && b.destinationSubnets.length > 0
          ? { destinationSubnets: b.destinationSubnets }
          : {}),
        ...w,
      });
    }
  }
  return out;
}

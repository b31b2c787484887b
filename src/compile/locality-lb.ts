// Locality load balancing as Istio writes it into a proxy's endpoints (istio/istio pilot/pkg/
// networking/core/loadbalancer/loadbalancer.go GetEffectiveLbSetting, ApplyToCluster,
// ApplyLocalityLoadBalancer, applyLocalityWeights, applyLocalityFailover, applyFailoverPriorities;
// pilot/pkg/xds/endpoints/endpoint_builder.go: one LocalityLbEndpoints per locality, sorted, weighing
// the sum of its endpoints' weights). Priorities are relative to the client proxy's locality.
import type { LocalityLoadBalancerSetting, LoadBalancerSettings } from '../config/istio-types.js';
import { splitLocality } from '../registry/index.js';
import type { Endpoint } from './snapshot.js';

export interface LocalityLbInput {
  /** Mesh `localityLbSetting` (Istio's default: `{enabled: true}`). */
  mesh: LocalityLoadBalancerSetting | undefined;
  /** The cluster's effective DestinationRule loadBalancer. */
  lb: LoadBalancerSettings | undefined;
  /** Outlier detection configured: Istio enables failover only then. */
  outlierDetection: boolean;
  proxyLocality: string;
  /** Proxy labels with topology labels added (label.go AugmentLabels). */
  proxyLabels: Readonly<Record<string, string>>;
}

/** GetEffectiveLbSetting: the DR's setting replaces the mesh's; `enabled: false` turns it off. */
export function effectiveLocalitySetting(
  mesh: LocalityLoadBalancerSetting | undefined,
  lb: LoadBalancerSettings | undefined,
): LocalityLoadBalancerSetting | undefined {
  const dr = lb?.localityLbSetting;
  if (dr) return dr.enabled === false ? undefined : dr;
  if (mesh) return mesh.enabled === false ? undefined : mesh;
  return undefined;
}

/** ApplyToCluster: locality_weighted_lb_config is set for distribute, or failover with outlier detection. */
export function localityWeighted(
  setting: LocalityLoadBalancerSetting | undefined,
  outlierDetection: boolean,
): boolean {
  if (!setting) return false;
  const failover = (setting.failover?.length ?? 0) > 0;
  const priority = (setting.failoverPriority?.length ?? 0) > 0;
  return (outlierDetection && (failover || priority)) || (setting.distribute?.length ?? 0) > 0;
}

interface Group {
  locality: string;
  endpoints: Endpoint[];
  /** LocalityLbEndpoints load_balancing_weight. */
  weight: number;
  priority: number;
}

/** util.go LocalityMatch: rule `region[/zone[/subzone]]`, `*` or a missing part matches anything. */
export function localityMatch(locality: string, rule: string): boolean {
  const l = splitLocality(locality);
  const r = splitLocality(rule);
  const region = r.region === '*' || l.region === r.region;
  const zone = r.zone === '*' || r.zone === '' || l.zone === r.zone;
  const subzone = r.subzone === '*' || r.subzone === '' || l.subzone === r.subzone;
  return region && zone && subzone;
}

/** util.go LbPriority: same region/zone/subzone 0, region/zone 1, region 2, else 3. */
function lbPriority(proxy: string, ep: string): number {
  const p = splitLocality(proxy);
  const e = splitLocality(ep);
  if (p.region !== e.region) return 3;
  if (p.zone !== e.zone) return 2;
  if (p.subzone !== e.subzone) return 1;
  return 0;
}

const sumWeights = (eps: readonly Endpoint[]) => eps.reduce((a, e) => a + e.weight, 0);

// endpoint_builder.go: endpoints grouped by locality label, localities sorted by name.
function groupByLocality(endpoints: readonly Endpoint[]): Group[] {
  const byLocality = new Map<string, Endpoint[]>();
  for (const e of endpoints) {
    const key = e.locality ?? '';
    let list = byLocality.get(key);
    if (!list) byLocality.set(key, (list = []));
    list.push(e);
  }
  return [...byLocality.keys()].sort().map((locality) => {
    const eps = byLocality.get(locality)!;
    return { locality, endpoints: eps, weight: sumWeights(eps), priority: 0 };
  });
}

/** Priorities renumbered 0..N in order, without gaps. */
function compact(groups: Group[]): void {
  const distinct = [...new Set(groups.map((g) => g.priority))].sort((a, b) => a - b);
  const index = new Map(distinct.map((p, i) => [p, i]));
  for (const g of groups) g.priority = index.get(g.priority) ?? 0;
}

// applyLocalityWeights: the first `distribute` rule whose `from` matches the proxy re-weights the
// localities its `to` names (a wildcard's weight split by the matched localities' own weights, rounded
// up); localities it does not name lose their endpoints.
function applyDistribute(
  proxyLocality: string,
  groups: Group[],
  distribute: NonNullable<LocalityLoadBalancerSetting['distribute']>,
): Group[] {
  for (const rule of distribute) {
    if (!localityMatch(proxyLocality, rule.from ?? '')) continue;
    const unmatched = new Set(groups.map((_, i) => i));
    for (const [to, weight] of Object.entries(rule.to ?? {})) {
      const matched: number[] = [];
      let total = 0;
      groups.forEach((g, i) => {
        if (unmatched.has(i) && localityMatch(g.locality, to)) {
          unmatched.delete(i);
          matched.push(i);
          total += g.weight;
        }
      });
      for (const i of matched) {
        const g = groups[i]!;
        const share = (g.weight * weight) / total;
        if (share > 0) g.weight = Math.ceil(share);
      }
    }
    return groups.filter((_, i) => !unmatched.has(i));
  }
  return groups;
}

// applyLocalityFailover: priority by region/zone/subzone match; a region the proxy's region fails
// over to (`failover`) stays 3, other regions drop to 4; composed with earlier priorities (x5).
function applyFailover(
  proxyLocality: string,
  groups: Group[],
  failover: NonNullable<LocalityLoadBalancerSetting['failover']>,
): void {
  const proxyRegion = splitLocality(proxyLocality).region;
  for (const g of groups) {
    let p = lbPriority(proxyLocality, g.locality);
    if (p === 3) {
      const rule = failover.find((f) => f.from === proxyRegion);
      if (rule && splitLocality(g.locality).region !== rule.to) p = 4;
    }
    g.priority = g.priority * 5 + p;
  }
  compact(groups);
}

// applyFailoverPriorityPerLocality: an endpoint's priority is the number of failoverPriority labels
// left after the first one whose value differs from the proxy's (or from an `=value` override); a
// leading topology.istio.io/network mismatch is skipped but pushes the endpoint below all others.
function applyFailoverPriority(
  groups: Group[],
  proxyLabels: Readonly<Record<string, string>>,
  failoverPriority: readonly string[],
): Group[] {
  if (Object.keys(proxyLabels).length === 0 || groups.length === 0) return groups;
  const lowest = failoverPriority.length;
  const includesNetwork = failoverPriority[0] === 'topology.istio.io/network';
  const names: string[] = [];
  const overrides = new Map<string, string>();
  for (const entry of failoverPriority) {
    const parts = entry.split('=');
    names.push(parts[0] ?? '');
    if (parts.length === 2) overrides.set(parts[0] ?? '', parts[1] ?? '');
  }
  const out: Group[] = [];
  for (const g of groups) {
    const byPriority = new Map<number, Endpoint[]>();
    for (const e of g.endpoints) {
      let priority = 0;
      let adjust = 0;
      for (let j = 0; j < names.length; j++) {
        const name = names[j]!;
        const want = overrides.has(name) ? overrides.get(name) : proxyLabels[name];
        if ((want ?? '') !== (e.labels[name] ?? '')) {
          if (j === 0 && includesNetwork) {
            adjust = lowest;
            continue;
          }
          priority = lowest - j;
          break;
        }
      }
      priority += adjust;
      let list = byPriority.get(priority);
      if (!list) byPriority.set(priority, (list = []));
      list.push(e);
    }
    for (const p of [...byPriority.keys()].sort((a, b) => a - b)) {
      const eps = byPriority.get(p)!;
      out.push({ locality: g.locality, endpoints: eps, weight: sumWeights(eps), priority: p });
    }
  }
  compact(out);
  return out;
}

/**
 * The endpoints with their Envoy priority and locality weight for this proxy. Untouched when no
 * locality setting applies (the cluster then has one priority and no locality weighting).
 */
export function applyLocalityLb(
  endpoints: readonly Endpoint[],
  input: LocalityLbInput,
): readonly Endpoint[] {
  const setting = effectiveLocalitySetting(input.mesh, input.lb);
  if (!setting || endpoints.length === 0) return endpoints;
  const weighted = localityWeighted(setting, input.outlierDetection);
  let groups = groupByLocality(endpoints);
  const distribute = setting.distribute ?? [];
  const failover = setting.failover ?? [];
  const failoverPriority = setting.failoverPriority ?? [];
  if (distribute.length > 0) {
    groups = applyDistribute(input.proxyLocality, groups, distribute);
  } else if (input.outlierDetection) {
    if (failoverPriority.length > 0) {
      groups = applyFailoverPriority(groups, input.proxyLabels, failoverPriority);
      if (failover.length > 0) applyFailover(input.proxyLocality, groups, failover);
    } else {
      applyFailover(input.proxyLocality, groups, failover);
    }
  }
  if (!weighted && groups.every((g) => g.priority === 0) && groups.length > 0) {
    // Nothing this proxy's Envoy would see differently: keep the registry's order and objects.
    if (groups.reduce((n, g) => n + g.endpoints.length, 0) === endpoints.length) return endpoints;
  }
  const out: Endpoint[] = [];
  for (const g of groups) {
    for (const e of g.endpoints) {
      out.push({
        ...e,
        ...(g.priority > 0 ? { priority: g.priority } : {}),
        ...(weighted ? { localityWeight: g.weight } : {}),
      });
    }
  }
  return out;
}

// DestinationRule selection for a client proxy (istio/istio pilot/pkg/model/push_context.go
// destinationRule: proxy namespace, then the service's namespace, then the root namespace, most
// specific host) and merging of same-host rules (pilot/pkg/model/destination_rule.go mergeDestinationRule).
import type { ConfigSnapshot } from '../config/snapshot.js';
import type { DestinationRuleSpec, Subset, TrafficPolicy } from '../config/istio-types.js';
import type { Resource } from '../config/types.js';
import { objects } from '../registry/shape.js';
import {
  hostSubsetOf,
  isVisibleTo,
  isWildcard,
  labelsMatch,
  resolveShortName,
} from '../config/names.js';

/** One or more DestinationRules for the same host merged as Istio merges them. */
export interface MergedDestinationRule {
  host: string;
  namespace: string;
  /** `name.namespace` of the first rule (istioctl's DESTINATION RULE column). */
  ref: string;
  trafficPolicy?: TrafficPolicy;
  subsets: readonly Subset[];
  exportTo?: readonly string[];
  sources: readonly Resource[];
}

interface Entry {
  r: Resource;
  spec: DestinationRuleSpec;
  host: string;
}

export class DestinationRuleIndex {
  private readonly byNs = new Map<string, Entry[]>();
  /** Per namespace: entries by exact (non-wildcard) host, and the wildcard-host entries, in order. */
  private readonly exactByNs = new Map<string, Map<string, Entry[]>>();
  private readonly wildByNs = new Map<string, Entry[]>();
  private readonly position = new Map<Entry, number>();
  private readonly memo = new Map<string, MergedDestinationRule | undefined>();

  constructor(
    config: ConfigSnapshot,
    private readonly proxyNamespace: string,
    private readonly proxyLabels: Readonly<Record<string, string>>,
    private readonly rootNamespace: string,
  ) {
    for (const r of config.byKind('DestinationRule')) {
      const spec = (r.spec ?? {}) as DestinationRuleSpec;
      if (typeof spec.host !== 'string' || !spec.host) continue;
      // A workloadSelector DR applies only to matching proxies of its own namespace.
      const sel = spec.workloadSelector?.matchLabels;
      if (sel && (r.metadata.namespace !== proxyNamespace || !labelsMatch(sel, proxyLabels)))
        continue;
      const host = resolveShortName(spec.host, r.metadata.namespace).toLowerCase();
      let arr = this.byNs.get(r.metadata.namespace);
      if (!arr) this.byNs.set(r.metadata.namespace, (arr = []));
      arr.push({ r, spec, host });
    }
    // Rules with a matching workloadSelector take precedence over namespace-wide ones for a host.
    const local = this.byNs.get(proxyNamespace);
    if (local) {
      const withSel = local.filter((e) => e.spec.workloadSelector?.matchLabels);
      const without = local.filter((e) => !e.spec.workloadSelector?.matchLabels);
      this.byNs.set(proxyNamespace, [...withSel, ...without]);
    }
    // Lookups run once per service: index hosts so they cost O(rules for that host), not O(all rules).
    for (const [ns, arr] of this.byNs) {
      const exact = new Map<string, Entry[]>();
      const wild: Entry[] = [];
      arr.forEach((e, i) => this.position.set(e, i));
      for (const e of arr) {
        if (isWildcard(e.host)) wild.push(e);
        else {
          let list = exact.get(e.host);
          if (!list) exact.set(e.host, (list = []));
          list.push(e);
        }
      }
      this.exactByNs.set(ns, exact);
      this.wildByNs.set(ns, wild);
    }
  }

  /** The effective DestinationRule for a service host (in its namespace) seen from this proxy. */
  lookup(hostname: string, serviceNamespace: string): MergedDestinationRule | undefined {
    const key = `${serviceNamespace}/${hostname}`;
    if (this.memo.has(key)) return this.memo.get(key);
    let out: MergedDestinationRule | undefined;
    const order = [this.proxyNamespace, serviceNamespace, this.rootNamespace];
    for (let i = 0; i < order.length && !out; i++) {
      const ns = order[i] as string;
      const local = i === 0;
      out = this.mostSpecific(hostname, ns, local);
    }
    this.memo.set(key, out);
    return out;
  }

  private mostSpecific(
    hostname: string,
    ns: string,
    local: boolean,
  ): MergedDestinationRule | undefined {
    // A non-wildcard rule host covers only itself (hostSubsetOf), so exact candidates come from the
    // index; wildcard rule hosts are scanned. Namespace order is kept by re-sorting on position.
    const lower = hostname.toLowerCase();
    const candidates = [
      ...(isWildcard(lower) ? [] : (this.exactByNs.get(ns)?.get(lower) ?? [])),
      ...(this.wildByNs.get(ns) ?? []),
    ];
    if (isWildcard(lower))
      candidates.push(...(this.byNs.get(ns) ?? []).filter((e) => !isWildcard(e.host)));
    const entries = candidates
      .filter(
        (e) =>
          (local || isVisibleTo(e.spec.exportTo, ns, this.proxyNamespace)) &&
          hostSubsetOf(hostname, e.host),
      )
      .sort((a, b) => (this.position.get(a) ?? 0) - (this.position.get(b) ?? 0));
    if (entries.length === 0) return undefined;
    // istio/istio pkg/config/host MostSpecificHostMatch: exact first, then the longest wildcard.
    let best = entries.find((e) => e.host === hostname.toLowerCase())?.host;
    if (!best) {
      best = entries
        .map((e) => e.host)
        .filter(isWildcard)
        .sort((a, b) => b.length - a.length)[0];
    }
    const same = entries.filter((e) => e.host === best);
    return merge(same);
  }
}

function merge(entries: Entry[]): MergedDestinationRule | undefined {
  const first = entries[0];
  if (!first) return undefined;
  const subsets: Subset[] = [];
  const seen = new Set<string>();
  let trafficPolicy: TrafficPolicy | undefined;
  let exportTo: readonly string[] | undefined;
  for (const e of entries) {
    for (const s of objects<Subset>(e.spec.subsets)) {
      if (!s.name || seen.has(s.name)) continue;
      seen.add(s.name);
      subsets.push(s);
    }
    if (!trafficPolicy && e.spec.trafficPolicy) trafficPolicy = e.spec.trafficPolicy;
    if (!exportTo && e.spec.exportTo) exportTo = e.spec.exportTo;
  }
  return {
    host: first.host,
    namespace: first.r.metadata.namespace,
    ref: `${first.r.metadata.name}.${first.r.metadata.namespace}`,
    ...(trafficPolicy ? { trafficPolicy } : {}),
    subsets,
    ...(exportTo ? { exportTo } : {}),
    sources: entries.map((e) => e.r),
  };
}

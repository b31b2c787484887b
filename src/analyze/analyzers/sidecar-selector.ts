// sidecar.SelectorAnalyzer (istio/istio pkg/config/analysis/analyzers/sidecar/selector.go): a Sidecar's
// workloadSelector must match a Pod in its namespace (IST0101), no Pod may be selected by two Sidecars
// (IST0110), at most one selector-less Sidecar per namespace (IST0111), none in ambient mode (IST0167).
import { formatSelector, labelsMatch, type Resource } from '../../config/index.js';
import type { SidecarSpec } from '../../config/istio-types.js';
import type { Analyzer } from '../types.js';
import { isAmbientNamespace, isAmbientPod, workloadPods } from '../util/pods.js';

export const sidecarSelectorAnalyzer: Analyzer = {
  name: 'sidecar.SelectorAnalyzer',
  description:
    "Validates that sidecars that define a workload selector match at least one pod, and that there aren't multiple sidecar resources that select overlapping pods",
  inputs: ['Sidecar', 'Pod', 'Namespace'],
  analyze(ctx) {
    const podsToSidecars = new Map<Resource, Resource[]>();
    const nsToSidecars = new Map<string, Resource[]>();
    for (const r of ctx.snapshot.byKind('Sidecar')) {
      const sel = (r.spec as SidecarSpec).workloadSelector?.labels;
      if (!sel || Object.keys(sel).length === 0) {
        const list = nsToSidecars.get(r.metadata.namespace) ?? [];
        list.push(r);
        nsToSidecars.set(r.metadata.namespace, list);
        continue;
      }
      let found = false;
      for (const pod of workloadPods(ctx.snapshot)) {
        if (pod.metadata.namespace !== r.metadata.namespace) continue;
        if (!labelsMatch(sel, pod.metadata.labels)) continue;
        found = true;
        const list = podsToSidecars.get(pod) ?? [];
        list.push(r);
        podsToSidecars.set(pod, list);
      }
      if (!found)
        ctx.report('IST0101', r, ['selector', formatSelector(sel)], ['spec', 'workloadSelector']);
    }
    const namespaceOf = (name: string): Resource | undefined =>
      ctx.snapshot.byKind('Namespace').find((n) => n.metadata.name === name);
    const names = (list: readonly Resource[]): string[] => list.map((s) => s.metadata.name).sort();
    for (const [ns, list] of nsToSidecars) {
      if (isAmbientNamespace(namespaceOf(ns)))
        for (const s of list)
          ctx.report('IST0167', s, ['namespace is in ambient mode, the policy has no impact']);
      if (list.length > 1)
        for (const s of list) ctx.report('IST0111', s, [names(list), ns], ['metadata', 'name']);
    }
    for (const [pod, list] of podsToSidecars) {
      if (isAmbientPod(pod))
        for (const s of list)
          ctx.report('IST0167', s, [
            'selected workload is in ambient mode, the policy has no impact',
          ]);
      if (list.length > 1)
        for (const s of list)
          ctx.report(
            'IST0110',
            s,
            [names(list), pod.metadata.namespace, pod.metadata.name],
            ['spec', 'workloadSelector'],
          );
    }
  },
};

// destinationrule.SubsetSelectPodAnalyzer (istio/istio pkg/config/analysis/analyzers/destinationrule/
// subset.go): a DestinationRule host must be a known service (IST0174), and each subset must select at
// least one Pod (IST0173), Pod labels augmented with its Node's topology labels.
import { labelsMatch, type Resource } from '../../config/index.js';
import type { DestinationRuleSpec, ServiceEntrySpec } from '../../config/istio-types.js';
import type { AnalysisContext, Analyzer } from '../types.js';
import { ServiceRegistry } from '../util/service-registry.js';
import { workloadPods } from '../util/pods.js';

const TOPOLOGY_LABELS = [
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.istio.io/subzone',
];

export const subsetSelectPodAnalyzer: Analyzer = {
  name: 'destinationrule.SubsetSelectPodAnalyzer',
  description: 'Checks if the subsets of a DestinationRule select any pods',
  inputs: ['DestinationRule', 'Pod', 'Service', 'ServiceEntry', 'Node'],
  analyze(ctx) {
    const registry = new ServiceRegistry(ctx.snapshot, ctx.domain);
    const podLabels = workloadPods(ctx.snapshot).map((p) => augmentedLabels(ctx, p));
    for (const r of ctx.snapshot.byKind('DestinationRule')) {
      const dr = r.spec as DestinationRuleSpec;
      const host = dr.host ?? '';
      const svc = registry.lookup(r.metadata.namespace, dr.exportTo, host);
      if (!svc) {
        ctx.report('IST0174', r, [host], ['spec', 'host']);
        continue;
      }
      const seLabels =
        svc.resource.kind === 'ServiceEntry'
          ? ((svc.resource.spec as ServiceEntrySpec).workloadSelector?.labels ?? {})
          : {};
      (dr.subsets ?? []).forEach((subset, i) => {
        const sel = { ...(subset?.labels ?? {}), ...seLabels };
        if (!podLabels.some((labels) => labelsMatch(sel, labels)))
          ctx.report('IST0173', r, [subset?.name ?? ''], ['spec', 'subsets', i]);
      });
    }
  },
};

function augmentedLabels(ctx: AnalysisContext, pod: Resource): Record<string, string> {
  const labels: Record<string, string> = { ...pod.metadata.labels };
  const nodeName = (pod.spec as { nodeName?: string }).nodeName;
  if (!nodeName) return labels;
  const node = ctx.snapshot.byKind('Node').find((n) => n.metadata.name === nodeName);
  if (node)
    for (const k of TOPOLOGY_LABELS) {
      const v = node.metadata.labels[k];
      if (v) labels[k] = v;
    }
  labels['kubernetes.io/hostname'] = nodeName;
  return labels;
}

// injection.Analyzer (istio/istio pkg/config/analysis/analyzers/injection/injection.go): a namespace
// with neither `istio-injection` nor `istio.io/rev` is not injected (IST0102); a pod of an injected
// namespace that has no istio-proxy container and did not opt out is missing its proxy (IST0103).
import type { Analyzer } from '../types.js';

/** util.IsSystemNamespace (pkg/config/analysis/analyzers/util/util.go). */
const SYSTEM_NAMESPACES = new Set([
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'local-path-storage',
]);

export const injectionAnalyzer: Analyzer = {
  name: 'injection.Analyzer',
  description: 'Checks conditions related to Istio sidecar injection',
  inputs: ['Namespace', 'Pod', 'ConfigMap'],
  analyze(ctx) {
    const injected = new Set<string>();
    for (const ns of ctx.snapshot.byKind('Namespace')) {
      const name = ns.metadata.name;
      if (name === 'istio-system' || SYSTEM_NAMESPACES.has(name)) continue;
      const legacy = ns.metadata.labels['istio-injection'];
      const rev = ns.metadata.labels['istio.io/rev'];
      if (legacy === undefined && rev === undefined) {
        ctx.report('IST0102', ns, [name, name], ['metadata', 'name']);
        continue;
      }
      if (rev === undefined && legacy !== 'enabled') continue;
      injected.add(name);
    }
    for (const pod of ctx.snapshot.byKind('Pod')) {
      if (!injected.has(pod.metadata.namespace)) continue;
      const inject =
        pod.metadata.labels['sidecar.istio.io/inject'] ??
        pod.metadata.annotations['sidecar.istio.io/inject'] ??
        '';
      if (inject.toLowerCase() === 'false') continue;
      const spec = (pod.spec ?? {}) as { hostNetwork?: boolean; containers?: { name?: string }[] };
      if (spec.hostNetwork) continue;
      if (!(spec.containers ?? []).some((c) => c.name === 'istio-proxy'))
        ctx.report('IST0103', pod, [`${pod.metadata.namespace}/${pod.metadata.name}`]);
    }
  },
};

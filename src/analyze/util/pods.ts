// Pod selection helpers shared by the gateway, sidecar and destination-rule analyzers.
import type { ConfigSnapshot, Resource } from '../../config/index.js';
import { labelsMatch } from '../../config/index.js';
import type { KubeDeploymentSpec } from '../../config/istio-types.js';

const cache = new WeakMap<ConfigSnapshot, Resource[]>();

/**
 * The workloads analysis can see: Pods, plus one stand-in Pod per Deployment (its pod template) so
 * that files-only analysis of manifests with Deployments sees the Pods a cluster would run. Named
 * after the Deployment, positioned at it.
 */
export function workloadPods(snapshot: ConfigSnapshot): Resource[] {
  const hit = cache.get(snapshot);
  if (hit) return hit;
  const pods: Resource[] = [...snapshot.byKind('Pod')];
  for (const d of snapshot.byKind('Deployment')) {
    const tmpl = (d.spec as KubeDeploymentSpec).template;
    pods.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: d.metadata.name,
        namespace: d.metadata.namespace,
        labels: tmpl?.metadata?.labels ?? {},
        annotations: tmpl?.metadata?.annotations ?? {},
      },
      namespaceExplicit: d.namespaceExplicit,
      spec: tmpl?.spec ?? {},
      raw: {},
      ...(d.source ? { source: d.source } : {}),
    });
  }
  cache.set(snapshot, pods);
  return pods;
}

/** Pods whose labels match a selector (optionally in one namespace). An empty selector matches every Pod. */
export function podsMatching(
  snapshot: ConfigSnapshot,
  selector: Readonly<Record<string, string>> | undefined,
  namespace?: string,
): Resource[] {
  return workloadPods(snapshot).filter(
    (p) =>
      (namespace === undefined || p.metadata.namespace === namespace) &&
      labelsMatch(selector ?? {}, p.metadata.labels),
  );
}

/** Namespace in ambient mode (istio/istio pkg/config/analysis/analyzers/util IsAmbientNamespace). */
export function isAmbientNamespace(ns: Resource | undefined): boolean {
  if (!ns) return false;
  const l = ns.metadata.labels;
  if (l['istio-injection'] === 'enabled') return false;
  if ((l['istio.io/rev'] ?? '') !== '') return false;
  return l['istio.io/dataplane-mode'] === 'ambient';
}

/** Pod captured by ztunnel (annotation ambient.istio.io/redirection=enabled). */
export function isAmbientPod(pod: Resource): boolean {
  return pod.metadata.annotations['ambient.istio.io/redirection'] === 'enabled';
}

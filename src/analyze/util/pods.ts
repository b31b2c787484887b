// Pod selection helpers shared by the gateway, sidecar and destination-rule analyzers.
import type { ConfigSnapshot, Resource } from '../../config/index.js';
import { labelsMatch } from '../../config/index.js';

/** Pods whose labels match a selector (optionally in one namespace). An empty selector matches every Pod. */
export function podsMatching(
  snapshot: ConfigSnapshot,
  selector: Readonly<Record<string, string>> | undefined,
  namespace?: string,
): Resource[] {
  return snapshot
    .byKind('Pod')
    .filter(
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

// Whether a pod gets a sidecar, as Istio's injection webhook decides it: the webhook only sees pods
// of namespaces labelled `istio-injection=enabled` or `istio.io/rev=<rev>` (or pods labelled
// `sidecar.istio.io/inject=true`), and injectRequired (istio/istio pkg/kube/inject/webhook.go) then
// skips hostNetwork pods, kube-system/kube-public, and pods whose `sidecar.istio.io/inject` label (or,
// without it, annotation) is anything but y/yes/true/on.
import type { Resource } from '../config/index.js';

export interface Injection {
  inject: boolean;
  /** Why not, for analyze and logs. */
  reason?: 'namespace-not-labelled' | 'opted-out' | 'host-network' | 'ignored-namespace';
}

const SIDECAR_INJECT = 'sidecar.istio.io/inject';

export function namespaceInjected(labels: Readonly<Record<string, string>>): boolean {
  // istio-injection=disabled wins over a revision label (the webhook's namespaceSelector).
  if (labels['istio-injection'] === 'disabled') return false;
  return labels['istio-injection'] === 'enabled' || (labels['istio.io/rev'] ?? '') !== '';
}

export function injectionFor(
  pod: Resource,
  namespaceLabels: Readonly<Record<string, string>>,
): Injection {
  const spec = (pod.spec ?? {}) as { hostNetwork?: boolean };
  if (spec.hostNetwork) return { inject: false, reason: 'host-network' };
  if (['kube-system', 'kube-public'].includes(pod.metadata.namespace))
    return { inject: false, reason: 'ignored-namespace' };
  const selector =
    pod.metadata.labels[SIDECAR_INJECT] ?? pod.metadata.annotations[SIDECAR_INJECT] ?? '';
  const value = selector.toLowerCase();
  if (value !== '' && !['y', 'yes', 'true', 'on'].includes(value))
    return { inject: false, reason: 'opted-out' };
  // The object selector: a pod labelled inject=true is injected in any namespace not disabled.
  if (
    pod.metadata.labels[SIDECAR_INJECT] === 'true' &&
    namespaceLabels['istio-injection'] !== 'disabled'
  )
    return { inject: true };
  return namespaceInjected(namespaceLabels)
    ? { inject: true }
    : { inject: false, reason: 'namespace-not-labelled' };
}

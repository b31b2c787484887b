// The Sidecar resource that applies to a proxy and what it imports (istio/istio pilot/pkg/model/
// sidecar.go): workloadSelector match in the proxy namespace, else the namespace-wide Sidecar, else the
// root namespace's; egress `ns/host` imports; outboundTrafficPolicy (block present, mode omitted =
// REGISTRY_ONLY, the enum's 0 value).
import type { ConfigSnapshot } from '../config/snapshot.js';
import type { SidecarSpec } from '../config/istio-types.js';
import type { Resource } from '../config/types.js';
import { objects, strings } from '../registry/shape.js';
import { hostMatches, hostsIntersect, labelsMatch, splitNamespacedHost } from '../config/names.js';

export interface SidecarScope {
  resource?: Resource;
  outboundTrafficPolicy: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  /** True when a host in a namespace is imported for outbound traffic. */
  importsService(hostname: string, namespace: string): boolean;
  importsVirtualService(hosts: readonly string[], namespace: string): boolean;
}

export function sidecarScopeFor(
  config: ConfigSnapshot,
  proxyNamespace: string,
  proxyLabels: Readonly<Record<string, string>>,
  rootNamespace: string,
  meshMode: 'ALLOW_ANY' | 'REGISTRY_ONLY',
): SidecarScope {
  const all = config.byKind('Sidecar');
  const inNs = all.filter((r) => r.metadata.namespace === proxyNamespace);
  const withSel = inNs.find((r) => {
    const sel = (r.spec as SidecarSpec).workloadSelector?.labels;
    return sel && Object.keys(sel).length > 0 && labelsMatch(sel, proxyLabels);
  });
  const nsWide = inNs.find((r) => !(r.spec as SidecarSpec).workloadSelector?.labels);
  const rootWide = all.find(
    (r) =>
      r.metadata.namespace === rootNamespace && !(r.spec as SidecarSpec).workloadSelector?.labels,
  );
  const resource = withSel ?? nsWide ?? rootWide;
  const spec = resource?.spec as SidecarSpec | undefined;
  const otp = spec?.outboundTrafficPolicy
    ? (spec.outboundTrafficPolicy.mode ?? 'REGISTRY_ONLY')
    : meshMode;
  const entries = spec?.egress
    ? objects<{ hosts?: string[] }>(spec.egress)
        .flatMap((e) => strings(e.hosts))
        .map(splitNamespacedHost)
    : undefined;
  const sidecarNs = resource?.metadata.namespace ?? proxyNamespace;
  const nsOk = (pattern: string, ns: string) =>
    pattern === '*' ||
    (pattern === '.' ? ns === sidecarNs || ns === proxyNamespace : pattern === ns);
  return {
    ...(resource ? { resource } : {}),
    outboundTrafficPolicy: otp,
    importsService(hostname, namespace) {
      if (!entries) return true;
      return entries.some(
        (e) =>
          !e.namespace.startsWith('~') &&
          nsOk(e.namespace, namespace) &&
          hostMatches(hostname, e.host),
      );
    },
    importsVirtualService(hosts, namespace) {
      if (!entries) return true;
      return entries.some(
        (e) =>
          !e.namespace.startsWith('~') &&
          nsOk(e.namespace, namespace) &&
          hosts.some((h) => hostsIntersect(h, e.host)),
      );
    },
  };
}

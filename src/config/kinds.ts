// The kinds Switchyard reads, keyed by apiVersion group and kind as Kubernetes spells them.

export type KindFamily =
  'istio-networking' | 'istio-security' | 'kubernetes' | 'tolerated' | 'switchyard';

export interface KindInfo {
  /** Canonical kind, e.g. VirtualService. */
  kind: string;
  group: string;
  /** API versions accepted for this kind. */
  versions: readonly string[];
  family: KindFamily;
  /** Versions that still load but are deprecated (a warning is printed). */
  deprecatedVersions?: readonly string[];
  /** Lower-case plural and aliases as kubectl accepts them on the command line. */
  names: readonly string[];
  namespaced: boolean;
}

const ISTIO_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'] as const;

export const KINDS: readonly KindInfo[] = [
  {
    kind: 'VirtualService',
    group: 'networking.istio.io',
    versions: ISTIO_VERSIONS,
    family: 'istio-networking',
    names: ['virtualservice', 'virtualservices', 'vs'],
    namespaced: true,
  },
  {
    kind: 'DestinationRule',
    group: 'networking.istio.io',
    versions: ISTIO_VERSIONS,
    family: 'istio-networking',
    names: ['destinationrule', 'destinationrules', 'dr'],
    namespaced: true,
  },
  {
    kind: 'Gateway',
    group: 'networking.istio.io',
    versions: ISTIO_VERSIONS,
    family: 'istio-networking',
    names: ['gateway', 'gateways', 'gw'],
    namespaced: true,
  },
  {
    kind: 'ServiceEntry',
    group: 'networking.istio.io',
    versions: ISTIO_VERSIONS,
    family: 'istio-networking',
    names: ['serviceentry', 'serviceentries', 'se'],
    namespaced: true,
  },
  {
    kind: 'WorkloadEntry',
    group: 'networking.istio.io',
    versions: ISTIO_VERSIONS,
    family: 'istio-networking',
    names: ['workloadentry', 'workloadentries', 'we'],
    namespaced: true,
  },
  {
    kind: 'Sidecar',
    group: 'networking.istio.io',
    versions: ISTIO_VERSIONS,
    family: 'istio-networking',
    names: ['sidecar', 'sidecars'],
    namespaced: true,
  },
  // security.istio.io/v1 PeerAuthentication: the inbound mTLS mode of workloads (istio/api
  // security/v1beta1/peer_authentication.proto; v1 and v1beta1 serve the same schema).
  {
    kind: 'PeerAuthentication',
    group: 'security.istio.io',
    versions: ['v1', 'v1beta1'],
    family: 'istio-security',
    names: ['peerauthentication', 'peerauthentications', 'pa'],
    namespaced: true,
  },
  {
    kind: 'Service',
    group: '',
    versions: ['v1'],
    family: 'kubernetes',
    names: ['service', 'services', 'svc'],
    namespaced: true,
  },
  {
    kind: 'Namespace',
    group: '',
    versions: ['v1'],
    family: 'kubernetes',
    names: ['namespace', 'namespaces', 'ns'],
    namespaced: false,
  },
  {
    kind: 'Secret',
    group: '',
    versions: ['v1'],
    family: 'kubernetes',
    names: ['secret', 'secrets'],
    namespaced: true,
  },
  {
    kind: 'ConfigMap',
    group: '',
    versions: ['v1'],
    family: 'kubernetes',
    names: ['configmap', 'configmaps', 'cm'],
    namespaced: true,
  },
  {
    kind: 'Pod',
    group: '',
    versions: ['v1'],
    family: 'kubernetes',
    names: ['pod', 'pods', 'po'],
    namespaced: true,
  },
  {
    kind: 'ServiceAccount',
    group: '',
    versions: ['v1'],
    family: 'kubernetes',
    names: ['serviceaccount', 'serviceaccounts', 'sa'],
    namespaced: true,
  },
  {
    kind: 'Node',
    group: '',
    versions: ['v1'],
    family: 'kubernetes',
    names: ['node', 'nodes'],
    namespaced: false,
  },
  // Written by the local kubelet (src/mesh/pod-events.ts) for `kubectl get events` and `describe`.
  {
    kind: 'Event',
    group: '',
    versions: ['v1'],
    family: 'kubernetes',
    names: ['event', 'events', 'ev'],
    namespaced: true,
  },
  {
    kind: 'Deployment',
    group: 'apps',
    versions: ['v1'],
    family: 'kubernetes',
    names: ['deployment', 'deployments', 'deploy'],
    namespaced: true,
  },
  // Switchyard's own document: which command starts a workload locally (Istio has no kind for that).
  {
    kind: 'Workload',
    group: 'switchyard.io',
    versions: ['v1alpha1'],
    family: 'switchyard',
    names: ['workload', 'workloads'],
    namespaced: true,
  },
  // Read by analyzers only (IST0149 needs RequestAuthentication; IST0132 reads Kubernetes Gateways).
  {
    kind: 'RequestAuthentication',
    group: 'security.istio.io',
    versions: ['v1', 'v1beta1'],
    family: 'tolerated',
    names: ['requestauthentication', 'requestauthentications'],
    namespaced: true,
  },
  {
    kind: 'Gateway',
    group: 'gateway.networking.k8s.io',
    versions: ['v1', 'v1beta1'],
    family: 'tolerated',
    names: ['gateways.gateway.networking.k8s.io'],
    namespaced: true,
  },
];

/** Splits apiVersion into group and version ("v1" is the core group). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** Finds the kind for an apiVersion + kind pair, or undefined when Switchyard does not read it. */
export function lookupKind(apiVersion: string, kind: string): KindInfo | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  return KINDS.find((k) => k.kind === kind && k.group === group && k.versions.includes(version));
}

/** Resolves a kubectl-style kind argument (`vs`, `virtualservices`, `VirtualService`). */
export function kindFromArgument(arg: string): KindInfo | undefined {
  const lower = arg.toLowerCase();
  return KINDS.find((k) => k.kind.toLowerCase() === lower || k.names.includes(lower));
}

/** kubectl's resource reference, e.g. `virtualservice.networking.istio.io` or `service`. */
export function kubectlTypeName(info: KindInfo): string {
  return info.group ? `${info.kind.toLowerCase()}.${info.group}` : info.kind.toLowerCase();
}

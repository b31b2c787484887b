// Workloads from config: Pods as written, and one pod per Deployment replica (named `<deployment>-<i>`,
// the `-<i>` standing in for the ReplicaSet hash), plus WorkloadEntries and the runner's local workloads.
import type { ConfigSnapshot } from '../config/snapshot.js';
import { replicaCount } from '../config/decode.js';
import type { KubeDeploymentSpec, KubePodSpec, WorkloadEntrySpec } from '../config/istio-types.js';
import type { Resource } from '../config/types.js';
import { localityFromLabels, podLocality } from './locality.js';
import { PlaceholderAllocator } from './placeholder-address.js';
import { objects, stringMap } from './shape.js';
import type { LocalWorkload, Workload } from './types.js';

function podPorts(spec: KubePodSpec | undefined): {
  named: Record<string, number>;
  list: number[];
} {
  const named: Record<string, number> = {};
  const list: number[] = [];
  for (const c of objects<NonNullable<KubePodSpec['containers']>[number]>(spec?.containers)) {
    for (const p of objects<{ containerPort?: number; name?: string }>(c.ports)) {
      if (typeof p.containerPort !== 'number') continue;
      list.push(p.containerPort);
      if (p.name) named[p.name] = p.containerPort;
    }
  }
  return { named, list };
}

/** The `security.istio.io/tlsMode` label (istio/api label SecurityTlsMode). */
export const TLS_MODE_LABEL = 'security.istio.io/tlsMode';

/**
 * A Pod's tlsMode: its label when set, else `istio`: Switchyard runs every Pod/Deployment with a
 * sidecar, as istio-injection does, and the injector sets the label to `istio`
 * (istio/istio manifests/charts/istio-control/istio-discovery/files/injection-template.yaml;
 * pilot/pkg/serviceregistry/kube/conversion.go PodTLSMode reads it).
 */
function podTlsMode(labels: Readonly<Record<string, string>>): string {
  return (labels[TLS_MODE_LABEL] ?? 'istio').toLowerCase();
}

function serviceAccountOf(spec: KubePodSpec | undefined): string {
  const sa = spec?.serviceAccountName ?? spec?.serviceAccount;
  return typeof sa === 'string' && sa ? sa : 'default';
}

/** Pods from Pod and Deployment resources, with placeholder IPs when the Pod has no status.podIP. */
export function podWorkloads(config: ConfigSnapshot): Workload[] {
  const alloc = new PlaceholderAllocator('10.244');
  const out: Workload[] = [];
  const pending: { w: Omit<Workload, 'address'>; ip?: string }[] = [];
  for (const pod of config.byKind('Pod')) {
    const spec = (pod.spec ?? {}) as KubePodSpec;
    const ports = podPorts(spec);
    const status = pod.raw.status as { podIP?: unknown } | undefined;
    const ip = typeof status?.podIP === 'string' ? status.podIP : undefined;
    if (ip) alloc.reserve(ip);
    const nodeName = typeof spec.nodeName === 'string' && spec.nodeName ? spec.nodeName : undefined;
    const locality = podLocality(config, pod.metadata.labels, nodeName);
    pending.push({
      w: {
        name: pod.metadata.name,
        podName: pod.metadata.name,
        namespace: pod.metadata.namespace,
        labels: pod.metadata.labels,
        serviceAccount: serviceAccountOf(spec),
        tlsMode: podTlsMode(pod.metadata.labels),
        kind: 'Pod',
        namedPorts: ports.named,
        containerPorts: ports.list,
        ...(locality ? { locality } : {}),
        ...(nodeName ? { nodeName } : {}),
      },
      ...(ip ? { ip } : {}),
    });
  }
  for (const dep of config.byKind('Deployment')) {
    const spec = (dep.spec ?? {}) as KubeDeploymentSpec;
    const podSpec = spec.template?.spec;
    const ports = podPorts(podSpec);
    const replicas = replicaCount(spec.replicas);
    const labels = stringMap(spec.template?.metadata?.labels) ?? {};
    const nodeName =
      typeof podSpec?.nodeName === 'string' && podSpec.nodeName ? podSpec.nodeName : undefined;
    const locality = podLocality(config, labels, nodeName);
    for (let i = 0; i < replicas; i++) {
      pending.push({
        w: {
          name: dep.metadata.name,
          podName: `${dep.metadata.name}-${i}`,
          namespace: dep.metadata.namespace,
          labels,
          serviceAccount: serviceAccountOf(podSpec),
          tlsMode: podTlsMode(labels),
          kind: 'Pod',
          namedPorts: ports.named,
          containerPorts: ports.list,
          ...(locality ? { locality } : {}),
          ...(nodeName ? { nodeName } : {}),
        },
      });
    }
  }
  for (const p of pending) {
    const address = p.ip ?? alloc.allocate(`${p.w.namespace}/${p.w.podName}`);
    out.push({ ...p.w, address });
  }
  return out;
}

/** A WorkloadEntry (or ServiceEntry endpoint) as a workload. */
export function workloadEntryWorkload(
  spec: WorkloadEntrySpec,
  name: string,
  namespace: string,
): Workload {
  const labels = stringMap(spec.labels) ?? {};
  // convertWorkloadEntryToWorkloadInstance: the locality field, else the locality label.
  const locality =
    typeof spec.locality === 'string' && spec.locality ? spec.locality : localityFromLabels(labels);
  return {
    name,
    podName: name,
    namespace,
    labels,
    serviceAccount: spec.serviceAccount ?? 'default',
    // istio/istio pilot/pkg/serviceregistry/serviceentry/conversion.go getTLSModeFromWorkloadEntry:
    // the label, else `istio` when a service account is given, else disabled.
    tlsMode: labels[TLS_MODE_LABEL] ?? (spec.serviceAccount ? 'istio' : 'disabled'),
    address: typeof spec.address === 'string' ? spec.address : '',
    kind: 'WorkloadEntry',
    namedPorts: Object.fromEntries(
      Object.entries(spec.ports ?? {}).filter(([, v]) => typeof v === 'number'),
    ) as Record<string, number>,
    containerPorts: [],
    ...(typeof spec.weight === 'number' && spec.weight > 0 ? { weight: spec.weight } : {}),
    ...(locality ? { locality } : {}),
  };
}

export function workloadEntries(config: ConfigSnapshot): Workload[] {
  return config
    .byKind('WorkloadEntry')
    .map((r: Resource) =>
      workloadEntryWorkload(
        (r.spec ?? {}) as WorkloadEntrySpec,
        r.metadata.name,
        r.metadata.namespace,
      ),
    );
}

export function localWorkload(l: LocalWorkload): Workload {
  const locality = l.locality || localityFromLabels(l.labels);
  return {
    name: l.name,
    podName: l.name,
    namespace: l.namespace,
    labels: { ...l.labels },
    serviceAccount: l.serviceAccount,
    tlsMode: l.sidecar === false ? (l.labels[TLS_MODE_LABEL] ?? 'disabled') : podTlsMode(l.labels),
    address: l.address,
    kind: 'Local',
    namedPorts: {},
    containerPorts: [],
    localPorts: { ...l.ports },
    appAddress: l.appAddress ?? '127.0.0.1',
    appPorts: { ...(l.appPorts ?? {}) },
    ...(locality ? { locality } : {}),
  };
}

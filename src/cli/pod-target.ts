// What `switchyard exec|logs|port-forward` point at, resolved as kubectl resolves it through the API:
// `NAME`/`pod/NAME`, `deploy/NAME` (the Deployment's selector -> its first running pod) and, for
// port-forward, `svc/NAME` (selector -> pod, service port -> targetPort, by name through the pod's
// container ports) (k8s.io/kubectl pkg/polymorphichelpers attachablepodforobject.go, pkg/cmd/portforward).
import type { AdminClient } from './client.js';

type Obj = Record<string, unknown>;

export interface PodTarget {
  namespace: string;
  pod: string;
  /** The container kubectl defaults to: the default-container annotation, else the first. */
  defaultContainer: string;
  containers: string[];
  podObject: Obj;
  /** svc/NAME: the Service, to map its ports to the pod's. */
  service?: Obj;
}

export class TargetError extends Error {}

const SELECTOR_KINDS: Record<string, 'deployments' | 'services' | 'pods'> = {
  pod: 'pods',
  pods: 'pods',
  po: 'pods',
  deploy: 'deployments',
  deployment: 'deployments',
  deployments: 'deployments',
  svc: 'services',
  service: 'services',
  services: 'services',
};

export async function resolvePodTarget(
  client: AdminClient,
  target: string,
  namespace: string,
): Promise<PodTarget> {
  const slash = target.indexOf('/');
  const kind = slash < 0 ? 'pods' : SELECTOR_KINDS[target.slice(0, slash).toLowerCase()];
  const name = slash < 0 ? target : target.slice(slash + 1);
  if (!kind)
    throw new TargetError(`the server doesn't have a resource type "${target.slice(0, slash)}"`);
  const ns = encodeURIComponent(namespace);
  let pod: Obj;
  let service: Obj | undefined;
  if (kind === 'pods') {
    pod = (await client.request(
      'GET',
      `/api/v1/namespaces/${ns}/pods/${encodeURIComponent(name)}`,
    )) as Obj;
  } else {
    const path =
      kind === 'deployments'
        ? `/apis/apps/v1/namespaces/${ns}/deployments/${encodeURIComponent(name)}`
        : `/api/v1/namespaces/${ns}/services/${encodeURIComponent(name)}`;
    const owner = (await client.request('GET', path)) as Obj;
    const spec = (owner.spec ?? {}) as Obj;
    const selector =
      kind === 'deployments'
        ? (((spec.selector as Obj | undefined)?.matchLabels ?? {}) as Record<string, string>)
        : ((spec.selector ?? {}) as Record<string, string>);
    if (kind === 'services') service = owner;
    const labelSelector = Object.entries(selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const list = (await client.request(
      'GET',
      `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(labelSelector)}`,
    )) as { items?: Obj[] };
    // kubectl's GetFirstPod prefers running, ready pods (podutils.ActivePods ordering).
    const items = [...(list.items ?? [])].sort((a, b) => {
      const running = (p: Obj) => ((p.status as Obj | undefined)?.phase === 'Running' ? 0 : 1);
      return running(a) - running(b) || nameOf(a).localeCompare(nameOf(b));
    });
    const first = items[0];
    if (!first) throw new TargetError(`no pods found for ${target} (selector ${labelSelector})`);
    pod = first;
  }
  const containers = (((pod.spec as Obj | undefined)?.containers ?? []) as Obj[]).map((c) =>
    String(c.name ?? ''),
  );
  const annotations = ((pod.metadata as Obj | undefined)?.annotations ?? {}) as Record<
    string,
    string
  >;
  const annotated = annotations['kubectl.kubernetes.io/default-container'];
  return {
    namespace,
    pod: nameOf(pod),
    defaultContainer:
      annotated && containers.includes(annotated) ? annotated : (containers[0] ?? ''),
    containers,
    podObject: pod,
    ...(service ? { service } : {}),
  };
}

/** A service port to the pod's port: targetPort as a number, or by name among the containers' ports. */
export function podPortFor(target: PodTarget, port: number): number {
  if (!target.service) return port;
  const ports = ((target.service.spec as Obj | undefined)?.ports ?? []) as Obj[];
  const sp = ports.find((p) => Number(p.port) === port);
  if (!sp)
    throw new TargetError(`Service ${nameOf(target.service)} does not have a service port ${port}`);
  const tp = sp.targetPort ?? sp.port;
  if (typeof tp === 'number' || /^\d+$/.test(String(tp))) return Number(tp);
  for (const c of ((target.podObject.spec as Obj | undefined)?.containers ?? []) as Obj[])
    for (const cp of (c.ports ?? []) as Obj[]) if (cp.name === tp) return Number(cp.containerPort);
  throw new TargetError(`Pod '${target.pod}' does not have a named port '${String(tp)}'`);
}

function nameOf(o: Obj): string {
  return String((o.metadata as Obj | undefined)?.name ?? '');
}

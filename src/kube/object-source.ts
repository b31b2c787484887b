// Where each served resource's objects come from: the config store for the kinds Switchyard reads,
// and views derived from it and from the running workloads for the read-only kinds (endpoints,
// endpointslices, replicasets, implicit namespaces, events, CRDs) - as a controller would write them.
import { createHash } from 'node:crypto';
import type { ConfigStore } from '../config/store.js';
import { storeKindOf } from '../config/store.js';
import type { ApiResource } from './catalog.js';
import { labelsMatch as selectorMatches } from '../config/names.js';
import { computeHash } from './pod-template-hash.js';

export type Obj = Record<string, unknown>;

/** What the running mesh knows that the store does not: its workload replicas, as Pods. */
export interface RuntimeView {
  pods(): Obj[];
}

/** Extra generated objects (e.g. CRD objects of the catalog's CRD-backed kinds). */
export type ObjectProvider = () => Obj[];

const NO_RUNTIME: RuntimeView = { pods: () => [] };

/** Namespaces every cluster has (kube-apiserver creates them at start; istio-system from Istio's install). */
const SYSTEM_NAMESPACES = [
  'default',
  'kube-node-lease',
  'kube-public',
  'kube-system',
  'istio-system',
];

/** A stable UID for a derived object (a real controller would assign a random one once). */
export function derivedUid(key: string): string {
  const h = createHash('sha1').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const meta = (o: Obj): Obj => (o.metadata as Obj | undefined) ?? {};
const nameOf = (o: Obj): string => String(meta(o).name ?? '');
const nsOf = (o: Obj): string => String(meta(o).namespace ?? '');
const labelsOf = (o: Obj): Record<string, string> =>
  (meta(o).labels as Record<string, string> | undefined) ?? {};

/** The pod-template-hash a Deployment controller gives its ReplicaSet (pod-template-hash.ts). */
function templateHash(deployment: Obj): string {
  const status = (deployment.status as Obj | undefined) ?? {};
  const collisions = typeof status.collisionCount === 'number' ? status.collisionCount : undefined;
  return computeHash((deployment.spec as Obj | undefined)?.template ?? {}, collisions);
}

/** kubernetes pkg/api/v1/pod/util.go IsPodReady: the Ready condition is True. */
function podReady(p: Obj): boolean {
  const conditions = ((p.status as Obj | undefined)?.conditions as Obj[] | undefined) ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

export class ObjectSource {
  private runtime: RuntimeView = NO_RUNTIME;
  private readonly providers = new Map<string, ObjectProvider>();
  private readonly runtimeListeners = new Set<() => void>();

  constructor(private readonly store: ConfigStore) {}

  setRuntime(runtime: RuntimeView): void {
    this.runtime = runtime;
  }

  /** The runner says a workload became ready or not: watches of derived kinds recompute. */
  runtimeChanged(): void {
    for (const fn of [...this.runtimeListeners]) fn();
  }

  onRuntimeChange(fn: () => void): () => void {
    this.runtimeListeners.add(fn);
    return () => void this.runtimeListeners.delete(fn);
  }

  /** Objects of a resource that no store holds, e.g. `customresourcedefinitions`. */
  setProvider(plural: string, group: string, fn: ObjectProvider): void {
    this.providers.set(`${group}/${plural}`, fn);
  }

  /** The store kind a resource is written to, or undefined for read-only views. */
  storeKind(resource: ApiResource): string | undefined {
    if (!resource.kindInfo || resource.kindInfo.kind === 'Node') return undefined;
    return storeKindOf(resource.kindInfo);
  }

  /** All objects of a resource (in storage form), optionally in one namespace. */
  list(resource: ApiResource, namespace?: string): Obj[] {
    const all = this.all(resource);
    return namespace === undefined || !resource.namespaced
      ? all
      : all.filter((o) => nsOf(o) === namespace);
  }

  get(resource: ApiResource, namespace: string, name: string): Obj | undefined {
    return this.list(resource, resource.namespaced ? namespace : undefined).find(
      (o) => nameOf(o) === name,
    );
  }

  private stored(kind: string): Obj[] {
    return this.store.list(kind).map((r) => r.raw as Obj);
  }

  private all(resource: ApiResource): Obj[] {
    const provider = this.providers.get(`${resource.group}/${resource.plural}`);
    if (provider) return provider();
    const kind = this.storeKind(resource);
    switch (`${resource.group}/${resource.kind}`) {
      case '/Namespace':
        return this.namespaces();
      case '/Pod':
        return [...this.stored('Pod'), ...this.runtime.pods()];
      case 'apps/Deployment':
        return this.stored('Deployment').map((d) => this.withDeploymentStatus(d));
      case 'apps/ReplicaSet':
        return this.stored('Deployment').map((d) => this.replicaSetOf(d));
      case '/Endpoints':
        return this.stored('Service').map((s) => this.endpointsOf(s));
      case 'discovery.k8s.io/EndpointSlice':
        return this.stored('Service').map((s) => this.endpointSliceOf(s));
    }
    return kind ? this.stored(kind) : [];
  }

  private namespaces(): Obj[] {
    const stored = this.stored('Namespace');
    const names = new Set(stored.map(nameOf));
    const implicit = new Set(SYSTEM_NAMESPACES);
    for (const r of this.store.list()) if (r.metadata.namespace) implicit.add(r.metadata.namespace);
    const extra = [...implicit]
      .filter((n) => !names.has(n))
      .sort()
      .map((name) => ({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name,
          uid: derivedUid(`Namespace/${name}`),
          resourceVersion: '1',
          creationTimestamp: this.epoch(),
          labels: { 'kubernetes.io/metadata.name': name },
        },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      }));
    return [...stored, ...extra];
  }

  /** The store's first object's creation time stands in for the cluster's start. */
  private epoch(): string {
    const first = this.store.list()[0];
    return first?.metadata.creationTimestamp ?? '1970-01-01T00:00:00Z';
  }

  private podsSelectedBy(namespace: string, selector: Record<string, string>): Obj[] {
    if (Object.keys(selector).length === 0) return [];
    return this.all({ group: '', kind: 'Pod', plural: 'pods' } as ApiResource).filter(
      (p) => nsOf(p) === namespace && selectorMatches(selector, labelsOf(p)),
    );
  }

  private withDeploymentStatus(d: Obj): Obj {
    // Always the controller's view: a status a PATCH or PUT carried back (`kubectl rollout restart`
    // patches the object it read) is ignored, as the API server ignores status on the main
    // resource (pkg/registry/apps/deployment/strategy.go PrepareForUpdate); collisionCount is kept.
    const stored = (d.status as Obj | undefined) ?? {};
    const collisions =
      typeof stored.collisionCount === 'number' ? { collisionCount: stored.collisionCount } : {};
    const spec = (d.spec as Obj | undefined) ?? {};
    const selector = ((spec.selector as Obj | undefined)?.matchLabels ?? {}) as Record<
      string,
      string
    >;
    const pods = this.podsSelectedBy(nsOf(d), selector);
    const hash = templateHash(d);
    const ready = pods.filter(podReady).length;
    const updated = pods.filter((p) => labelsOf(p)['pod-template-hash'] === hash);
    const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const time = String(meta(d).creationTimestamp ?? this.epoch());
    const available = ready >= replicas;
    const complete =
      updated.length === replicas &&
      pods.length === replicas &&
      updated.filter(podReady).length === replicas;
    // The conditions the deployment controller writes (pkg/controller/deployment/util/deployment_util.go).
    return {
      ...d,
      status: {
        observedGeneration: meta(d).generation ?? 1,
        replicas: pods.length,
        updatedReplicas: updated.length,
        readyReplicas: ready,
        availableReplicas: ready,
        ...(pods.length > ready ? { unavailableReplicas: pods.length - ready } : {}),
        ...collisions,
        conditions: [
          {
            type: 'Available',
            status: available ? 'True' : 'False',
            lastUpdateTime: time,
            lastTransitionTime: time,
            reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
            message: available
              ? 'Deployment has minimum availability.'
              : 'Deployment does not have minimum availability.',
          },
          {
            type: 'Progressing',
            status: 'True',
            lastUpdateTime: time,
            lastTransitionTime: time,
            // pkg/controller/deployment/util/deployment_util.go: NewReplicaSetAvailable once complete,
            // ReplicaSetUpdated while the rollout is under way.
            reason: complete ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
            message: complete
              ? `ReplicaSet "${nameOf(d)}-${hash}" has successfully progressed.`
              : `ReplicaSet "${nameOf(d)}-${hash}" is progressing.`,
          },
        ],
      },
    };
  }

  private replicaSetOf(d: Obj): Obj {
    const withStatus = this.withDeploymentStatus(d);
    const spec = (d.spec as Obj | undefined) ?? {};
    const status = (withStatus.status as Obj | undefined) ?? {};
    const hash = templateHash(d);
    const name = `${nameOf(d)}-${hash}`;
    const template = (spec.template as Obj | undefined) ?? {};
    const tmeta = (template.metadata as Obj | undefined) ?? {};
    const podLabels = { ...((tmeta.labels as Obj | undefined) ?? {}), 'pod-template-hash': hash };
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: nsOf(d),
        uid: derivedUid(`ReplicaSet/${nsOf(d)}/${name}`),
        resourceVersion: String(meta(d).resourceVersion ?? '1'),
        generation: 1,
        creationTimestamp: meta(d).creationTimestamp ?? this.epoch(),
        labels: podLabels,
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: nameOf(d),
            uid: meta(d).uid ?? derivedUid(`Deployment/${nsOf(d)}/${nameOf(d)}`),
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        replicas: typeof spec.replicas === 'number' ? spec.replicas : 1,
        selector: {
          matchLabels: {
            ...(((spec.selector as Obj | undefined)?.matchLabels as Obj | undefined) ?? {}),
            'pod-template-hash': hash,
          },
        },
        template: { ...template, metadata: { ...tmeta, labels: podLabels } },
      },
      status: {
        replicas: status.replicas ?? 0,
        fullyLabeledReplicas: status.replicas ?? 0,
        readyReplicas: status.readyReplicas ?? 0,
        availableReplicas: status.availableReplicas ?? 0,
        observedGeneration: 1,
      },
    };
  }

  private servicePorts(s: Obj): Obj[] {
    const ports = ((s.spec as Obj | undefined)?.ports as Obj[] | undefined) ?? [];
    return ports.map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      port: typeof p.targetPort === 'number' ? p.targetPort : p.port,
      protocol: p.protocol ?? 'TCP',
      ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
    }));
  }

  private serviceReadyPods(s: Obj): Obj[] {
    const selector = ((s.spec as Obj | undefined)?.selector ?? {}) as Record<string, string>;
    return this.podsSelectedBy(nsOf(s), selector);
  }

  private endpointsOf(s: Obj): Obj {
    const pods = this.serviceReadyPods(s);
    const address = (p: Obj) => ({
      ip: String((p.status as Obj | undefined)?.podIP ?? '127.0.0.1'),
      targetRef: { kind: 'Pod', namespace: nsOf(p), name: nameOf(p), uid: meta(p).uid },
    });
    // The endpoints controller puts a pod that is not Ready in notReadyAddresses
    // (kubernetes pkg/controller/endpoint/endpoints_controller.go addEndpointSubset).
    const addresses = pods.filter(podReady).map(address);
    const notReadyAddresses = pods.filter((p) => !podReady(p)).map(address);
    const subset = {
      ...(addresses.length > 0 ? { addresses } : {}),
      ...(notReadyAddresses.length > 0 ? { notReadyAddresses } : {}),
      ports: this.servicePorts(s),
    };
    return {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name: nameOf(s),
        namespace: nsOf(s),
        uid: derivedUid(`Endpoints/${nsOf(s)}/${nameOf(s)}`),
        resourceVersion: String(meta(s).resourceVersion ?? '1'),
        creationTimestamp: meta(s).creationTimestamp ?? this.epoch(),
        labels: labelsOf(s),
      },
      ...(pods.length > 0 ? { subsets: [subset] } : {}),
    };
  }

  private endpointSliceOf(s: Obj): Obj {
    const pods = this.serviceReadyPods(s);
    const name = `${nameOf(s)}-${derivedUid(nameOf(s)).slice(0, 5)}`;
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name,
        namespace: nsOf(s),
        uid: derivedUid(`EndpointSlice/${nsOf(s)}/${name}`),
        resourceVersion: String(meta(s).resourceVersion ?? '1'),
        generation: 1,
        creationTimestamp: meta(s).creationTimestamp ?? this.epoch(),
        generateName: `${nameOf(s)}-`,
        // The labels the EndpointSlice controller sets (k8s.io/api discovery/v1 well_known_labels.go).
        labels: {
          ...labelsOf(s),
          'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
          'kubernetes.io/service-name': nameOf(s),
        },
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'Service',
            name: nameOf(s),
            uid: meta(s).uid ?? derivedUid(`Service/${nsOf(s)}/${nameOf(s)}`),
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      addressType: 'IPv4',
      endpoints: pods.map((p) => ({
        addresses: [String((p.status as Obj | undefined)?.podIP ?? '127.0.0.1')],
        conditions: { ready: podReady(p), serving: podReady(p), terminating: false },
        targetRef: { kind: 'Pod', namespace: nsOf(p), name: nameOf(p), uid: meta(p).uid },
      })),
      ports: this.servicePorts(s),
    };
  }
}

// The controllers a cluster runs before the kubelet sees anything: Deployment -> ReplicaSet -> Pods
// (kubernetes pkg/controller/deployment, pkg/controller/replicaset) and Switchyard's Workload -> Pods,
// written as Pod objects into the one store. ReplicaSets are the API server's derived view
// (src/kube/object-source.ts); their names and the pods' pod-template-hash come from the same hash.
import type { ConfigStore, KubeDeploymentSpec, Resource } from '../config/index.js';
import { replicaCount } from '../config/decode.js';
import { resourceFromObject } from '../config/store.js';
import type { JsonObject } from '../config/json-value.js';
import { computeHash, randomSuffix } from '../kube/pod-template-hash.js';
import { derivedUid } from '../kube/object-source.js';
import { withPodSpecDefaults } from '../kube/pod-defaults.js';
import {
  BUILTIN_IMAGE_PREFIX,
  COMMAND_ANNOTATION,
  WORKLOAD_COMMAND_IMAGE,
} from './workload-plan.js';

/** The node every local pod is bound to (`kubectl get pods -o wide` NODE). */
export const NODE_NAME = 'switchyard';
export const LOCALITY_ANNOTATION = 'switchyard.io/locality';

type Obj = Record<string, unknown>;

interface Controller {
  kind: 'ReplicaSet' | 'Workload';
  /** The owner the pods name: the ReplicaSet `<deployment>-<hash>` or the Workload. */
  ownerName: string;
  ownerApiVersion: string;
  ownerUid: string;
  namespace: string;
  hash: string;
  replicas: number;
  template: { metadata: Obj; spec: Obj };
  /** Owned pods' owner names this controller still counts as its own (old ReplicaSets). */
  family: (ownerName: string) => boolean;
}

interface WorkloadDocSpec {
  labels?: Record<string, string>;
  serviceAccount?: string;
  replicas?: number;
  ports?: { containerPort?: number; name?: string }[];
  builtin?: string;
  command?: string[];
  args?: string[];
  env?: Record<string, string>;
  workingDir?: string;
  locality?: string;
}

/** The pod-template-hash of a Deployment's current template (pkg/controller/deployment/sync.go). */
export function deploymentHash(d: Resource): string {
  const spec = d.spec as KubeDeploymentSpec;
  const status = (d.raw as Obj).status as Obj | undefined;
  const collisions = typeof status?.collisionCount === 'number' ? status.collisionCount : undefined;
  return computeHash(spec.template ?? {}, collisions);
}

function controllers(store: ConfigStore): Controller[] {
  const out: Controller[] = [];
  for (const d of store.list('Deployment')) {
    const spec = d.spec as KubeDeploymentSpec;
    const hash = deploymentHash(d);
    const name = `${d.metadata.name}-${hash}`;
    const ns = d.metadata.namespace;
    const tmeta = (spec.template?.metadata ?? {}) as Obj;
    // A command annotation on the Deployment itself applies to its pods (Switchyard's older form).
    const command = d.metadata.annotations[COMMAND_ANNOTATION];
    const annotations = {
      ...(command ? { [COMMAND_ANNOTATION]: command } : {}),
      ...((tmeta.annotations as Record<string, string> | undefined) ?? {}),
    };
    out.push({
      kind: 'ReplicaSet',
      ownerName: name,
      ownerApiVersion: 'apps/v1',
      ownerUid: derivedUid(`ReplicaSet/${ns}/${name}`),
      namespace: ns,
      hash,
      replicas: replicaCount(spec.replicas),
      template: {
        metadata: {
          ...tmeta,
          labels: {
            ...((tmeta.labels as Record<string, string> | undefined) ??
              spec.selector?.matchLabels ??
              {}),
            'pod-template-hash': hash,
          },
          ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        },
        spec: (spec.template?.spec ?? {}) as Obj,
      },
      family: (owner) => owner.startsWith(`${d.metadata.name}-`),
    });
  }
  for (const w of store.list('Workload')) {
    const spec = w.spec as WorkloadDocSpec;
    const ns = w.metadata.namespace;
    const container: Obj = {
      name: w.metadata.name,
      image: spec.builtin ? `${BUILTIN_IMAGE_PREFIX}${spec.builtin}` : WORKLOAD_COMMAND_IMAGE,
      ...(spec.builtin ? {} : { command: spec.command ?? [] }),
      args: spec.args ?? [],
      env: Object.entries(spec.env ?? {}).map(([name, value]) => ({ name, value })),
      ...(spec.workingDir ? { workingDir: spec.workingDir } : {}),
      ports: (spec.ports ?? [])
        .filter((p) => (p.containerPort ?? 0) > 0)
        .map((p) => ({ containerPort: p.containerPort, ...(p.name ? { name: p.name } : {}) })),
    };
    const base = {
      metadata: {
        labels: spec.labels ?? { app: w.metadata.name },
        ...(spec.locality ? { annotations: { [LOCALITY_ANNOTATION]: spec.locality } } : {}),
      },
      spec: { serviceAccountName: spec.serviceAccount ?? 'default', containers: [container] },
    };
    const hash = computeHash(base);
    // Labelled like a ReplicaSet's pods, so a changed Workload replaces its pods the same way.
    const template = {
      ...base,
      metadata: {
        ...base.metadata,
        labels: { ...base.metadata.labels, 'pod-template-hash': hash },
      },
    };
    out.push({
      kind: 'Workload',
      ownerName: w.metadata.name,
      ownerApiVersion: w.apiVersion,
      ownerUid: String((w.raw.metadata as Obj | undefined)?.uid ?? ''),
      namespace: ns,
      hash,
      replicas: replicaCount(spec.replicas),
      template,
      family: (owner) => owner === w.metadata.name,
    });
  }
  return out;
}

export function controllerOf(pod: Resource): { kind: string; name: string } | undefined {
  const refs = (pod.raw.metadata as Obj | undefined)?.ownerReferences as Obj[] | undefined;
  const ref = refs?.find((r) => r.controller === true) ?? refs?.[0];
  return ref ? { kind: String(ref.kind ?? ''), name: String(ref.name ?? '') } : undefined;
}

/** The Deployment (or Workload) a pod belongs to, for its proxy's workload name. */
export function workloadNameOf(pod: Resource): string {
  const owner = controllerOf(pod);
  if (!owner) return pod.metadata.name;
  if (owner.kind !== 'ReplicaSet') return owner.name;
  const hash = pod.metadata.labels['pod-template-hash'];
  return hash && owner.name.endsWith(`-${hash}`)
    ? owner.name.slice(0, -hash.length - 1)
    : owner.name;
}

/**
 * One pass of the controllers: creates the pods each Deployment/Workload is short of, deletes extras
 * (not-ready first, then newest, as pkg/controller/controller_utils.go ActivePods sorts them), old
 * template pods once the new ones are ready (a rollout with the whole surge at once), and pods whose
 * owner is gone (the garbage collector). Returns whether it changed the store.
 */
export function reconcileControllers(
  store: ConfigStore,
  isReady: (pod: Resource) => boolean,
  draw: () => number,
): boolean {
  let changed = false;
  const all = controllers(store);
  const pods = store.list('Pod');
  const claimed = new Set<Resource>();
  for (const c of all) {
    const owned = pods.filter((p) => {
      const o = controllerOf(p);
      return (
        p.metadata.namespace === c.namespace &&
        o !== undefined &&
        o.kind === c.kind &&
        c.family(o.name)
      );
    });
    for (const p of owned) claimed.add(p);
    const current = owned.filter(
      (p) =>
        controllerOf(p)?.name === c.ownerName && p.metadata.labels['pod-template-hash'] === c.hash,
    );
    const old = owned.filter((p) => !current.includes(p));
    for (let i = current.length; i < c.replicas; i++) {
      createPod(store, c, draw);
      changed = true;
    }
    if (current.length > c.replicas) {
      const ranked = [...current].sort(
        (a, b) =>
          Number(isReady(a)) - Number(isReady(b)) ||
          String(b.metadata.creationTimestamp ?? '').localeCompare(
            String(a.metadata.creationTimestamp ?? ''),
          ),
      );
      for (const p of ranked.slice(0, current.length - c.replicas)) {
        remove(store, p);
        changed = true;
      }
    }
    const readyNew = current.filter(isReady).length;
    if (old.length > 0 && readyNew >= c.replicas) {
      for (const p of old) remove(store, p);
      changed = true;
    }
  }
  // Garbage collection: a pod whose controller no longer exists goes with it.
  for (const p of pods) {
    if (claimed.has(p)) continue;
    const o = controllerOf(p);
    if (o && (o.kind === 'ReplicaSet' || o.kind === 'Workload')) {
      remove(store, p);
      changed = true;
    }
  }
  return changed;
}

function remove(store: ConfigStore, p: Resource): void {
  try {
    store.remove('Pod', p.metadata.namespace, p.metadata.name);
  } catch {
    // Already gone (deleted by the user meanwhile).
  }
}

function createPod(store: ConfigStore, c: Controller, draw: () => number): void {
  for (let attempt = 0; attempt < 10; attempt++) {
    const name = `${c.ownerName}-${randomSuffix(draw)}`;
    if (store.get('Pod', c.namespace, name)) continue;
    const obj = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...c.template.metadata,
        name,
        generateName: `${c.ownerName}-`,
        namespace: c.namespace,
        ownerReferences: [
          {
            apiVersion: c.ownerApiVersion,
            kind: c.kind,
            name: c.ownerName,
            uid: c.ownerUid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: withPodSpecDefaults({ nodeName: NODE_NAME, ...c.template.spec } as JsonObject),
      status: { phase: 'Pending' },
    } as unknown as JsonObject;
    const resource = resourceFromObject(obj, c.namespace);
    if (!resource) return;
    store.create(resource);
    return;
  }
}

// The config store: live resources keyed kind/namespace/name in creation order, changed only by
// kubectl-style apply / patch / delete, each change validated whole and published as one immutable
// snapshot. Apply follows kubectl's client-side apply (k8s.io/kubectl pkg/cmd/apply/patcher.go with
// jsonmergepatch.CreateThreeWayJSONMergePatch) and Kubernetes' object metadata rules.
import { createHash, randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../runtime/clock.js';
import { runSteps, runStepsSliced, type Slicer, type Steps } from '../runtime/steps.js';
import { encodedJson, encodedSize, releaseEncodedJson } from './encoded-json.js';
import { applyJsonPatch, JsonPatchError } from './json-patch.js';
import {
  deepFreeze,
  isJsonObject,
  jsonClone,
  jsonEqual,
  sortedJson,
  type JsonObject,
  type JsonValue,
} from './json-value.js';
import { KINDS, kindFromArgument, lookupKind, kubectlTypeName, type KindInfo } from './kinds.js';
import { applyMergePatch } from './merge-patch.js';
import { defaultMeshConfig, meshConfigFromResources, type MeshConfig } from './mesh-config.js';
import { createConfigSnapshot, type ConfigSnapshot } from './snapshot.js';
import { threeWayMerge } from './three-way-merge.js';
import {
  resourceKey,
  refOf,
  type ConfigDiagnostic,
  type Resource,
  type ResourceRef,
  type ResourceSource,
} from './types.js';
import { validateResource } from './validate/index.js';

/** kubectl's annotation holding the configuration last applied (k8s.io/api core/v1 annotation_key_constants.go). */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

export type ApplyAction = 'created' | 'configured' | 'unchanged';
export type PatchType = 'merge' | 'json';

export interface ApplyResultItem {
  ref: ResourceRef;
  /** kubectl's type name, e.g. `virtualservice.networking.istio.io`. */
  typeName: string;
  action: ApplyAction;
}

export interface ApplyOutcome {
  /** The store revision after the change (unchanged when every item was unchanged). */
  revision: number;
  results: ApplyResultItem[];
  /** Warning-level validation findings; they do not reject. */
  warnings: ConfigDiagnostic[];
}

export interface PatchOutcome {
  revision: number;
  ref: ResourceRef;
  typeName: string;
  /** False when the patch left the object as it was (kubectl prints `patched (no change)`). */
  changed: boolean;
  resource: Resource;
  warnings: ConfigDiagnostic[];
}

export interface DeleteOutcome {
  revision: number;
  results: { ref: ResourceRef; typeName: string; deleted: boolean }[];
}

/**
 * Why a change was refused, as the Kubernetes API server would say it: BadRequest (400), Invalid
 * (422, e.g. a JSON patch whose `test` fails), NotFound (404), and AdmissionDenied (400 without a
 * reason: Istio's validating webhook denied it, pkg/webhooks/validation/server/server.go admitPilot).
 */
export type StoreErrorReason =
  | 'BadRequest'
  | 'Invalid'
  | 'NotFound'
  | 'AdmissionDenied'
  | 'AlreadyExists'
  | 'Conflict'
  | 'RequestTooLarge';

/**
 * etcd refuses a request over 1.5 MiB (etcd-io/etcd server/embed/config.go DefaultMaxRequestBytes),
 * so Kubernetes cannot store a larger object; the API server passes etcd's error on as a 500.
 */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;
export const OBJECT_TOO_LARGE_MESSAGE = 'etcdserver: request is too large';

/** What happened to one object at one revision, as a Kubernetes watch reports it. */
export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: StoreEventType;
  /** The store revision of the change (the object's resourceVersion). */
  revision: number;
  /** The object after the change; for DELETED the last state with resourceVersion = revision. */
  resource: Resource;
}

export type StoreEventListener = (events: readonly StoreEvent[]) => void;

/** Options of a single-object write (the API server's create/update/delete). */
export interface WriteOptions {
  /** dryRun=All: validate and answer as if written, change nothing. */
  dryRun?: boolean;
  /** For delete: the API server's Preconditions (uid, resourceVersion). */
  preconditions?: { uid?: string; resourceVersion?: string };
  /** metadata.managedFields to store instead of the incoming/live ones (server-side apply). */
  managedFields?: JsonValue;
}

/** One resource that a change could not be made to, with why. */
export interface StoreFailure {
  ref: ResourceRef;
  typeName: string;
  /** kubectl's wording: `error when creating "file"` (new) or `error when patching "file"` (existing). */
  operation: 'creating' | 'patching';
  /** The file the resource was read from, when known. */
  file?: string;
  diagnostics: ConfigDiagnostic[];
}

/** A refused change; nothing of it was applied and the previous snapshot keeps serving. */
export class StoreError extends Error {
  constructor(
    readonly reason: StoreErrorReason,
    message: string,
    readonly failures: StoreFailure[] = [],
  ) {
    super(message);
    this.name = 'StoreError';
  }
  get diagnostics(): ConfigDiagnostic[] {
    return this.failures.flatMap((f) => f.diagnostics);
  }
}

export interface ConfigStoreOptions {
  /** Webhook-equivalent validation; any Error-level diagnostic rejects the change. */
  validate?: (r: Resource) => ConfigDiagnostic[];
  /** For creationTimestamp. */
  clock?: Clock;
  /** Mesh config used while no `istio` ConfigMap in istio-system is stored. */
  meshConfig?: MeshConfig;
  /** Called when a subscriber throws (the change itself stands). */
  onSubscriberError?: (err: unknown) => void;
  /** How many change events a watch can resume from (older revisions answer 410 Gone). */
  historyLimit?: number;
  /** metadata.uid of new objects; default a random UUID as the API server makes them. */
  newUid?: () => string;
}

export type SnapshotListener = (snapshot: ConfigSnapshot) => void;

/**
 * Called with each change before it takes effect (a write-ahead log): if it throws, the change is
 * refused and the store is as before. `items` is the whole store after the change.
 */
export type WriteAheadHook = (
  revision: number,
  events: readonly StoreEvent[],
  items: readonly Resource[],
) => void;

/** Metadata the server owns; values in a manifest are ignored (as the API server resets them). */
const SERVER_METADATA = [
  'creationTimestamp',
  'resourceVersion',
  'generation',
  'uid',
  'managedFields',
];

export class ConfigStore {
  private items = new Map<string, Resource>();
  private rev = 0;
  private current: ConfigSnapshot;
  private baseMesh: MeshConfig;
  private readonly listeners = new Set<SnapshotListener>();
  private readonly validate: (r: Resource) => ConfigDiagnostic[];
  private readonly clock: Clock;
  private readonly onSubscriberError: (err: unknown) => void;
  private readonly eventListeners = new Set<StoreEventListener>();
  private history: StoreEvent[] = [];
  /** Every event with a revision above this one is still in history. */
  private compacted = 0;
  private readonly historyLimit: number;
  private readonly newUid: () => string;
  private writeAhead: WriteAheadHook | undefined;

  constructor(options: ConfigStoreOptions = {}) {
    this.historyLimit = options.historyLimit ?? 1000;
    this.newUid = options.newUid ?? randomUUID;
    this.validate = options.validate ?? validateResource;
    this.clock = options.clock ?? systemClock;
    this.baseMesh = options.meshConfig ?? defaultMeshConfig();
    this.onSubscriberError =
      options.onSubscriberError ?? ((err) => console.error('config subscriber failed:', err));
    this.current = createConfigSnapshot([], this.baseMesh, this.rev);
  }

  /** Makes every later change durable before it takes effect (src/config/persist). */
  setWriteAhead(hook: WriteAheadHook | undefined): void {
    this.writeAhead = hook;
  }

  /**
   * Replaces the whole store with objects read back from disk at `revision` (server metadata as
   * stored); watches can resume only from there on. Subscribers see the restored snapshot.
   */
  restore(
    objects: readonly {
      kind: string;
      namespaceExplicit: boolean;
      object: Readonly<Record<string, unknown>>;
    }[],
    revision: number,
  ): void {
    const items = new Map<string, Resource>();
    for (const o of objects) {
      const r = buildResource(
        jsonClone(o.object as JsonObject) as JsonObject,
        o.kind,
        o.namespaceExplicit,
        undefined,
      );
      items.set(resourceKey(r), r);
    }
    this.items = items;
    this.rev = revision;
    this.history = [];
    this.compacted = revision;
    const list = [...items.values()];
    this.current = createConfigSnapshot(
      list,
      meshConfigFromResources(list) ?? this.baseMesh,
      revision,
    );
  }

  /** The revision of the current snapshot: 0 when empty, +1 per successful change. */
  get revision(): number {
    return this.rev;
  }

  /** The current immutable snapshot. */
  snapshot(): ConfigSnapshot {
    return this.current;
  }

  get(kind: string, namespace: string, name: string): Resource | undefined {
    return this.items.get(`${kind}/${namespace}/${name}`);
  }

  /** Resources in creation order, optionally of one kind and/or one namespace. */
  list(kind?: string, namespace?: string): Resource[] {
    return [...this.items.values()].filter(
      (r) =>
        (kind === undefined || r.kind === kind) &&
        (namespace === undefined || r.metadata.namespace === namespace),
    );
  }

  /** Calls fn with each new snapshot, once per successful change; returns an unsubscribe function. */
  subscribe(fn: SnapshotListener): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  /** The validation this store admits writes with (the REST layer reads unknown-field findings from it). */
  validator(resource: Resource): ConfigDiagnostic[] {
    return this.validate(resource);
  }

  /** Calls fn with the object events of each successful change; returns an unsubscribe function. */
  subscribeEvents(fn: StoreEventListener): () => void {
    this.eventListeners.add(fn);
    return () => void this.eventListeners.delete(fn);
  }

  /**
   * The events after `revision`, or undefined when some of them were compacted away (a watch from
   * there answers 410 Gone, as the API server's watch cache does).
   */
  eventsSince(revision: number): StoreEvent[] | undefined {
    if (revision < this.compacted) return undefined;
    return this.history.filter((e) => e.revision > revision);
  }

  /** The oldest revision a watch can still start from. */
  get oldestRevision(): number {
    return this.compacted;
  }

  /** The API server's create: AlreadyExists when the name is taken; server metadata is set here. */
  create(input: Resource, options: WriteOptions = {}): Resource {
    const info = this.requireKindInfo(input);
    const typeName = kubectlTypeName(info);
    if (!input.metadata.name)
      throw new StoreError(
        'Invalid',
        `${kubectlPluralName(info)} "" is invalid: metadata.name: Required value: name or generateName is required`,
      );
    if (this.items.has(resourceKey(input)))
      throw new StoreError(
        'AlreadyExists',
        `${kubectlPluralName(info)} "${input.metadata.name}" already exists`,
      );
    const next = jsonClone(input.raw) as JsonObject;
    const meta: JsonObject = isJsonObject(next.metadata) ? next.metadata : {};
    next.metadata = meta;
    for (const field of SERVER_METADATA) delete meta[field];
    if (info.namespaced) meta.namespace = input.metadata.namespace;
    else delete meta.namespace;
    meta.uid = this.newUid();
    meta.creationTimestamp = kubeTime(this.clock.now());
    meta.generation = 1;
    meta.resourceVersion = String(this.rev + 1);
    if (options.managedFields !== undefined) meta.managedFields = options.managedFields;
    const resource = buildResource(next, input.kind, input.namespaceExplicit, input.source);
    this.admit(resource, typeName, 'creating');
    if (options.dryRun) return resource;
    const working = new Map(this.items);
    working.set(resourceKey(resource), resource);
    this.commit(working);
    return resource;
  }

  /**
   * The API server's update (PUT, and every patch once computed): a resourceVersion in the object
   * must match the live one (else Conflict); an update that changes nothing keeps the revision.
   */
  update(input: Resource, options: WriteOptions = {}): Resource {
    const info = this.requireKindInfo(input);
    const typeName = kubectlTypeName(info);
    const live = this.requireLive(input.kind, input.metadata.namespace, input.metadata.name);
    const liveObj = live.raw as JsonObject;
    const wanted = input.metadata.resourceVersion;
    if (wanted !== undefined && wanted !== '' && wanted !== live.metadata.resourceVersion)
      throw conflict(info, input.metadata.name);
    const next = jsonClone(input.raw) as JsonObject;
    const meta: JsonObject = isJsonObject(next.metadata) ? next.metadata : {};
    next.metadata = meta;
    if (info.namespaced) meta.namespace = live.metadata.namespace;
    else delete meta.namespace;
    // Fields the server owns keep their live values; managedFields follow the writer when given.
    const managed =
      options.managedFields !== undefined
        ? options.managedFields
        : meta.managedFields !== undefined
          ? meta.managedFields
          : isJsonObject(liveObj.metadata)
            ? liveObj.metadata.managedFields
            : undefined;
    bumpMetadata(next, liveObj, this.rev + 1);
    if (managed !== undefined) meta.managedFields = managed;
    else delete meta.managedFields;
    const { resourceVersion: _n, ...nextMeta } = meta;
    const liveMeta = isJsonObject(liveObj.metadata) ? liveObj.metadata : {};
    const { resourceVersion: _l, ...liveRest } = liveMeta;
    if (jsonEqual({ ...next, metadata: nextMeta }, { ...liveObj, metadata: liveRest })) return live;
    const resource = buildResource(next, live.kind, live.namespaceExplicit, input.source);
    this.admit(resource, typeName, 'patching');
    if (options.dryRun) return resource;
    const working = new Map(this.items);
    working.set(resourceKey(resource), resource);
    this.commit(working);
    return resource;
  }

  /** The API server's delete of one object, honouring uid/resourceVersion preconditions. */
  remove(kind: string, namespace: string, name: string, options: WriteOptions = {}): Resource {
    const live = this.requireLive(kind, namespace, name);
    const info = kindInfoOf(live);
    const pre = options.preconditions;
    // apimachinery storage/errors.go NewInvalidObjError via Preconditions.Check.
    if (pre?.uid !== undefined && pre.uid !== (live.raw.metadata as JsonObject | undefined)?.uid)
      throw new StoreError(
        'Conflict',
        `Operation cannot be fulfilled on ${info ? kubectlPluralName(info) : kind.toLowerCase()} "${name}": Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String((live.raw.metadata as JsonObject | undefined)?.uid ?? '')}`,
      );
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== live.metadata.resourceVersion)
      throw new StoreError(
        'Conflict',
        `Operation cannot be fulfilled on ${info ? kubectlPluralName(info) : kind.toLowerCase()} "${name}": Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${live.metadata.resourceVersion ?? ''}`,
      );
    if (options.dryRun) return live;
    const working = new Map(this.items);
    working.delete(resourceKey(live));
    this.commit(working);
    return live;
  }

  private requireKindInfo(input: Resource): KindInfo {
    const info = kindInfoOf(input);
    if (!info)
      throw new StoreError('NotFound', `the server doesn't have a resource type "${input.kind}"`);
    return info;
  }

  /** Runs the webhook-equivalent validation; an Error rejects the write whole. */
  private admit(resource: Resource, typeName: string, operation: 'creating' | 'patching'): void {
    const errors = this.validate(resource).filter((d) => d.level === 'Error');
    if (errors.length > 0)
      throw invalid([
        {
          ref: refOf(resource),
          typeName,
          operation,
          ...(resource.source ? { file: resource.source.file } : {}),
          diagnostics: errors,
        },
      ]);
  }

  /** Replaces the base mesh config (e.g. from --meshConfigFile); an `istio` ConfigMap still wins. */
  setMeshConfig(mesh: MeshConfig): void {
    this.baseMesh = mesh;
    this.commit(this.items);
  }

  /**
   * kubectl apply: creates each resource, or three-way merges it into the live one. All or nothing:
   * if any resource is invalid nothing changes and a StoreError lists every failure.
   */
  apply(resources: readonly Resource[], options: { dryRun?: boolean } = {}): ApplyOutcome {
    return runSteps(this.applySteps(resources, options, false));
  }

  /**
   * apply, preparing the objects (merge, last-applied, validation) in event-loop slices so a large
   * apply does not stall the proxies serving on this loop; the change still commits all at once. A
   * write that commits meanwhile makes the preparation start over against the new state.
   */
  applySliced(
    resources: readonly Resource[],
    slicer: Slicer,
    options: { dryRun?: boolean } = {},
  ): Promise<ApplyOutcome> {
    return runStepsSliced(this.applySteps(resources, options, true), slicer);
  }

  private *applySteps(
    resources: readonly Resource[],
    options: { dryRun?: boolean },
    sliced: boolean,
  ): Steps<ApplyOutcome> {
    // Another writer may commit while this apply yields; after a few restarts it runs straight on.
    for (let attempt = 0; ; attempt++) {
      const startRev = this.rev;
      const prepared = yield* this.prepareApply(resources, sliced && attempt < 3);
      if (this.rev !== startRev) continue;
      if (prepared.failures.length > 0) throw invalid(prepared.failures);
      // A dry run (kubectl --dry-run=server) validates and reports but changes nothing.
      if (prepared.changed && !options.dryRun) this.commit(prepared.working);
      return { revision: this.rev, results: prepared.results, warnings: prepared.warnings };
    }
  }

  private *prepareApply(
    resources: readonly Resource[],
    yielding: boolean,
  ): Steps<{
    working: Map<string, Resource>;
    results: ApplyResultItem[];
    warnings: ConfigDiagnostic[];
    failures: StoreFailure[];
    changed: boolean;
  }> {
    const working = new Map(this.items);
    const nextRev = this.rev + 1;
    const results: ApplyResultItem[] = [];
    const warnings: ConfigDiagnostic[] = [];
    const failures: StoreFailure[] = [];
    let changed = false;
    for (const input of resources) {
      if (yielding) yield;
      const info = kindInfoOf(input);
      const typeName = info ? kubectlTypeName(info) : input.kind.toLowerCase();
      const key = resourceKey(input);
      const live = working.get(key);
      const operation = live ? 'patching' : 'creating';
      const fail = (diagnostics: ConfigDiagnostic[]) =>
        failures.push({
          ref: refOf(input),
          typeName,
          operation,
          ...(input.source ? { file: input.source.file } : {}),
          diagnostics,
        });
      if (!info) {
        fail([diag(input, `the server doesn't have a resource type "${input.kind}"`)]);
        continue;
      }
      if (!input.metadata.name) {
        fail([diag(input, 'resource name may not be empty', 'set metadata.name')]);
        continue;
      }
      const desired = appliedObject(input, info);
      let next: JsonObject;
      if (!live) {
        next = desired;
        const meta = next.metadata as JsonObject;
        meta.uid = this.newUid();
        meta.creationTimestamp = kubeTime(this.clock.now());
        meta.generation = 1;
        meta.resourceVersion = String(nextRev);
      } else {
        const liveObj = live.raw as JsonObject;
        next = threeWayMerge(lastAppliedOf(liveObj), desired, liveObj);
        if (jsonEqual(next, liveObj)) {
          results.push({ ref: refOf(live), typeName, action: 'unchanged' });
          continue;
        }
        bumpMetadata(next, liveObj, nextRev);
      }
      const resource = buildResource(next, input.kind, input.namespaceExplicit, input.source);
      const found = this.validate(resource);
      const errors = found.filter((d) => d.level === 'Error');
      if (errors.length > 0) {
        fail(errors);
        continue;
      }
      warnings.push(...found);
      working.set(key, resource);
      // Encoded here, in the apply's slices: the commit measures it and logs this text, not again.
      encodedJson(resource);
      changed = true;
      results.push({ ref: refOf(resource), typeName, action: live ? 'configured' : 'created' });
    }
    return { working, results, warnings, failures, changed };
  }

  /** kubectl patch --type merge (RFC 7386) or --type json (RFC 6902); the result is re-validated. */
  patch(
    kind: string,
    namespace: string,
    name: string,
    type: PatchType,
    patch: unknown,
  ): PatchOutcome {
    const live = this.requireLive(kind, namespace, name);
    const info = kindInfoOf(live);
    const typeName = info ? kubectlTypeName(info) : kind.toLowerCase();
    const liveObj = live.raw as JsonObject;
    let patched: unknown;
    try {
      if (type === 'merge') {
        if (!isJsonObject(patch))
          throw new StoreError('BadRequest', 'a merge patch must be a JSON object');
        patched = applyMergePatch(liveObj, patch);
      } else {
        patched = applyJsonPatch(liveObj, patch);
      }
    } catch (err) {
      if (err instanceof JsonPatchError)
        throw new StoreError(
          'Invalid',
          `the server rejected our request due to an error in our request: ${err.message}`,
        );
      throw err;
    }
    if (!isJsonObject(patched))
      throw new StoreError('BadRequest', 'the patched object is not an object');
    const meta = isJsonObject(patched.metadata) ? patched.metadata : {};
    if (meta.name !== live.metadata.name)
      throw new StoreError(
        'BadRequest',
        `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`,
      );
    if (info?.namespaced && meta.namespace !== live.metadata.namespace)
      throw new StoreError(
        'BadRequest',
        `the namespace of the object (${String(meta.namespace)}) does not match the namespace on the URL (${namespace})`,
      );
    if (patched.kind !== liveObj.kind)
      throw new StoreError('BadRequest', `the kind of the object cannot be changed by a patch`);
    if (jsonEqual(patched, liveObj))
      return {
        revision: this.rev,
        ref: refOf(live),
        typeName,
        changed: false,
        resource: live,
        warnings: [],
      };
    const nextRev = this.rev + 1;
    bumpMetadata(patched, liveObj, nextRev);
    const resource = buildResource(patched, live.kind, live.namespaceExplicit, undefined);
    const found = this.validate(resource);
    const errors = found.filter((d) => d.level === 'Error');
    if (errors.length > 0)
      throw invalid([{ ref: refOf(live), typeName, operation: 'patching', diagnostics: errors }]);
    const working = new Map(this.items);
    working.set(resourceKey(resource), resource);
    this.commit(working);
    return {
      revision: this.rev,
      ref: refOf(resource),
      typeName,
      changed: true,
      resource,
      warnings: found,
    };
  }

  /** Deletes one resource; NotFound when it does not exist. */
  delete(kind: string, namespace: string, name: string): Resource {
    const live = this.requireLive(kind, namespace, name);
    const working = new Map(this.items);
    working.delete(resourceKey(live));
    this.commit(working);
    return live;
  }

  /** Deletes several resources in one change (kubectl delete -f); missing ones are reported, not fatal. */
  deleteMany(refs: readonly ResourceRef[]): DeleteOutcome {
    const working = new Map(this.items);
    const results: DeleteOutcome['results'] = [];
    for (const ref of refs) {
      const key = `${ref.kind}/${ref.namespace}/${ref.name}`;
      const live = working.get(key);
      const info = live ? kindInfoOf(live) : undefined;
      results.push({
        ref,
        typeName: info ? kubectlTypeName(info) : ref.kind.toLowerCase(),
        deleted: working.delete(key),
      });
    }
    if (results.some((r) => r.deleted)) this.commit(working);
    return { revision: this.rev, results };
  }

  private requireLive(kind: string, namespace: string, name: string): Resource {
    const live = this.get(kind, namespace, name);
    if (!live) throw new StoreError('NotFound', notFoundMessage(kind, name));
    return live;
  }

  private commit(items: Map<string, Resource>): void {
    const previous = this.items;
    const events = changeEvents(previous, items, this.rev + 1);
    for (const e of events)
      if (e.type !== 'DELETED' && encodedSize(e.resource) > MAX_OBJECT_BYTES)
        throw new StoreError('RequestTooLarge', OBJECT_TOO_LARGE_MESSAGE);
    // Durable first: a change the log refused (disk full) never takes effect.
    this.writeAhead?.(this.rev + 1, events, [...items.values()]);
    for (const e of events) releaseEncodedJson(e.resource);
    this.items = items;
    this.rev += 1;
    this.history.push(...events);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.compacted = dropped[dropped.length - 1]?.revision ?? this.compacted;
    }
    const list = [...items.values()];
    const mesh = meshConfigFromResources(list) ?? this.baseMesh;
    this.current = createConfigSnapshot(list, mesh, this.rev);
    for (const fn of [...this.listeners]) {
      try {
        fn(this.current);
      } catch (err) {
        this.onSubscriberError(err);
      }
    }
    if (events.length > 0)
      for (const fn of [...this.eventListeners]) {
        try {
          fn(events);
        } catch (err) {
          this.onSubscriberError(err);
        }
      }
  }
}

/** ADDED / MODIFIED / DELETED between two item maps (stored Resources are immutable: identity = no change). */
function changeEvents(
  before: ReadonlyMap<string, Resource>,
  after: ReadonlyMap<string, Resource>,
  revision: number,
): StoreEvent[] {
  const events: StoreEvent[] = [];
  for (const [key, r] of after) {
    const old = before.get(key);
    if (!old) events.push({ type: 'ADDED', revision, resource: r });
    else if (old !== r) events.push({ type: 'MODIFIED', revision, resource: r });
  }
  for (const [key, old] of before) {
    if (after.has(key)) continue;
    // A deleted object is reported with the revision of its deletion (etcd3 watcher's prevKV + rev).
    const raw = jsonClone(old.raw) as JsonObject;
    if (isJsonObject(raw.metadata)) raw.metadata.resourceVersion = String(revision);
    events.push({
      type: 'DELETED',
      revision,
      resource: buildResource(raw, old.kind, old.namespaceExplicit, old.source),
    });
  }
  return events;
}

/** The API server's optimistic-concurrency Conflict (apimachinery registry/generic/registry/store.go). */
function conflict(info: KindInfo, name: string): StoreError {
  return new StoreError(
    'Conflict',
    `Operation cannot be fulfilled on ${kubectlPluralName(info)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
  );
}

/** The KindInfo of a stored or parsed resource (KubernetesGateway maps back to gateway.networking.k8s.io). */
export function kindInfoOf(r: {
  apiVersion: string;
  kind: string;
  raw?: Readonly<Record<string, unknown>>;
}): KindInfo | undefined {
  const rawKind = typeof r.raw?.kind === 'string' ? r.raw.kind : r.kind;
  return lookupKind(r.apiVersion, rawKind);
}

/**
 * A kind as kubectl accepts it on the command line: `vs`, `virtualservices`, `VirtualService`, and
 * the group-qualified `virtualservices.networking.istio.io` / `virtualservice.networking.istio.io`.
 */
export function kindFromKubectlArgument(arg: string): KindInfo | undefined {
  const plain = kindFromArgument(arg);
  if (plain) return plain;
  const dot = arg.indexOf('.');
  if (dot < 0) return undefined;
  const name = arg.slice(0, dot).toLowerCase();
  const group = arg.slice(dot + 1).toLowerCase();
  return KINDS.find(
    (k) => k.group === group && (k.names.includes(name) || k.kind.toLowerCase() === name),
  );
}

/** The kind name the store keys a KindInfo by (parse.ts names Kubernetes Gateway API Gateways `KubernetesGateway`). */
export function storeKindOf(info: KindInfo): string {
  return info.kind === 'Gateway' && info.group !== 'networking.istio.io'
    ? 'KubernetesGateway'
    : info.kind;
}

/** kubectl's plural resource name, e.g. `virtualservices.networking.istio.io` (used in NotFound messages). */
export function kubectlPluralName(info: KindInfo): string {
  const plural = info.names[1] ?? info.names[0] ?? info.kind.toLowerCase();
  return plural.includes('.') || !info.group ? plural : `${plural}.${info.group}`;
}

/** Kubernetes' NotFound message: `virtualservices.networking.istio.io "x" not found`. */
export function notFoundMessage(kind: string, name: string): string {
  const info = lookupByStoreKind(kind);
  return `${info ? kubectlPluralName(info) : kind.toLowerCase()} "${name}" not found`;
}

function lookupByStoreKind(kind: string): KindInfo | undefined {
  for (const version of ['networking.istio.io/v1', 'v1', 'apps/v1', 'security.istio.io/v1']) {
    const info = lookupKind(version, kind);
    if (info) return info;
  }
  return kind === 'KubernetesGateway'
    ? lookupKind('gateway.networking.k8s.io/v1', 'Gateway')
    : undefined;
}

/** RFC 3339 with seconds, as Kubernetes writes metav1.Time. */
export function kubeTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The manifest as kubectl sends it: namespace filled in, server fields dropped, last-applied set. */
function appliedObject(input: Resource, info: KindInfo): JsonObject {
  const obj = jsonClone(input.raw) as JsonObject;
  const meta: JsonObject = isJsonObject(obj.metadata) ? obj.metadata : {};
  obj.metadata = meta;
  for (const field of SERVER_METADATA) delete meta[field];
  if (info.namespaced) meta.namespace = input.metadata.namespace;
  // kubectl keeps an (often empty) annotations map in the last-applied JSON (apply.go GetModifiedConfiguration).
  const annotations: JsonObject = isJsonObject(meta.annotations) ? meta.annotations : {};
  delete annotations[LAST_APPLIED_ANNOTATION];
  meta.annotations = annotations;
  const lastApplied = sortedJson(info.kind === 'Secret' ? withHashedSecretData(obj) : obj) + '\n';
  return {
    ...obj,
    metadata: { ...meta, annotations: { ...annotations, [LAST_APPLIED_ANNOTATION]: lastApplied } },
  };
}

/**
 * A Secret as its last-applied annotation records it: each `data`/`stringData` value replaced by its
 * SHA-256, so the annotation never holds the secret in clear. kubectl itself stores the values
 * (kubernetes/kubernetes#23564, closed unfixed; hashing was the maintainers' suggestion there); the
 * three-way merge needs only the keys of last-applied (deletions), so apply works the same.
 */
function withHashedSecretData(obj: JsonObject): JsonObject {
  const out: JsonObject = { ...obj };
  for (const field of ['data', 'stringData']) {
    const values = out[field];
    if (!isJsonObject(values)) continue;
    const hashed: JsonObject = {};
    for (const [k, v] of Object.entries(values))
      hashed[k] =
        typeof v === 'string' ? `sha256:${createHash('sha256').update(v).digest('hex')}` : v;
    out[field] = hashed;
  }
  return out;
}

function lastAppliedOf(obj: JsonObject): JsonObject | undefined {
  const meta = obj.metadata;
  const annotations = isJsonObject(meta) ? meta.annotations : undefined;
  const text = isJsonObject(annotations) ? annotations[LAST_APPLIED_ANNOTATION] : undefined;
  if (typeof text !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isJsonObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Server metadata on update: creation time kept, resourceVersion = revision, generation +1 on a non-metadata change. */
function bumpMetadata(next: JsonObject, live: JsonObject, nextRev: number): void {
  const meta: JsonObject = isJsonObject(next.metadata) ? next.metadata : {};
  next.metadata = meta;
  const liveMeta = isJsonObject(live.metadata) ? live.metadata : {};
  for (const field of SERVER_METADATA) {
    if (liveMeta[field] !== undefined) meta[field] = jsonClone(liveMeta[field]!);
    else delete meta[field];
  }
  // Kubernetes bumps metadata.generation when anything but metadata and status changes (CRD strategy).
  const { metadata: _a, status: _b, ...nextBody } = next;
  const { metadata: _c, status: _d, ...liveBody } = live;
  const gen = typeof liveMeta.generation === 'number' ? liveMeta.generation : 1;
  meta.generation = jsonEqual(nextBody, liveBody) ? gen : gen + 1;
  meta.resourceVersion = String(nextRev);
}

/** A frozen Resource from a stored object. */
function buildResource(
  obj: JsonObject,
  kind: string,
  namespaceExplicit: boolean,
  source: ResourceSource | undefined,
): Resource {
  const raw = deepFreeze(obj);
  const meta = isJsonObject(raw.metadata) ? raw.metadata : {};
  const resource: Resource = {
    apiVersion: typeof raw.apiVersion === 'string' ? raw.apiVersion : '',
    kind,
    metadata: Object.freeze({
      name: typeof meta.name === 'string' ? meta.name : '',
      namespace: typeof meta.namespace === 'string' ? meta.namespace : '',
      labels: Object.freeze(stringMap(meta.labels)),
      annotations: Object.freeze(stringMap(meta.annotations)),
      ...(typeof meta.creationTimestamp === 'string'
        ? { creationTimestamp: meta.creationTimestamp }
        : {}),
      ...(typeof meta.resourceVersion === 'string'
        ? { resourceVersion: meta.resourceVersion }
        : {}),
      ...(typeof meta.generation === 'number' ? { generation: meta.generation } : {}),
    }),
    namespaceExplicit,
    spec: raw.spec ?? {},
    raw,
    ...(source ? { source } : {}),
  };
  return Object.freeze(resource);
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isJsonObject(value))
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = String(v);
  return out;
}

function diag(r: Resource, message: string, hint?: string): ConfigDiagnostic {
  return {
    level: 'Error',
    message,
    resource: refOf(r),
    ...(r.source
      ? { position: { file: r.source.file, line: r.source.line, col: r.source.col } }
      : {}),
    ...(hint ? { hint } : {}),
  };
}

function invalid(failures: StoreFailure[]): StoreError {
  const first = failures[0];
  const what = first
    ? `${first.ref.kind} ${first.ref.namespace}/${first.ref.name}`
    : 'configuration';
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
  return new StoreError('AdmissionDenied', `${what} is invalid${more}`, failures);
}

/**
 * A Resource from a decoded API request body (no source positions); undefined for kinds the store
 * does not hold. `namespace` fills metadata.namespace of namespaced kinds when the body has none.
 */
export function resourceFromObject(obj: JsonObject, namespace: string): Resource | undefined {
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const info = lookupKind(apiVersion, kind);
  if (!info) return undefined;
  const copy = jsonClone(obj);
  const meta: JsonObject = isJsonObject(copy.metadata) ? copy.metadata : {};
  copy.metadata = meta;
  const explicit = typeof meta.namespace === 'string' && meta.namespace !== '';
  if (info.namespaced) meta.namespace = explicit ? meta.namespace! : namespace;
  return buildResource(copy, storeKindOf(info), explicit, undefined);
}

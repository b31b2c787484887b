// The Kubernetes REST API over the config store: /api/v1/... and /apis/<group>/<version>/... with the
// verbs and semantics of the API server (k8s.io/apiserver pkg/endpoints/handlers: get.go, create.go,
// update.go, patch.go, delete.go, watch.go). One store, one set of semantics: every write goes through
// the store's create/update/remove, so validation, atomicity and the proxies' view are those of apply.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyJsonPatch, JsonPatchError } from '../config/json-patch.js';
import { isJsonObject, type JsonObject } from '../config/json-value.js';
import { applyMergePatch } from '../config/merge-patch.js';
import {
  kubeTime,
  resourceFromObject,
  StoreError,
  type ConfigStore,
  type StoreEvent,
} from '../config/store.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { findResource, groupVersionString, type ApiResource } from './catalog.js';
import { ObjectSource, type Obj } from './object-source.js';
import { decodeBody, mediaType, readRequestBody, MAX_BODY_BYTES } from './request-body.js';
import {
  fieldsMatch,
  labelsMatch,
  parseFieldSelector,
  parseLabelSelector,
  type FieldSelector,
  type LabelSelector,
} from './selectors.js';
import { conflictMessage, recordUpdate, serverSideApply } from './server-side-apply.js';
import {
  badRequest,
  conflict,
  expired,
  fromStoreError,
  internalError,
  invalid,
  KubeApiError,
  methodNotSupported,
  noSuchPath,
  notFound,
  unsupportedMediaType,
  type QualifiedResource,
} from './status.js';
import { applyStrategicMergePatch } from './strategic-merge.js';
import { includeObjectOf, toTable, wantsTable } from './table.js';
import { serveWatch } from './watch.js';

export interface KubeApiOptions {
  store: ConfigStore;
  clock?: Clock;
  /** How often a watch with allowWatchBookmarks sends a BOOKMARK (the API server: about a minute). */
  bookmarkIntervalMs?: number;
  maxBodyBytes?: number;
}

/** One request's target, parsed from its path. */
interface Target {
  resource: ApiResource;
  group: string;
  version: string;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  watchPath: boolean;
}

const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

// apiextensions-apiserver pkg/apiserver/customresource_handler.go: custom resources take no strategic merge.
const CUSTOM_PATCH_TYPES = [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply];

/** The body of a deletion that was carried out (metav1.Status Success, as built-in kinds answer). */
function deletedStatus(q: QualifiedResource, name: string, uid: unknown): Obj {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, group: q.group, kind: q.resource, ...(uid ? { uid } : {}) },
  };
}

const metaOf = (o: Obj): Obj => (isJsonObject(o.metadata) ? (o.metadata as Obj) : {});

export class KubeApi {
  readonly objects: ObjectSource;
  /** Watches being served now (observable by tests and the admin UI). */
  activeWatches = 0;
  private readonly store: ConfigStore;
  private readonly clock: Clock;
  private readonly bookmarkIntervalMs: number;
  private readonly maxBodyBytes: number;

  constructor(options: KubeApiOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.bookmarkIntervalMs = options.bookmarkIntervalMs ?? 60_000;
    this.maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
    this.objects = new ObjectSource(this.store);
  }

  /** True for the paths this handler serves (resources under /api/v1 and /apis/<g>/<v>). */
  static isResourcePath(pathname: string): boolean {
    const parts = pathname.split('/').filter((p) => p !== '');
    return (parts[0] === 'api' && parts.length >= 3) || (parts[0] === 'apis' && parts.length >= 4);
  }

  /** Serves one request; any failure is answered as a metav1.Status. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      await this.dispatch(req, res, url);
    } catch (err) {
      const e =
        err instanceof KubeApiError
          ? err
          : err instanceof StoreError
            ? fromStoreError(err, { group: '', resource: '' }, '')
            : internalError(err);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendObject(res, e.status.code, e.status);
    }
  }

  private target(url: URL): Target {
    let parts: string[];
    try {
      parts = url.pathname
        .split('/')
        .filter((p) => p !== '')
        .map(decodeURIComponent);
    } catch {
      throw noSuchPath();
    }
    const [root] = parts;
    const group = root === 'api' ? '' : (parts[1] ?? '');
    const version = root === 'api' ? (parts[1] ?? '') : (parts[2] ?? '');
    const rest = parts.slice(root === 'api' ? 2 : 3);
    let watchPath = false;
    if (rest[0] === 'watch') {
      watchPath = true;
      rest.shift();
    }
    let namespace: string | undefined;
    let tail = rest;
    if (
      rest[0] === 'namespaces' &&
      rest.length >= 3 &&
      !['status', 'finalize'].includes(rest[2]!)
    ) {
      namespace = rest[1];
      tail = rest.slice(2);
    }
    if (tail.length === 0 || tail.length > 3) throw noSuchPath();
    const [plural, name, subresource] = tail as [string, string | undefined, string | undefined];
    const resource = findResource(group, version, plural);
    if (!resource) throw noSuchPath();
    if (namespace !== undefined && !resource.namespaced) throw noSuchPath();
    if (subresource !== undefined && !resource.subresources.some((s) => s.name === subresource))
      throw noSuchPath();
    return { resource, group, version, namespace, name, subresource, watchPath };
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const t = this.target(url);
    const method = req.method ?? 'GET';
    const q = { group: t.resource.group, resource: t.resource.plural };
    const verb = (v: string, action: string) => {
      if (!t.resource.verbs.includes(v)) throw methodNotSupported(q, action);
    };
    if (t.name === undefined) {
      if (method === 'GET') {
        const watch = t.watchPath || ['true', '1'].includes(url.searchParams.get('watch') ?? '');
        verb(watch ? 'watch' : 'list', watch ? 'watch' : 'list');
        if (watch) return this.watch(req, res, url, t);
        return this.list(req, res, url, t);
      }
      if (method === 'POST') {
        verb('create', 'create');
        return this.create(req, res, url, t);
      }
      if (method === 'DELETE') {
        verb('deletecollection', 'deletecollection');
        return this.deleteCollection(req, res, url, t);
      }
      throw methodNotSupported(q, method.toLowerCase());
    }
    if (t.resource.namespaced && t.namespace === undefined) throw noSuchPath();
    switch (method) {
      case 'GET':
        verb('get', 'get');
        return this.get(req, res, url, t);
      case 'PUT':
        verb('update', 'update');
        return this.update(req, res, url, t);
      case 'PATCH':
        verb('patch', 'patch');
        return this.patch(req, res, url, t);
      case 'DELETE':
        verb('delete', 'delete');
        return this.delete(req, res, url, t);
    }
    throw methodNotSupported(q, method.toLowerCase());
  }

  /** Storage form -> what a client of this URL sees: the URL's apiVersion (one storage, every version). */
  private present(t: Target, obj: Obj): Obj {
    return { ...obj, apiVersion: groupVersionString(t.group, t.version) };
  }

  private q(t: Target): QualifiedResource {
    return { group: t.resource.group, resource: t.resource.plural };
  }

  private live(t: Target): Obj {
    const obj = this.objects.get(t.resource, t.namespace ?? '', t.name ?? '');
    if (!obj) throw notFound(this.q(t), t.name ?? '');
    return obj;
  }

  private get(req: IncomingMessage, res: ServerResponse, url: URL, t: Target): void {
    const obj = this.live(t);
    if (t.subresource === 'scale') return sendObject(res, 200, scaleOf(obj, t));
    const shown = this.present(t, obj);
    if (wantsTable(req.headers.accept))
      return sendObject(
        res,
        200,
        toTable(t.resource, [shown], {
          now: this.clock.now(),
          include: includeObjectOf(url.searchParams.get('includeObject')),
          resourceVersion: String(metaOf(obj).resourceVersion ?? ''),
        }),
      );
    sendObject(res, 200, shown);
  }

  private selectors(url: URL, t: Target): { labels: LabelSelector; fields: FieldSelector } {
    const eventFields = [
      'involvedObject.kind',
      'involvedObject.namespace',
      'involvedObject.name',
      'involvedObject.uid',
      'involvedObject.apiVersion',
      'involvedObject.resourceVersion',
      'involvedObject.fieldPath',
      'reason',
      'reportingComponent',
      'source',
      'type',
    ];
    const podFields = [
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'status.phase',
      'status.podIP',
      'status.nominatedNodeName',
    ];
    // kubernetes pkg/registry/core/secret/strategy.go SelectableFields: `type` (istiod filters on it).
    const secretFields = ['type'];
    const extra =
      t.resource.kind === 'Event'
        ? eventFields
        : t.resource.kind === 'Pod'
          ? podFields
          : t.resource.kind === 'Secret'
            ? secretFields
            : [];
    return {
      labels: parseLabelSelector(url.searchParams.get('labelSelector')),
      fields: parseFieldSelector(url.searchParams.get('fieldSelector'), extra),
    };
  }

  private matcher(url: URL, t: Target): (o: Obj) => boolean {
    const { labels, fields } = this.selectors(url, t);
    return (o) => {
      const m = metaOf(o);
      return (
        (t.namespace === undefined || !t.resource.namespaced || m.namespace === t.namespace) &&
        labelsMatch(labels, (m.labels as Record<string, string> | undefined) ?? {}) &&
        fieldsMatch(fields, (f) => {
          const v = f
            .split('.')
            .reduce<unknown>(
              (cur, k) => (cur !== null && typeof cur === 'object' ? (cur as Obj)[k] : undefined),
              o,
            );
          return v === undefined ? undefined : String(v);
        })
      );
    };
  }

  /** Objects in the API server's list order (etcd key order: namespace, then name). */
  private sorted(objs: Obj[]): Obj[] {
    const key = (o: Obj) => `${String(metaOf(o).namespace ?? '')}/${String(metaOf(o).name ?? '')}`;
    return [...objs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  private list(req: IncomingMessage, res: ServerResponse, url: URL, t: Target): void {
    const match = this.matcher(url, t);
    let items = this.sorted(this.objects.list(t.resource, t.namespace).filter(match));
    const revision = this.store.revision;
    const limit = Number(url.searchParams.get('limit') ?? '0');
    const token = url.searchParams.get('continue');
    if (token) {
      const start = decodeContinue(token);
      if (start.rv < this.store.oldestRevision)
        // apiserver storage/etcd3 store.go: a continue token from a compacted revision.
        throw expired(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      const key = (o: Obj) =>
        `${String(metaOf(o).namespace ?? '')}/${String(metaOf(o).name ?? '')}`;
      items = items.filter((o) => key(o) > start.key);
    }
    let continueToken: string | undefined;
    let remaining: number | undefined;
    if (Number.isInteger(limit) && limit > 0 && items.length > limit) {
      const last = items[limit - 1]!;
      remaining = items.length - limit;
      items = items.slice(0, limit);
      continueToken = encodeContinue(
        revision,
        `${String(metaOf(last).namespace ?? '')}/${String(metaOf(last).name ?? '')}`,
      );
    }
    const shown = items.map((o) => this.present(t, o));
    if (wantsTable(req.headers.accept))
      return sendObject(
        res,
        200,
        toTable(t.resource, shown, {
          now: this.clock.now(),
          include: includeObjectOf(url.searchParams.get('includeObject')),
          resourceVersion: String(revision),
          ...(continueToken ? { continueToken } : {}),
        }),
      );
    sendObject(res, 200, {
      kind: t.resource.listKind,
      apiVersion: groupVersionString(t.group, t.version),
      metadata: {
        resourceVersion: String(revision),
        ...(continueToken ? { continue: continueToken, remainingItemCount: remaining } : {}),
      },
      items: shown,
    });
  }

  private watch(req: IncomingMessage, res: ServerResponse, url: URL, t: Target): void {
    const match = this.matcher(url, t);
    const storeKind = this.objects.storeKind(t.resource);
    const table = wantsTable(req.headers.accept);
    const include = includeObjectOf(url.searchParams.get('includeObject'));
    const derived =
      storeKind === undefined || ['Pod', 'Namespace', 'Deployment'].includes(t.resource.kind);
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? '');
    this.activeWatches++;
    res.once('close', () => this.activeWatches--);
    serveWatch(res, {
      store: this.store,
      current: () => this.sorted(this.objects.list(t.resource, t.namespace).filter(match)),
      matches: match,
      concerns: (e: StoreEvent) =>
        derived ||
        (e.resource.kind === storeKind &&
          (t.namespace === undefined || e.resource.metadata.namespace === t.namespace)),
      derived,
      onRuntimeChange: (fn) => this.objects.onRuntimeChange(fn),
      present: (obj, first) => {
        const shown = this.present(t, obj);
        if (!table) return shown;
        const tbl = toTable(t.resource, [shown], {
          now: this.clock.now(),
          include,
          resourceVersion: String(metaOf(obj).resourceVersion ?? ''),
        });
        // Column definitions ride on the first event only; kubectl keeps them for the rest.
        return first ? tbl : { ...tbl, columnDefinitions: [] };
      },
      bookmarkType: table
        ? { apiVersion: 'meta.k8s.io/v1', kind: 'Table' }
        : { apiVersion: groupVersionString(t.group, t.version), kind: t.resource.kind },
      resourceVersion: url.searchParams.get('resourceVersion'),
      allowBookmarks: url.searchParams.get('allowWatchBookmarks') === 'true',
      // The API server's default: a random time in [minRequestTimeout, 2*minRequestTimeout) (1800s).
      timeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : 1800,
      bookmarkIntervalMs: this.bookmarkIntervalMs,
    });
  }

  private async body(req: IncomingMessage): Promise<unknown> {
    const text = await readRequestBody(req, this.maxBodyBytes);
    return decodeBody(text, req.headers['content-type']);
  }

  private dryRun(url: URL): boolean {
    const values = url.searchParams.getAll('dryRun');
    for (const v of values) if (v !== 'All') throw badRequest(`unsupported dry run option: ${v}`);
    return values.length > 0;
  }

  /** The field manager: `?fieldManager=`, else the user agent's program name (fieldmanager.go). */
  private manager(req: IncomingMessage, url: URL): string {
    const given = url.searchParams.get('fieldManager');
    if (given) return given;
    const agent = req.headers['user-agent'] ?? 'unknown';
    return agent.split('/')[0] ?? agent;
  }

  /** Checks the body's apiVersion/kind/namespace against the URL, as the REST handlers do. */
  private checkBody(body: unknown, t: Target): JsonObject {
    if (!isJsonObject(body)) throw badRequest('the body of the request must be an object');
    const expected = groupVersionString(t.group, t.version);
    if (typeof body.kind !== 'string' || body.kind === '')
      throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
    if (body.apiVersion !== expected)
      throw badRequest(
        `the API version in the data (${String(body.apiVersion ?? '')}) does not match the expected API version (${expected})`,
      );
    if (body.kind !== t.resource.kind)
      throw badRequest(
        `the kind in the data (${body.kind}) does not match the expected kind (${t.resource.kind})`,
      );
    const meta = isJsonObject(body.metadata) ? body.metadata : {};
    if (
      t.resource.namespaced &&
      typeof meta.namespace === 'string' &&
      meta.namespace !== '' &&
      t.namespace !== undefined &&
      meta.namespace !== t.namespace
    )
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    return body;
  }

  /**
   * fieldValidation: unknown fields are an error (Strict), pruned with a warning (Warn, the
   * default), or pruned silently (Ignore) - apiserver handlers/fieldmanager + CRD structural pruning.
   */
  private fieldValidation(url: URL, res: ServerResponse, obj: JsonObject, t: Target): JsonObject {
    const mode = url.searchParams.get('fieldValidation') ?? 'Warn';
    if (!['Strict', 'Warn', 'Ignore'].includes(mode))
      throw badRequest(
        `fieldValidation parameter unsupported: ${mode}. Supported values are: "Ignore", "Warn", "Strict"`,
      );
    const resource = resourceFromObject(obj, t.namespace ?? 'default');
    if (!resource) return obj;
    const unknown = this.store
      .validator(resource)
      .filter((d) => d.level === 'Error' && d.message.startsWith('unknown field '))
      .map((d) => d.field ?? '');
    if (unknown.length === 0) return obj;
    if (mode === 'Strict')
      throw badRequest(
        `strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`,
      );
    const pruned = JSON.parse(JSON.stringify(obj)) as JsonObject;
    for (const f of unknown) removeField(pruned, f);
    if (mode === 'Warn') for (const f of unknown) appendWarning(res, `unknown field "${f}"`);
    return pruned;
  }

  private resourceOf(obj: JsonObject, t: Target) {
    const r = resourceFromObject(obj, t.namespace ?? '');
    if (!r) throw methodNotSupported(this.q(t), 'create');
    return r;
  }

  private storeCall<T>(t: Target, name: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof StoreError) throw fromStoreError(err, this.q(t), name);
      if (err instanceof JsonPatchError) throw badRequest(err.message);
      throw err;
    }
  }

  private async create(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    t: Target,
  ): Promise<void> {
    const dryRun = this.dryRun(url);
    let obj = this.checkBody(await this.body(req), t);
    obj = this.fieldValidation(url, res, obj, t);
    const meta = isJsonObject(obj.metadata) ? obj.metadata : (obj.metadata = {});
    // generateName: the prefix plus five random characters (apiserver storage/names generate.go).
    if (
      (typeof meta.name !== 'string' || meta.name === '') &&
      typeof meta.generateName === 'string'
    ) {
      const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
      meta.name =
        meta.generateName + [...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join('');
    }
    const name = typeof meta.name === 'string' ? meta.name : '';
    if (!name)
      throw invalid(t.resource.kind, t.resource.group, '', [
        {
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
          reason: 'FieldValueRequired',
        },
      ]);
    const managedFields = recordUpdate(
      undefined,
      obj,
      this.manager(req, url),
      groupVersionString(t.group, t.version),
      kubeTime(this.clock.now()),
    );
    const created = this.storeCall(t, name, () =>
      this.store.create(this.resourceOf(obj, t), { dryRun, managedFields }),
    );
    sendObject(res, 201, this.present(t, created.raw as Obj));
  }

  /** Writes `next` over the live object (PUT and every patch), recording field ownership. */
  private write(
    req: IncomingMessage,
    url: URL,
    t: Target,
    live: Obj,
    next: JsonObject,
    managedFields?: unknown,
  ): Obj {
    const name = t.name ?? '';
    const nextMeta = isJsonObject(next.metadata) ? next.metadata : (next.metadata = {});
    if (nextMeta.name !== undefined && nextMeta.name !== name)
      throw badRequest(
        `the name of the object (${String(nextMeta.name)}) does not match the name on the URL (${name})`,
      );
    nextMeta.name = name;
    if (this.objects.storeKind(t.resource) === undefined)
      throw methodNotSupported(this.q(t), 'update');
    const mf =
      managedFields ??
      recordUpdate(
        live as JsonObject,
        next,
        this.manager(req, url),
        groupVersionString(t.group, t.version),
        kubeTime(this.clock.now()),
        t.subresource,
      );
    const resource = this.resourceOf(next, t);
    const written = this.storeCall(t, name, () =>
      this.store.update(resource, { dryRun: this.dryRun(url), managedFields: mf as never }),
    );
    return written.raw as Obj;
  }

  private async update(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    t: Target,
  ): Promise<void> {
    const body = await this.body(req);
    const live = this.live(t);
    let next: JsonObject;
    if (t.subresource === 'scale') {
      next = withReplicas(live, body);
    } else {
      next = this.checkBody(body, t);
      next = this.fieldValidation(url, res, next, t);
      const meta = isJsonObject(next.metadata) ? next.metadata : {};
      if (typeof meta.resourceVersion !== 'string' || meta.resourceVersion === '')
        throw invalid(t.resource.kind, t.resource.group, t.name ?? '', [
          {
            field: 'metadata.resourceVersion',
            message: 'Invalid value: 0x0: must be specified for an update',
          },
        ]);
      if (t.subresource === 'status')
        next = { ...(live as JsonObject), status: next.status ?? null, metadata: meta };
    }
    const written = this.write(req, url, t, live, next);
    if (t.subresource === 'scale') return sendObject(res, 200, scaleOf(written, t));
    sendObject(res, 200, this.present(t, written));
  }

  private async patch(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    t: Target,
  ): Promise<void> {
    const type = mediaType(req.headers['content-type']);
    const custom = t.resource.source === 'crd';
    const accepted = custom ? CUSTOM_PATCH_TYPES : Object.values(PATCH_TYPES);
    if (!accepted.includes(type as never)) throw unsupportedMediaType(accepted);
    const patch = await this.body(req);
    const name = t.name ?? '';
    if (type === PATCH_TYPES.apply) return this.apply(req, res, url, t, patch);
    const live = this.live(t);
    const base = (
      t.subresource === 'scale' ? scaleOf(live, t) : this.present(t, live)
    ) as JsonObject;
    let patched: unknown;
    try {
      if (type === PATCH_TYPES.json) patched = applyJsonPatch(base, patch);
      else {
        if (!isJsonObject(patch)) throw badRequest('the patch must be a JSON object');
        patched =
          type === PATCH_TYPES.merge
            ? applyMergePatch(base, patch)
            : applyStrategicMergePatch(base, patch);
      }
    } catch (err) {
      if (err instanceof JsonPatchError)
        throw invalid(
          t.resource.kind,
          t.resource.group,
          name,
          [{ field: '', message: err.message }].map((c) => ({ ...c, field: 'patch' })),
        );
      throw err;
    }
    if (!isJsonObject(patched)) throw badRequest('the patched object is not an object');
    let next: JsonObject = patched;
    if (t.subresource === 'scale') next = withReplicas(live, patched);
    else {
      next = this.fieldValidation(url, res, patched, t);
      // A patch that names no resourceVersion applies to the live object (no precondition).
      const meta = isJsonObject(next.metadata) ? next.metadata : (next.metadata = {});
      const patchMeta = isJsonObject(patch) && isJsonObject(patch.metadata) ? patch.metadata : {};
      if (patchMeta.resourceVersion === undefined)
        meta.resourceVersion = String(metaOf(live).resourceVersion ?? '');
    }
    const written = this.write(req, url, t, live, next);
    if (t.subresource === 'scale') return sendObject(res, 200, scaleOf(written, t));
    sendObject(res, 200, this.present(t, written));
  }

  /** Server-side apply; creates the object when it does not exist (201). */
  private apply(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    t: Target,
    body: unknown,
  ): void {
    const manager = url.searchParams.get('fieldManager');
    if (!manager)
      throw badRequest(
        'PATCH, application/apply-patch+yaml requests must include fieldManager query parameter',
      );
    const applied = this.checkBody(body, t);
    const force = url.searchParams.get('force') === 'true';
    const live = this.objects.get(t.resource, t.namespace ?? '', t.name ?? '');
    const apiVersion = groupVersionString(t.group, t.version);
    const time = kubeTime(this.clock.now());
    const outcome = serverSideApply(
      live ? (this.present(t, live) as JsonObject) : undefined,
      this.fieldValidation(url, res, applied, t),
      manager,
      apiVersion,
      time,
      force,
    );
    if (!outcome.ok) {
      const err = conflict(this.q(t), t.name ?? '', conflictMessage(outcome.conflicts));
      err.status.details = {
        ...err.status.details,
        causes: outcome.conflicts.map((c) => ({
          reason: 'FieldManagerConflict',
          message: `conflict with "${c.manager}" using ${c.apiVersion}`,
          field: c.path.map((s) => `.${s}`).join(''),
        })),
      };
      throw err;
    }
    const next = outcome.object;
    const meta = isJsonObject(next.metadata) ? next.metadata : (next.metadata = {});
    meta.name = t.name ?? '';
    if (!live) {
      const created = this.storeCall(t, t.name ?? '', () =>
        this.store.create(this.resourceOf(next, t), {
          dryRun: this.dryRun(url),
          managedFields: outcome.managedFields,
        }),
      );
      return sendObject(res, 201, this.present(t, created.raw as Obj));
    }
    meta.resourceVersion = String(metaOf(live).resourceVersion ?? '');
    sendObject(
      res,
      200,
      this.present(t, this.write(req, url, t, live, next, outcome.managedFields)),
    );
  }

  private async deleteOptions(
    req: IncomingMessage,
    url: URL,
  ): Promise<{ dryRun: boolean; preconditions?: { uid?: string; resourceVersion?: string } }> {
    const text = await readRequestBody(req, this.maxBodyBytes);
    const body = text.trim() === '' ? {} : decodeBody(text, req.headers['content-type']);
    const opts = isJsonObject(body) ? body : {};
    const policy = url.searchParams.get('propagationPolicy') ?? opts.propagationPolicy;
    if (
      policy !== undefined &&
      policy !== null &&
      !['Orphan', 'Background', 'Foreground'].includes(String(policy))
    )
      throw invalid('DeleteOptions', '', '', [
        {
          field: 'propagationPolicy',
          message: `Unsupported value: "${String(policy)}": supported values: "Foreground", "Background", "Orphan", "nil"`,
          reason: 'FieldValueNotSupported',
        },
      ]);
    const dryRun = this.dryRun(url) || (Array.isArray(opts.dryRun) && opts.dryRun.includes('All'));
    const pre = isJsonObject(opts.preconditions) ? opts.preconditions : undefined;
    return {
      dryRun,
      ...(pre
        ? {
            preconditions: {
              ...(typeof pre.uid === 'string' ? { uid: pre.uid } : {}),
              ...(typeof pre.resourceVersion === 'string'
                ? { resourceVersion: pre.resourceVersion }
                : {}),
            },
          }
        : {}),
    };
  }

  private async delete(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    t: Target,
  ): Promise<void> {
    const options = await this.deleteOptions(req, url);
    const live = this.live(t);
    const kind = this.objects.storeKind(t.resource);
    if (!kind) throw methodNotSupported(this.q(t), 'delete');
    const name = t.name ?? '';
    const gone = this.storeCall(t, name, () =>
      this.store.remove(kind, t.namespace ?? '', name, options),
    );
    // Custom resources answer with the deleted object; built-in kinds with a Success Status.
    if (t.resource.source === 'crd') return sendObject(res, 200, this.present(t, gone.raw as Obj));
    sendObject(res, 200, deletedStatus(this.q(t), name, metaOf(live).uid));
  }

  private async deleteCollection(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    t: Target,
  ): Promise<void> {
    const options = await this.deleteOptions(req, url);
    const kind = this.objects.storeKind(t.resource);
    if (!kind) throw methodNotSupported(this.q(t), 'deletecollection');
    const match = this.matcher(url, t);
    const victims = this.sorted(this.objects.list(t.resource, t.namespace).filter(match));
    if (!options.dryRun && victims.length > 0)
      this.store.deleteMany(
        victims.map((o) => ({
          kind,
          namespace: String(metaOf(o).namespace ?? ''),
          name: String(metaOf(o).name ?? ''),
        })),
      );
    sendObject(res, 200, {
      kind: t.resource.listKind,
      apiVersion: groupVersionString(t.group, t.version),
      metadata: { resourceVersion: String(this.store.revision) },
      items: victims.map((o) => this.present(t, o)),
    });
  }
}

/** autoscaling/v1 Scale of a Deployment (registry/apps/deployment/storage scaleFromDeployment). */
function scaleOf(obj: Obj, t: Target): Obj {
  const m = metaOf(obj);
  const spec = (obj.spec as Obj | undefined) ?? {};
  const status = (obj.status as Obj | undefined) ?? {};
  const sel = ((spec.selector as Obj | undefined)?.matchLabels ?? {}) as Record<string, string>;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: typeof spec.replicas === 'number' ? spec.replicas : 1 },
    status: {
      replicas: Number(status.replicas ?? 0),
      selector: Object.entries(sel)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    },
    ...(t.resource.kind ? {} : {}),
  };
}

/** A Deployment with spec.replicas from a Scale body. */
function withReplicas(live: Obj, scale: unknown): JsonObject {
  const replicas =
    isJsonObject(scale) && isJsonObject(scale.spec) ? scale.spec.replicas : undefined;
  if (typeof replicas !== 'number') throw badRequest('spec.replicas: Required value');
  const { status: _s, ...rest } = live as JsonObject;
  const meta = { ...(rest.metadata as JsonObject) };
  return {
    ...rest,
    metadata: meta,
    spec: { ...((rest.spec as JsonObject | undefined) ?? {}), replicas },
  };
}

function encodeContinue(rv: number, key: string): string {
  // The shape of apiserver storage continueToken: {"v":"meta.k8s.io/v1","rv":N,"start":"key"}.
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: key })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; key: string } {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v?: string;
      rv?: number;
      start?: string;
    };
    if (t.v === 'meta.k8s.io/v1' && typeof t.rv === 'number' && typeof t.start === 'string')
      return { rv: t.rv, key: t.start };
  } catch {
    // fall through
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

/** Removes a dotted field path (`spec.http[0].foo`). */
function removeField(obj: JsonObject, dotted: string): void {
  const path = dotted.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '');
  let cur: unknown = obj;
  for (const p of path.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return;
    cur = (cur as Record<string, unknown>)[p];
  }
  if (cur !== null && typeof cur === 'object')
    delete (cur as Record<string, unknown>)[path[path.length - 1]!];
}

/** A `Warning: 299 - "..."` header as the API server sends warnings (RFC 7234 warn-code 299). */
function appendWarning(res: ServerResponse, text: string): void {
  const prev = res.getHeader('warning');
  const value = `299 - ${JSON.stringify(text)}`;
  res.setHeader(
    'warning',
    prev ? [...(Array.isArray(prev) ? prev : [String(prev)]), value] : value,
  );
}

export function sendObject(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-cache, private',
  });
  res.end(text);
}

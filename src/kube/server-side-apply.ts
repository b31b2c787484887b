// Field ownership as the API server keeps it in metadata.managedFields (sigs.k8s.io/structured-merge-diff
// via k8s.io/apiserver pkg/endpoints/handlers/fieldmanager): every write records which manager set which
// fields; server-side apply (application/apply-patch+yaml) merges a manager's applied configuration,
// removes fields it applied before and no longer does, and refuses to take fields another manager owns
// with a different value unless forced (409 Conflict, merge/conflict.go wording).
import {
  isJsonObject,
  jsonClone,
  jsonEqual,
  type JsonObject,
  type JsonValue,
} from '../config/json-value.js';

type Path = readonly string[];

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

/** Metadata the server owns: never part of anyone's field set. */
const SERVER_OWNED = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'deletionTimestamp',
  'selfLink',
]);

/** Leaf field paths of an object, lists atomic (`f:` segments as fieldsV1 spells them). */
export function leafPaths(obj: JsonObject, includeStatus = false): Path[] {
  const out: Path[] = [];
  const walk = (value: JsonValue, path: string[], depth: number) => {
    if (isJsonObject(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) {
        if (depth === 0 && (k === 'apiVersion' || k === 'kind')) continue;
        if (depth === 0 && k === 'status' && !includeStatus) continue;
        if (depth === 1 && path[0] === 'metadata' && SERVER_OWNED.has(k)) continue;
        walk(v, [...path, k], depth + 1);
      }
      return;
    }
    if (path.length > 0) out.push(path);
  };
  walk(obj, [], 0);
  return out;
}

const keyOf = (p: Path): string => JSON.stringify(p);

function valueAt(obj: JsonValue | undefined, path: Path): JsonValue | undefined {
  let cur: JsonValue | undefined = obj;
  for (const k of path) {
    if (!isJsonObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** fieldsV1 from paths: `{"f:spec":{".":{},"f:hosts":{}}}`. */
export function toFieldsV1(paths: readonly Path[]): JsonObject {
  const root: JsonObject = {};
  for (const p of paths) {
    let node = root;
    p.forEach((seg, i) => {
      const key = `f:${seg}`;
      if (!isJsonObject(node[key])) node[key] = i < p.length - 1 && i > 0 ? { '.': {} } : {};
      node = node[key] as JsonObject;
    });
  }
  return root;
}

/** Paths back from fieldsV1 (leaves are the entries without `f:` children). */
export function fromFieldsV1(fields: JsonValue | undefined): Path[] {
  const out: Path[] = [];
  const walk = (node: JsonValue | undefined, path: string[]) => {
    if (!isJsonObject(node)) return;
    const children = Object.keys(node).filter((k) => k.startsWith('f:'));
    if (children.length === 0 && path.length > 0) out.push(path);
    for (const k of children) walk(node[k], [...path, k.slice(2)]);
  };
  walk(fields, []);
  return out;
}

export function entriesOf(obj: JsonObject | undefined): ManagedFieldsEntry[] {
  const meta = obj && isJsonObject(obj.metadata) ? obj.metadata : undefined;
  const list = meta && Array.isArray(meta.managedFields) ? meta.managedFields : [];
  return list.filter(isJsonObject) as unknown as ManagedFieldsEntry[];
}

function entry(
  manager: string,
  operation: 'Apply' | 'Update',
  apiVersion: string,
  time: string,
  paths: readonly Path[],
  subresource?: string,
): ManagedFieldsEntry {
  return {
    manager,
    operation,
    apiVersion,
    time,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(paths),
    ...(subresource ? { subresource } : {}),
  };
}

const overlaps = (a: Path, b: Path): boolean => {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** A path as structured-merge-diff prints it: `.spec.hosts`. */
export const formatPath = (p: Path): string => p.map((s) => `.${s}`).join('');

/**
 * managedFields after an Update-operation write (create, PUT, json/merge/strategic patch): the
 * manager takes every field it changed; other managers lose them.
 */
export function recordUpdate(
  live: JsonObject | undefined,
  next: JsonObject,
  manager: string,
  apiVersion: string,
  time: string,
  subresource?: string,
): JsonValue {
  const nextPaths = leafPaths(next, subresource === 'status');
  const livePaths = live ? leafPaths(live, subresource === 'status') : [];
  const liveKeys = new Set(livePaths.map(keyOf));
  const nextKeys = new Set(nextPaths.map(keyOf));
  const changed = nextPaths.filter(
    (p) => !liveKeys.has(keyOf(p)) || !jsonEqual(valueAt(live, p), valueAt(next, p)),
  );
  const removed = livePaths.filter((p) => !nextKeys.has(keyOf(p)));
  // A write that changes no field leaves ownership (and its timestamps) as it was.
  if (live && changed.length === 0 && removed.length === 0)
    return (isJsonObject(live.metadata) ? live.metadata.managedFields : undefined) ?? [];
  const touched = new Set([...changed, ...removed].map(keyOf));
  const out: ManagedFieldsEntry[] = [];
  let mine: Path[] = [];
  for (const e of entriesOf(live)) {
    const paths = fromFieldsV1(e.fieldsV1).filter(
      (p) => !touched.has(keyOf(p)) && nextKeys.has(keyOf(p)),
    );
    if (
      e.manager === manager &&
      e.operation === 'Update' &&
      (e.subresource ?? '') === (subresource ?? '')
    ) {
      mine = paths;
      continue;
    }
    if (paths.length > 0) out.push({ ...e, fieldsV1: toFieldsV1(paths) });
  }
  const minePaths = [...mine, ...changed];
  if (minePaths.length > 0)
    out.push(entry(manager, 'Update', apiVersion, time, minePaths, subresource));
  return out as unknown as JsonValue;
}

export interface ApplyConflict {
  manager: string;
  apiVersion: string;
  path: Path;
}

/** The Conflict message (k8s.io/apiserver fieldmanager/internal/conflict.go + merge/conflict.go). */
export function conflictMessage(conflicts: readonly ApplyConflict[]): string {
  const n = conflicts.length;
  const who = (c: ApplyConflict) => `"${c.manager}" using ${c.apiVersion}`;
  if (n === 1) {
    const c = conflicts[0]!;
    return `Apply failed with 1 conflict: conflict with ${who(c)}: ${formatPath(c.path)}`;
  }
  const byManager = new Map<string, ApplyConflict[]>();
  for (const c of conflicts) byManager.set(who(c), [...(byManager.get(who(c)) ?? []), c]);
  const lines: string[] = [];
  for (const [m, cs] of [...byManager].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`conflicts with ${m}:`);
    for (const c of cs) lines.push(`- ${formatPath(c.path)}`);
  }
  return `Apply failed with ${n} conflicts: ${lines.join('\n')}`;
}

export type ApplyOutcome =
  | { ok: true; object: JsonObject; managedFields: JsonValue }
  | { ok: false; conflicts: ApplyConflict[] };

/** Server-side apply of `applied` by `manager` onto `live` (undefined: the object is created). */
export function serverSideApply(
  live: JsonObject | undefined,
  applied: JsonObject,
  manager: string,
  apiVersion: string,
  time: string,
  force: boolean,
): ApplyOutcome {
  const appliedPaths = leafPaths(applied);
  const appliedKeys = new Set(appliedPaths.map(keyOf));
  const entries = entriesOf(live);
  const conflicts: ApplyConflict[] = [];
  for (const e of entries) {
    if (e.manager === manager && e.operation === 'Apply') continue;
    for (const owned of fromFieldsV1(e.fieldsV1))
      for (const p of appliedPaths)
        if (overlaps(owned, p) && !jsonEqual(valueAt(live, p), valueAt(applied, p)))
          conflicts.push({
            manager: e.manager,
            apiVersion: e.apiVersion,
            path: p.length >= owned.length ? p : owned,
          });
  }
  const unique = [...new Map(conflicts.map((c) => [`${c.manager}${keyOf(c.path)}`, c])).values()];
  if (unique.length > 0 && !force) return { ok: false, conflicts: unique };

  const result: JsonObject = live ? jsonClone(live) : {};
  const previous = entries.find((e) => e.manager === manager && e.operation === 'Apply');
  const othersOwn = (p: Path) =>
    entries.some(
      (e) => e !== previous && fromFieldsV1(e.fieldsV1).some((o) => keyOf(o) === keyOf(p)),
    );
  // Fields this manager applied before and no longer applies are removed, unless someone else owns them.
  for (const p of previous ? fromFieldsV1(previous.fieldsV1) : [])
    if (!appliedKeys.has(keyOf(p)) && !othersOwn(p)) removeAt(result, p);
  mergeInto(result, applied);

  const out: ManagedFieldsEntry[] = [];
  for (const e of entries) {
    if (e === previous) continue;
    const paths = fromFieldsV1(e.fieldsV1).filter(
      (o) => !(force && unique.some((c) => c.manager === e.manager && overlaps(o, c.path))),
    );
    if (paths.length > 0) out.push({ ...e, fieldsV1: toFieldsV1(paths) });
  }
  out.push(entry(manager, 'Apply', apiVersion, time, appliedPaths));
  return { ok: true, object: result, managedFields: out as unknown as JsonValue };
}

/** Maps merge, everything else (lists included: atomic) replaces. */
function mergeInto(target: JsonObject, patch: JsonObject): void {
  for (const [k, v] of Object.entries(patch)) {
    const cur = target[k];
    if (isJsonObject(v) && isJsonObject(cur)) mergeInto(cur, v);
    else target[k] = jsonClone(v);
  }
}

function removeAt(obj: JsonObject, path: Path): void {
  const parents: JsonObject[] = [];
  let cur: JsonValue | undefined = obj;
  for (const k of path.slice(0, -1)) {
    if (!isJsonObject(cur)) return;
    parents.push(cur);
    cur = cur[k];
  }
  if (!isJsonObject(cur)) return;
  delete cur[path[path.length - 1]!];
  // Maps left empty by the removal go too.
  for (let i = parents.length - 1; i >= 0; i--) {
    const key = path[i]!;
    const child = parents[i]![key];
    if (isJsonObject(child) && Object.keys(child).length === 0) delete parents[i]![key];
    else break;
  }
}

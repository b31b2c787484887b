// Strategic merge patch for the Kubernetes kinds (k8s.io/apimachinery pkg/util/strategicpatch):
// a merge patch in which lists with a patch merge key (containers by name, ports by containerPort,
// ...) merge item by item, and `$patch: delete|replace` and `$retainKeys` directives apply.
import { isJsonObject, jsonClone, type JsonObject, type JsonValue } from '../config/json-value.js';

/**
 * Merge keys of the lists that have one, by field name (k8s.io/api core/v1 types.go
 * `patchMergeKey` tags). A field name is enough for the kinds Switchyard serves.
 */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  ports: 'containerPort',
  conditions: 'type',
  hostAliases: 'ip',
  tolerations: 'key',
  topologySpreadConstraints: 'topologyKey',
  ownerReferences: 'uid',
};

/** Service ports merge by `port` (core/v1 ServicePort `patchMergeKey:"port"`); container ports by containerPort. */
function mergeKeyFor(field: string, path: readonly string[]): string | undefined {
  if (field === 'ports' && path[path.length - 1] === 'spec' && path.length === 1) return 'port';
  return MERGE_KEYS[field];
}

/** Fields whose lists are primitive sets merged by value (`patchStrategy:"merge"` on []string). */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

export function applyStrategicMergePatch(original: JsonObject, patch: JsonObject): JsonObject {
  return mergeObject(jsonClone(original), patch, []);
}

function mergeObject(target: JsonObject, patch: JsonObject, path: readonly string[]): JsonObject {
  if (patch.$patch === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return jsonClone(rest);
  }
  if (patch.$patch === 'delete') return {};
  const retain = Array.isArray(patch.$retainKeys) ? patch.$retainKeys.map(String) : undefined;
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    if (key.startsWith('$setElementOrder/')) continue;
    if (value === null) {
      delete target[key];
      continue;
    }
    const current = target[key];
    if (isJsonObject(value)) {
      target[key] = mergeObject(isJsonObject(current) ? current : {}, value, [...path, key]);
    } else if (Array.isArray(value)) {
      target[key] = mergeList(Array.isArray(current) ? current : undefined, value, key, path);
    } else {
      target[key] = value;
    }
  }
  if (retain) for (const key of Object.keys(target)) if (!retain.includes(key)) delete target[key];
  return target;
}

function mergeList(
  current: JsonValue[] | undefined,
  patch: JsonValue[],
  field: string,
  path: readonly string[],
): JsonValue[] {
  const key = mergeKeyFor(field, path);
  if (key && patch.every(isJsonObject)) {
    const out = (current ?? []).map((v) => jsonClone(v));
    for (const item of patch as JsonObject[]) {
      const id = item[key];
      const at = out.findIndex((v) => isJsonObject(v) && v[key] === id);
      if (item.$patch === 'delete') {
        if (at >= 0) out.splice(at, 1);
        continue;
      }
      if (at >= 0) out[at] = mergeObject(out[at] as JsonObject, item, [...path, field]);
      else out.push(mergeObject({}, item, [...path, field]));
    }
    return out;
  }
  if (MERGED_PRIMITIVE_LISTS.has(field)) {
    const out = [...(current ?? [])];
    for (const v of patch) if (!out.includes(v)) out.push(v);
    return out;
  }
  return jsonClone(patch);
}

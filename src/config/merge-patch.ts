// JSON Merge Patch (RFC 7386): what `kubectl patch --type merge` sends for custom resources.
import {
  isJsonObject,
  jsonClone,
  jsonEqual,
  ownValue,
  setKey,
  type JsonObject,
  type JsonValue,
} from './json-value.js';

/** Applies a merge patch to a target (RFC 7386 section 2, MergePatch). The target is not modified. */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return jsonClone(patch);
  const out: JsonObject = isJsonObject(target) ? jsonClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else setKey(out, key, applyMergePatch(ownValue(out, key), value));
  }
  return out;
}

/**
 * The merge patch that turns `from` into `to` (evanphx/json-patch CreateMergePatch, used by
 * k8s.io/apimachinery jsonmergepatch): removed keys become null, lists are replaced whole.
 */
export function createMergePatch(from: JsonObject, to: JsonObject): JsonObject {
  const patch: JsonObject = {};
  const has = (o: JsonObject, k: string) => Object.prototype.hasOwnProperty.call(o, k);
  for (const key of Object.keys(from)) if (!has(to, key)) setKey(patch, key, null);
  for (const [key, value] of Object.entries(to)) {
    const old = ownValue(from, key);
    if (isJsonObject(old) && isJsonObject(value)) {
      const sub = createMergePatch(old, value);
      if (Object.keys(sub).length > 0) setKey(patch, key, sub);
    } else if (!has(from, key) || !jsonEqual(old, value)) {
      setKey(patch, key, jsonClone(value));
    }
  }
  return patch;
}

// kubectl's client-side apply: a three-way JSON merge of last-applied, live and new configuration.
// k8s.io/apimachinery pkg/util/jsonmergepatch CreateThreeWayJSONMergePatch (used for custom
// resources, which have no strategic-merge metadata): deletions come from last-applied -> new,
// additions and changes from live -> new, so fields set by others (status, server metadata) survive.
import { applyMergePatch, createMergePatch } from './merge-patch.js';
import { isJsonObject, ownValue, setKey, type JsonObject } from './json-value.js';

/** The patch kubectl sends: deletions (nulls) of last-applied -> new, merged with live -> new minus nulls. */
export function threeWayMergePatch(
  lastApplied: JsonObject | undefined,
  modified: JsonObject,
  live: JsonObject,
): JsonObject {
  const additions = keepNulls(createMergePatch(live, modified), false);
  const deletions = lastApplied ? keepNulls(createMergePatch(lastApplied, modified), true) : {};
  return applyMergePatchKeepingNulls(deletions, additions);
}

/** Applies kubectl's three-way patch to the live object and returns the result. */
export function threeWayMerge(
  lastApplied: JsonObject | undefined,
  modified: JsonObject,
  live: JsonObject,
): JsonObject {
  return applyMergePatch(live, threeWayMergePatch(lastApplied, modified, live)) as JsonObject;
}

/** keepOrDeleteNullInObj: keep only the null leaves (deletions) or drop them (additions/changes). */
function keepNulls(patch: JsonObject, keep: boolean): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      if (keep) setKey(out, k, null);
    } else if (isJsonObject(v)) {
      const sub = keepNulls(v, keep);
      if (Object.keys(sub).length > 0) setKey(out, k, sub);
      // An empty object that is itself a change (e.g. `{}` set where there was nothing) is kept.
      else if (!keep && Object.keys(v).length === 0) setKey(out, k, v);
    } else if (!keep) {
      setKey(out, k, v);
    }
  }
  return out;
}

/** Merges two patches into one patch: like RFC 7386 but a null in the overlay stays a null. */
function applyMergePatchKeepingNulls(base: JsonObject, overlay: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(overlay)) {
    const cur = ownValue(out, k);
    setKey(out, k, isJsonObject(cur) && isJsonObject(v) ? applyMergePatchKeepingNulls(cur, v) : v);
  }
  return out;
}

// JSON Patch (RFC 6902) with JSON Pointer (RFC 6901): what `kubectl patch --type json` sends.
import { isJsonObject, jsonClone, jsonEqual, setKey, type JsonValue } from './json-value.js';

export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: JsonValue }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/** A patch that cannot be applied; the message says which operation and why. */
export class JsonPatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPatchError';
  }
}

/** Splits a JSON Pointer into reference tokens, unescaping `~1` to `/` and `~0` to `~` (RFC 6901 section 4). */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw new JsonPatchError(
      `invalid JSON pointer ${JSON.stringify(pointer)}: must start with "/"`,
    );
  return pointer
    .slice(1)
    .split('/')
    .map((t) => {
      if (/~[^01]|~$/.test(t))
        throw new JsonPatchError(`invalid JSON pointer ${JSON.stringify(pointer)}: bad escape`);
      return t.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

/** Checks the shape of a patch document (an array of operation objects) and returns it typed. */
export function parseJsonPatch(value: unknown): JsonPatchOperation[] {
  if (!Array.isArray(value))
    throw new JsonPatchError('a JSON patch must be an array of operations');
  return value.map((op, i) => {
    if (!isJsonObject(op)) throw new JsonPatchError(`operation ${i} is not an object`);
    const name = op.op;
    if (typeof op.path !== 'string')
      throw new JsonPatchError(`operation ${i}: "path" is missing or not a string`);
    switch (name) {
      case 'add':
      case 'replace':
      case 'test':
        if (!('value' in op))
          throw new JsonPatchError(`operation ${i} (${name}): "value" is missing`);
        return { op: name, path: op.path, value: op.value as JsonValue };
      case 'remove':
        return { op: name, path: op.path };
      case 'move':
      case 'copy':
        if (typeof op.from !== 'string')
          throw new JsonPatchError(`operation ${i} (${name}): "from" is missing`);
        return { op: name, from: op.from, path: op.path };
      default:
        throw new JsonPatchError(`operation ${i}: unknown op ${JSON.stringify(name)}`);
    }
  });
}

/** Applies operations in order to a copy of the document; any failure fails the whole patch (RFC 6902 section 5). */
export function applyJsonPatch(document: JsonValue, patch: unknown): JsonValue {
  const ops = parseJsonPatch(patch);
  let doc = jsonClone(document);
  for (const op of ops) doc = applyOperation(doc, op);
  return doc;
}

function applyOperation(doc: JsonValue, op: JsonPatchOperation): JsonValue {
  switch (op.op) {
    case 'add':
      return add(doc, op.path, jsonClone(op.value));
    case 'remove':
      return remove(doc, op.path).doc;
    case 'replace': {
      get(doc, op.path, 'replace');
      return add(remove(doc, op.path).doc, op.path, jsonClone(op.value));
    }
    case 'move': {
      if (op.path !== op.from && op.path.startsWith(op.from + '/'))
        throw new JsonPatchError(`move: "from" ${op.from} is a prefix of "path" ${op.path}`);
      const removed = remove(doc, op.from);
      return add(removed.doc, op.path, removed.value);
    }
    case 'copy':
      return add(doc, op.path, jsonClone(get(doc, op.from, 'copy')));
    case 'test':
      if (!jsonEqual(get(doc, op.path, 'test'), op.value))
        throw new JsonPatchError(
          `test operation failed: value at ${op.path} is not the expected value`,
        );
      return doc;
  }
}

function get(doc: JsonValue, pointer: string, opName: string): JsonValue {
  let cur: JsonValue = doc;
  for (const token of parseJsonPointer(pointer)) {
    if (Array.isArray(cur)) {
      const i = arrayIndex(token, cur.length - 1, pointer, opName);
      cur = cur[i] as JsonValue;
    } else if (isJsonObject(cur) && Object.prototype.hasOwnProperty.call(cur, token)) {
      cur = cur[token] as JsonValue;
    } else {
      throw new JsonPatchError(`${opName}: path ${pointer} does not exist`);
    }
  }
  return cur;
}

/** The container that holds the last token of a pointer. */
function parentOf(
  doc: JsonValue,
  pointer: string,
  opName: string,
): { parent: JsonValue; key: string } {
  const tokens = parseJsonPointer(pointer);
  const key = tokens.pop();
  if (key === undefined) throw new JsonPatchError(`${opName}: path must not be the document root`);
  const parentPointer = tokens
    .map((t) => '/' + t.replace(/~/g, '~0').replace(/\//g, '~1'))
    .join('');
  return { parent: get(doc, parentPointer, opName), key };
}

function add(doc: JsonValue, pointer: string, value: JsonValue): JsonValue {
  if (pointer === '') return value;
  const { parent, key } = parentOf(doc, pointer, 'add');
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : arrayIndex(key, parent.length, pointer, 'add');
    parent.splice(i, 0, value);
  } else if (isJsonObject(parent)) {
    setKey(parent, key, value);
  } else {
    throw new JsonPatchError(`add: the parent of ${pointer} is not an object or array`);
  }
  return doc;
}

function remove(doc: JsonValue, pointer: string): { doc: JsonValue; value: JsonValue } {
  if (pointer === '') return { doc: null, value: doc };
  const { parent, key } = parentOf(doc, pointer, 'remove');
  if (Array.isArray(parent)) {
    const i = arrayIndex(key, parent.length - 1, pointer, 'remove');
    const [value] = parent.splice(i, 1);
    return { doc, value: value as JsonValue };
  }
  if (isJsonObject(parent) && Object.prototype.hasOwnProperty.call(parent, key)) {
    const value = parent[key] as JsonValue;
    delete parent[key];
    return { doc, value };
  }
  throw new JsonPatchError(`remove: path ${pointer} does not exist`);
}

/** An array index token: digits without leading zeros, at most `max` (RFC 6901 section 4). */
function arrayIndex(token: string, max: number, pointer: string, opName: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token))
    throw new JsonPatchError(
      `${opName}: ${JSON.stringify(token)} in ${pointer} is not an array index`,
    );
  const i = Number(token);
  if (i > max) throw new JsonPatchError(`${opName}: index ${i} in ${pointer} is out of bounds`);
  return i;
}

// A small structural-schema walker: what the Kubernetes API server checks against Istio's CRD
// OpenAPI schema before the webhook runs (types, enums, required, proto oneofs, and unknown fields
// rejected as kubectl's strict field validation does).
import type { FieldPath } from '../types.js';

export interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: SchemaNode;
  items?: SchemaNode;
  enum?: string[];
  /** With type integer: int32 (a Kubernetes core field) refuses values outside its range. */
  format?: 'int32';
  /** Proto oneof: at most one group set (exactly one when allowNone is false). */
  oneOfRequired?: { groups: string[][]; allowNone: boolean }[];
  $ref?: string;
  $defs?: Record<string, SchemaNode>;
}

export interface SchemaProblem {
  path: FieldPath;
  message: string;
  hint: string;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

const INT32_MAX = 2 ** 31 - 1;

/** A number that decodes into Go's int32/int64: whole and in range (encoding/json refuses others). */
function isInteger(value: unknown, format: SchemaNode['format']): boolean {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) return false;
  return format !== 'int32' || Math.abs(value) <= INT32_MAX;
}

/** Checks `value` against `schema`; `defs` resolves `$ref`s. Problems carry the offending field's path. */
export function walkSchema(
  value: unknown,
  schema: SchemaNode,
  defs: Record<string, SchemaNode>,
  path: (string | number)[] = [],
  out: SchemaProblem[] = [],
): SchemaProblem[] {
  const s = schema.$ref ? (defs[schema.$ref] ?? {}) : schema;
  // Kubernetes treats an explicit null like an absent field (nullable fields are pruned).
  if (value === null || value === undefined) return out;
  const actual = typeOf(value);
  const want = s.type;
  if (want !== undefined) {
    const wants = Array.isArray(want) ? want : [want];
    const integer = wants.includes('integer') && isInteger(value, s.format);
    if (!wants.includes(actual) && !integer) {
      out.push({
        path,
        message: `Invalid value: "${actual}": ${formatPath(path)} in body must be of type ${wants.join(' or ')}`,
        hint: hintForType(wants[0] ?? 'string'),
      });
      return out;
    }
  }
  if (s.enum && typeof value === 'string' && !s.enum.includes(value)) {
    out.push({
      path,
      message: `Unsupported value: "${value}": supported values: ${s.enum.map((e) => `"${e}"`).join(', ')}`,
      hint: `use one of ${s.enum.join(', ')}`,
    });
  }
  if (actual === 'array' && s.items) {
    (value as unknown[]).forEach((item, i) => walkSchema(item, s.items!, defs, [...path, i], out));
  }
  if (actual === 'object') {
    const obj = value as Record<string, unknown>;
    for (const req of s.required ?? []) {
      if (obj[req] === undefined || obj[req] === null)
        out.push({
          path: [...path, req],
          message: `Required value: ${formatPath([...path, req])} is required`,
          hint: `add the field \`${req}\``,
        });
    }
    for (const [key, v] of Object.entries(obj)) {
      const prop = s.properties?.[key];
      if (prop) walkSchema(v, prop, defs, [...path, key], out);
      else if (s.additionalProperties)
        walkSchema(v, s.additionalProperties, defs, [...path, key], out);
      else if (s.properties || s.type === 'object') {
        const known = Object.keys(s.properties ?? {});
        const near = closest(key, known);
        out.push({
          path: [...path, key],
          message: `unknown field "${formatPath([...path, key])}"`,
          hint: near
            ? `did you mean \`${near}\`? (known fields: ${known.join(', ')})`
            : `remove it; known fields here: ${known.join(', ') || '(none)'}`,
        });
      }
    }
    for (const one of s.oneOfRequired ?? []) {
      const set = one.groups.filter((g) => g.every((k) => obj[k] !== undefined && obj[k] !== null));
      if (set.length > 1) {
        const names = set.map((g) => g.join('+'));
        out.push({
          path: [...path, set[1]![0]!],
          message: `only one of ${one.groups.map((g) => g.join('+')).join(', ')} may be set, found ${names.join(' and ')}`,
          hint: `keep one of ${names.join(' or ')} (they are a oneof)`,
        });
      } else if (set.length === 0 && !one.allowNone) {
        out.push({
          path,
          message: `one of ${one.groups.map((g) => g.join('+')).join(', ')} must be set`,
          hint: `set exactly one of ${one.groups.map((g) => g.join('+')).join(', ')}`,
        });
      }
    }
  }
  return out;
}

function hintForType(t: string): string {
  switch (t) {
    case 'string':
      return 'write a string (quote it, e.g. "10s")';
    case 'number':
      return 'write a number without quotes';
    case 'integer':
      return 'write a whole number without quotes';
    case 'boolean':
      return 'write true or false';
    case 'array':
      return 'write a YAML list (- item)';
    case 'object':
      return 'write a YAML mapping (key: value)';
    default:
      return `write a ${t}`;
  }
}

function formatPath(path: FieldPath): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out;
}

/** The known name closest to a misspelt one (edit distance <= 2, or same letters case-insensitively). */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

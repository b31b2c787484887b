// A checker for the protoc-gen-validate rules the Envoy protos carry (bufbuild/protoc-gen-validate
// validate/validate.proto), for the rule kinds Envoy's API uses most: required messages and oneofs,
// string lengths, defined enums, numeric and duration bounds, repeated/map sizes. Nested Any values
// are decoded with their type URL and checked too. Unknown rule kinds are not checked.
import type protobuf from 'protobufjs';
import { typeOfUrl, type EncodedAny } from './protos.js';

type Plain = Record<string, unknown>;

const RAW: protobuf.IConversionOptions = {
  longs: Number,
  enums: Number,
  defaults: false,
  oneofs: false,
};

/** Validation errors of one encoded resource ([] = valid), each `path: rule`. */
export function validateAny(any: EncodedAny): string[] {
  const type = typeOfUrl(any.type_url);
  if (!type) return [`unknown type ${any.type_url}`];
  const errors: string[] = [];
  check(type, type.toObject(type.decode(any.value), RAW), type.name, errors);
  return errors;
}

function durationNanos(d: unknown): number {
  const o = (d ?? {}) as { seconds?: number; nanos?: number };
  return Number(o.seconds ?? 0) * 1e9 + Number(o.nanos ?? 0);
}

function bounds(
  value: number,
  rules: Record<string, unknown>,
  path: string,
  errors: string[],
  conv: (v: unknown) => number = Number,
): void {
  const gt = rules.gt;
  const gte = rules.gte;
  const lt = rules.lt;
  const lte = rules.lte;
  if (gt !== undefined && !(value > conv(gt)))
    errors.push(`${path}: value must be greater than ${String(conv(gt))}`);
  if (gte !== undefined && !(value >= conv(gte)))
    errors.push(`${path}: value must be greater than or equal to ${String(conv(gte))}`);
  if (lt !== undefined && !(value < conv(lt)))
    errors.push(`${path}: value must be less than ${String(conv(lt))}`);
  if (lte !== undefined && !(value <= conv(lte)))
    errors.push(`${path}: value must be less than or equal to ${String(conv(lte))}`);
}

function setPath(target: Record<string, unknown>, keys: readonly string[], value: unknown): void {
  let at = target;
  for (const [i, k] of keys.entries()) {
    if (i === keys.length - 1) {
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        const into = (at[k] ??= {}) as Record<string, unknown>;
        for (const [sk, sv] of Object.entries(value)) setPath(into, [sk], sv);
      } else at[k] = value;
    } else at = (at[k] ??= {}) as Record<string, unknown>;
  }
}

/**
 * A field's `(validate.rules)` as one nested object {kind: {rule: value}}: protobufjs keeps simple
 * options flat (`(validate.rules).uint32.lte`) and aggregate ones (`{duration: {gt: {}}}`) parsed.
 */
function rulesOf(field: protobuf.Field): Record<string, Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const entries: [string, unknown][] = Object.entries(field.options ?? {});
  for (const p of (field.parsedOptions ?? []) as Record<string, unknown>[])
    entries.push(...Object.entries(p));
  for (const [key, value] of entries) {
    if (!key.startsWith('(validate.rules)')) continue;
    const rest = key.slice('(validate.rules)'.length).split('.').filter(Boolean);
    if (rest.length === 0) setPath({ root: out }, ['root'], value);
    else setPath(out, rest, value);
  }
  return out as Record<string, Record<string, unknown>>;
}

const WRAPPERS = new Set([
  'google.protobuf.UInt32Value',
  'google.protobuf.Int32Value',
  'google.protobuf.UInt64Value',
  'google.protobuf.Int64Value',
  'google.protobuf.DoubleValue',
  'google.protobuf.FloatValue',
  'google.protobuf.BoolValue',
  'google.protobuf.StringValue',
]);

function check(type: protobuf.Type, obj: Plain, path: string, errors: string[]): void {
  for (const oneof of type.oneofsArray) {
    if (oneof.options?.['(validate.required)'] && !oneof.oneof.some((f) => obj[f] !== undefined))
      errors.push(`${path}: exactly one of ${oneof.name} (${oneof.oneof.join(', ')}) is required`);
  }
  for (const field of type.fieldsArray) {
    const fpath = `${path}.${field.name}`;
    const value = obj[field.name];
    // A oneof member's rules apply only when it is the member set (protoc-gen-validate semantics).
    if (field.partOf && value === undefined) continue;
    const rules = rulesOf(field);
    const resolved = field.resolvedType;
    const fullName = resolved ? resolved.fullName.replace(/^\./, '') : '';
    if (rules.message?.required && value === undefined && !field.partOf)
      errors.push(`${fpath}: value is required`);
    if (field.repeated) {
      const items = (value as unknown[] | undefined) ?? [];
      const min = rules.repeated?.min_items;
      if (min !== undefined && items.length < Number(min))
        errors.push(`${fpath}: value must contain at least ${String(min)} item(s)`);
    }
    if (field.map) {
      const n = Object.keys((value as Plain | undefined) ?? {}).length;
      const min = rules.map?.min_pairs;
      if (min !== undefined && n < Number(min))
        errors.push(`${fpath}: value must contain at least ${String(min)} pair(s)`);
    }
    const items: unknown[] = field.repeated
      ? ((value as unknown[] | undefined) ?? [])
      : field.map
        ? Object.values((value as Plain | undefined) ?? {})
        : [value];
    for (const [i, item] of items.entries()) {
      const ipath = field.repeated || field.map ? `${fpath}[${i}]` : fpath;
      checkValue(field, fullName, resolved, rules, item, ipath, errors);
    }
  }
}

function checkValue(
  field: protobuf.Field,
  fullName: string,
  resolved: protobuf.Type | protobuf.Enum | null,
  rules: Record<string, Record<string, unknown>>,
  item: unknown,
  path: string,
  errors: string[],
): void {
  // Rules on repeated elements sit under repeated.items; the common Envoy case is string min_len.
  if (rules.string && !(field.repeated || field.map)) {
    const s = typeof item === 'string' ? item : '';
    const min = rules.string.min_len ?? rules.string.min_bytes;
    if (min !== undefined && s.length < Number(min))
      errors.push(`${path}: value length must be at least ${String(min)} characters`);
    const max = rules.string.max_len ?? rules.string.max_bytes;
    if (max !== undefined && s.length > Number(max))
      errors.push(`${path}: value length must be at most ${String(max)} characters`);
  }
  if (resolved && 'values' in resolved && !('fields' in resolved)) {
    const e = resolved as protobuf.Enum;
    if (
      rules.enum?.defined_only &&
      item !== undefined &&
      !Object.values(e.values).includes(Number(item))
    )
      errors.push(`${path}: value must be one of the defined enum values`);
    return;
  }
  for (const kind of ['uint32', 'int32', 'uint64', 'int64', 'double', 'float']) {
    const r = rules[kind];
    if (!r) continue;
    if (WRAPPERS.has(fullName)) {
      if (item === undefined) continue;
      bounds(Number((item as Plain).value ?? 0), r, path, errors);
    } else if (!field.repeated && !field.map) bounds(Number(item ?? 0), r, path, errors);
  }
  if (!resolved || item === undefined || item === null) return;
  const type = resolved as protobuf.Type;
  const plain = item as Plain;
  if (fullName === 'google.protobuf.Duration') {
    const r = rules.duration;
    if (r) bounds(durationNanos(plain), r, path, errors, durationNanos);
    return;
  }
  if (fullName === 'google.protobuf.Any') {
    const any = plain as unknown as EncodedAny;
    if (!any.type_url) return;
    const inner = typeOfUrl(any.type_url);
    if (!inner) {
      errors.push(`${path}: unknown type ${any.type_url}`);
      return;
    }
    check(inner, inner.toObject(inner.decode(any.value), RAW), `${path}<${inner.name}>`, errors);
    return;
  }
  if (fullName.startsWith('google.protobuf.')) return;
  check(type, plain, path, errors);
}

/**
 * Keys of a plain resource object that its message type does not have (protobufjs's fromObject drops
 * them silently, so a misspelt field would vanish from the encoding): `path.key` for each.
 */
export function unknownFields(resource: Record<string, unknown>): string[] {
  const url = resource['@type'];
  const type = typeof url === 'string' ? typeOfUrl(url) : undefined;
  if (!type) return [`unknown type ${String(url)}`];
  const out: string[] = [];
  walkKnown(type, resource, type.name, out);
  return out;
}

function walkKnown(
  type: protobuf.Type,
  obj: Record<string, unknown>,
  path: string,
  out: string[],
): void {
  for (const [key, value] of Object.entries(obj)) {
    if (key === '@type') continue;
    const field = type.fields[key];
    if (!field) {
      out.push(`${path}.${key}`);
      continue;
    }
    const resolved = field.resolvedType;
    if (!resolved || !('fields' in resolved) || value === null || typeof value !== 'object')
      continue;
    const t = resolved as protobuf.Type;
    const name = t.fullName.replace(/^\./, '');
    const items = field.repeated
      ? (value as unknown[])
      : field.map
        ? Object.values(value as Record<string, unknown>)
        : [value];
    for (const item of items) {
      const o = item as Record<string, unknown>;
      if (name === 'google.protobuf.Any') {
        const inner = typeof o['@type'] === 'string' ? typeOfUrl(o['@type']) : undefined;
        if (!inner) out.push(`${path}.${key}: unknown Any type ${String(o['@type'])}`);
        else walkKnown(inner, o, `${path}.${key}<${inner.name}>`, out);
      } else walkKnown(t, o, `${path}.${key}`, out);
    }
  }
}

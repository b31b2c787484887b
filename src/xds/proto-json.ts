// Proto3 JSON as Envoy reads and prints it (bootstrap files, /config_dump) and as istioctl prints
// single resources: Duration "1.500s", wrapper values bare, Struct as plain JSON, Any with "@type",
// enums by name, 64-bit integers as strings. Envoy's config_dump keeps the proto field names
// (snake_case); istioctl's `proxy-config <kind> -o json` re-marshals with jsonpb, which writes
// lowerCamelCase JSON names (istio/istio pkg/util/protomarshal ToJSONWithIndent). protobufjs's
// toObject gives none of the well-known-type forms, so this walks the message type.
import type protobuf from 'protobufjs';
import { fromStruct } from './node.js';
import { decodeAny, encodeAny, typeOfUrl, type ProtoObject } from './protos.js';

const WRAPPER = /^google\.protobuf\.(U?Int(32|64)|Double|Float|Bool|String|Bytes)Value$/;
const LONG = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/** `proto`: field names as declared (Envoy); `json`: lowerCamelCase JSON names (istioctl). */
export type FieldNames = 'proto' | 'json';

export interface JsonOptions {
  names?: FieldNames;
  /**
   * Envoy's admin redaction (envoyproxy/envoy source/common/protobuf/utility.cc MessageUtil::redact):
   * every string under a field marked `(udpa.annotations.sensitive)` becomes "[redacted]", bytes the
   * same text base64-encoded, other scalars are cleared.
   */
  redact?: boolean;
}

interface Ctx {
  names: FieldNames;
  redact: boolean;
}

const REDACTED = '[redacted]';
const REDACTED_BYTES = Buffer.from(REDACTED).toString('base64');

/** protoc's default json_name: drop each `_`, upper-case the letter after it. */
export function jsonName(field: string): string {
  return field.replace(/_(.?)/g, (_, c: string) => c.toUpperCase());
}

/** A resource in the generator's form (`{'@type', ...}`) as Envoy's JSON. */
export function toEnvoyJson(resource: ProtoObject, options: JsonOptions = {}): ProtoObject {
  const decoded = decodeAny(encodeAny(resource));
  const type = typeOfUrl(String(decoded['@type']));
  const ctx: Ctx = { names: options.names ?? 'proto', redact: options.redact ?? false };
  return type ? { '@type': decoded['@type'], ...walk(type, decoded, ctx, false) } : decoded;
}

/**
 * google.protobuf.Duration as proto3 JSON prints it: seconds with 0, 3, 6 or 9 fractional digits
 * (protobuf's TimeUtil / protojson: "0s", "1.500s", "0.000100s").
 */
export function durationJson(seconds: number, nanos: number): string {
  if (nanos === 0) return `${seconds}s`;
  const digits = nanos % 1e6 === 0 ? 3 : nanos % 1e3 === 0 ? 6 : 9;
  const frac = String(Math.abs(nanos)).padStart(9, '0').slice(0, digits);
  const sign = seconds < 0 || nanos < 0 ? '-' : '';
  return `${sign}${Math.abs(seconds)}.${frac}s`;
}

function isSensitive(field: protobuf.Field): boolean {
  return field.options?.['(udpa.annotations.sensitive)'] === true;
}

/**
 * Proto3 JSON leaves out a singular scalar at its default ("", 0, false, the zero enum) unless it is
 * a oneof member or `optional` (protobuf json spec; Envoy and jsonpb both print it so): the
 * generator sets some defaults explicitly, which go on the wire and decode back.
 */
function isDefault(field: protobuf.Field, value: unknown): boolean {
  if (field.repeated || field.map || field.partOf) return false;
  const resolved = field.resolvedType;
  if (resolved && 'values' in resolved)
    return (resolved as protobuf.Enum).values[String(value)] === 0;
  if (resolved) return false;
  return value === '' || value === 0 || value === false || value === '0';
}

function walk(type: protobuf.Type, obj: ProtoObject, ctx: Ctx, sensitive: boolean): ProtoObject {
  const out: ProtoObject = {};
  // Envoy's C++ printer walks fields by number; istioctl's jsonpb in declaration order.
  const fields =
    ctx.names === 'json' ? type.fieldsArray : [...type.fieldsArray].sort((a, b) => a.id - b.id);
  const declared = fields.map((f) => f.name).filter((n) => n in obj);
  const keys = [...declared, ...Object.keys(obj).filter((k) => !type.fields[k])];
  for (const key of keys) {
    const value = obj[key];
    if (key === '@type' || value === undefined || value === null) continue;
    const field = type.fields[key];
    if (field && isDefault(field, value)) continue;
    const name = ctx.names === 'json' && field ? jsonName(key) : key;
    const hidden = ctx.redact && (sensitive || (field !== undefined && isSensitive(field)));
    const resolved = field?.resolvedType;
    if (!field || !resolved || !('fields' in resolved)) {
      const scalar = field && LONG.has(field.type) ? longs(value, field) : value;
      if (!hidden || !field) out[name] = scalar;
      else if (field.type === 'string' || field.type === 'bytes') {
        const text = field.type === 'string' ? REDACTED : REDACTED_BYTES;
        out[name] = Array.isArray(scalar) ? scalar.map(() => text) : text;
      }
      continue;
    }
    const t = resolved as protobuf.Type;
    const conv = (v: unknown) => convert(t, v, ctx, hidden);
    out[name] = field.repeated
      ? (value as unknown[]).map(conv)
      : field.map
        ? Object.fromEntries(Object.entries(value as ProtoObject).map(([k, v]) => [k, conv(v)]))
        : conv(value);
  }
  return out;
}

function longs(value: unknown, field: protobuf.Field): unknown {
  if (field.repeated && Array.isArray(value)) return value.map(String);
  return value === undefined ? value : String(value);
}

function convert(t: protobuf.Type, v: unknown, ctx: Ctx, sensitive: boolean): unknown {
  const name = t.fullName.replace(/^\./, '');
  const o = (v ?? {}) as ProtoObject;
  if (name === 'google.protobuf.Duration')
    return durationJson(Number(o.seconds ?? 0), Number(o.nanos ?? 0));
  if (WRAPPER.test(name)) {
    const value = o.value ?? (name.endsWith('BoolValue') ? false : 0);
    return /Int64Value$/.test(name) ? String(value) : value;
  }
  if (name === 'google.protobuf.Struct') return fromStruct(o);
  if (name === 'google.protobuf.Any') {
    const inner = typeof o['@type'] === 'string' ? typeOfUrl(o['@type']) : undefined;
    return inner ? { '@type': o['@type'], ...walk(inner, o, ctx, sensitive) } : o;
  }
  return walk(t, o, ctx, sensitive);
}

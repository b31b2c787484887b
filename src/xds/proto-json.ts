// Proto3 JSON as Envoy reads and prints it (bootstrap files, /config_dump): Duration "1.5s", wrapper
// values bare, Struct as plain JSON, Any with "@type", enums by name, snake_case field names (Envoy
// accepts both cases and its config_dump prints snake_case). protobufjs's toObject gives none of the
// well-known-type forms, so this walks the message type.
import type protobuf from 'protobufjs';
import { fromStruct } from './node.js';
import { decodeAny, encodeAny, typeOfUrl, type ProtoObject } from './protos.js';

const WRAPPER = /^google\.protobuf\.(U?Int(32|64)|Double|Float|Bool|String|Bytes)Value$/;

/** A resource in the generator's form (`{'@type', ...}`) as Envoy's JSON. */
export function toEnvoyJson(resource: ProtoObject): ProtoObject {
  const decoded = decodeAny(encodeAny(resource));
  const type = typeOfUrl(String(decoded['@type']));
  return type ? { '@type': decoded['@type'], ...walk(type, decoded) } : decoded;
}

function walk(type: protobuf.Type, obj: ProtoObject): ProtoObject {
  const out: ProtoObject = {};
  for (const [key, value] of Object.entries(obj)) {
    if (key === '@type') continue;
    const field = type.fields[key];
    const resolved = field?.resolvedType;
    if (!field || !resolved || !('fields' in resolved)) {
      out[key] = value;
      continue;
    }
    const t = resolved as protobuf.Type;
    const conv = (v: unknown) => convert(t, v);
    out[key] = field.repeated
      ? (value as unknown[]).map(conv)
      : field.map
        ? Object.fromEntries(Object.entries(value as ProtoObject).map(([k, v]) => [k, conv(v)]))
        : conv(value);
  }
  return out;
}

function convert(t: protobuf.Type, v: unknown): unknown {
  const name = t.fullName.replace(/^\./, '');
  const o = (v ?? {}) as ProtoObject;
  if (name === 'google.protobuf.Duration') {
    const total = Number(o.seconds ?? 0) + Number(o.nanos ?? 0) / 1e9;
    return `${Number(total.toFixed(9))}s`;
  }
  if (WRAPPER.test(name)) return o.value ?? (name.endsWith('BoolValue') ? false : 0);
  if (name === 'google.protobuf.Struct') return fromStruct(o);
  if (name === 'google.protobuf.Any') {
    const inner = typeof o['@type'] === 'string' ? typeOfUrl(o['@type']) : undefined;
    return inner ? { '@type': o['@type'], ...walk(inner, o) } : o;
  }
  return walk(t, o);
}

// The query parameters of Envoy's admin /config_dump applied to a config dump (envoyproxy/envoy
// source/server/admin/config_dump_handler.cc): `resource=` (one repeated field of the dump messages,
// each element packed as its own Any), `mask=` (a FieldMask: on each top-level dump, or with
// `resource` on each element, through its one Any field) and `name_regex=` (RE2, whole name). Field
// descriptors come from Envoy's admin protos (protos.ts), so a field that exists but is empty still
// counts, as it does for Envoy's descriptor lookup.
import type protobuf from 'protobufjs';
import { compileRe2, type CompiledRegex } from '../runtime/regex.js';
import { typeOfUrl, TYPE_PREFIX, type ProtoObject } from './protos.js';

export interface ConfigDumpQuery {
  resource?: string;
  mask?: string;
  nameRegex?: string;
}

export type ConfigDumpAnswer =
  { status: 200; body: ProtoObject } | { status: 400 | 404; text: string };

/** Applies `resource`, `mask` and `name_regex` to a ConfigDump (`{configs: [...]}`, proto names). */
export function queryConfigDump(dump: ProtoObject, q: ConfigDumpQuery): ConfigDumpAnswer {
  let names: CompiledRegex | undefined;
  if (q.nameRegex) {
    try {
      names = compileRe2(q.nameRegex);
    } catch (err) {
      return {
        status: 400,
        text: `INVALID_ARGUMENT: Error while parsing name_regex from ${q.nameRegex}: ${(err as Error).message}`,
      };
    }
  }
  const configs = ((dump.configs as ProtoObject[] | undefined) ?? []).map((c) =>
    names ? filterByName(c, names) : c,
  );
  const paths = q.mask !== undefined ? maskPaths(q.mask) : undefined;
  if (q.resource !== undefined) return resourceDump(configs, q.resource, paths);
  if (!paths) return { status: 200, body: { configs } };
  const kept: ProtoObject[] = [];
  for (const c of configs) {
    const type = typeOfUrl(String(c['@type']));
    // A mask that does not fit a dump's message skips that dump (different dumps, different fields).
    if (!type || !paths.every((p) => validPath(type, p))) continue;
    kept.push({ '@type': c['@type'], ...trim(c, type, paths) });
  }
  if (kept.length === 0)
    return {
      status: 400,
      text: `FieldMask ${q.mask} could not be successfully applied to any configs.`,
    };
  return { status: 200, body: { configs: kept } };
}

function resourceDump(
  configs: readonly ProtoObject[],
  resource: string,
  paths: string[] | undefined,
): ConfigDumpAnswer {
  for (const c of configs) {
    const type = typeOfUrl(String(c['@type']));
    const field = type?.fields[resource];
    if (!field) continue;
    if (!field.repeated)
      return {
        status: 400,
        text: `${resource} is not a repeated field. Use ?mask=${resource} to get only this field`,
      };
    const elementType = field.resolve().resolvedType as protobuf.Type;
    const out: ProtoObject[] = [];
    for (const item of (c[resource] as ProtoObject[] | undefined) ?? []) {
      let element = item;
      if (paths) {
        const trimmed = trimResource(item, elementType, paths);
        if (!trimmed)
          return {
            status: 400,
            text: `FieldMask ${paths.map((p) => `paths: "${p}"\n`).join('')} could not be successfully used.`,
          };
        element = trimmed;
      }
      out.push({ '@type': `${TYPE_PREFIX}${fullName(elementType)}`, ...element });
    }
    // Proto3 JSON leaves an empty `configs` out.
    return { status: 200, body: out.length > 0 ? { configs: out } : {} };
  }
  return { status: 404, text: `${resource} not found in config dump` };
}

/** FieldMaskUtil::FromString: comma-separated paths. */
function maskPaths(mask: string): string[] {
  return mask.split(',').filter((p) => p !== '');
}

function fullName(t: protobuf.Type): string {
  return t.fullName.replace(/^\./, '');
}

/**
 * FieldMaskUtil::GetFieldDescriptors: every component names a field; all but the last are singular
 * messages (a mask does not index through repeated fields).
 */
function validPath(type: protobuf.Type, path: string): boolean {
  let t: protobuf.Type | undefined = type;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    const f: protobuf.Field | undefined = t?.fields[parts[i]!];
    if (!f) return false;
    if (i === parts.length - 1) return true;
    const next = f.resolve().resolvedType;
    if (f.repeated || f.map || !next || !('fields' in next)) return false;
    t = next as protobuf.Type;
  }
  return true;
}

/** FieldMaskUtil::TrimMessage on proto-JSON: only the fields the paths cover stay. */
function trim(message: ProtoObject, type: protobuf.Type, paths: readonly string[]): ProtoObject {
  const out: ProtoObject = {};
  const byField = new Map<string, string[]>();
  for (const p of paths) {
    const [head = '', ...rest] = p.split('.');
    const sub = byField.get(head) ?? [];
    if (rest.length === 0) sub.push('');
    else sub.push(rest.join('.'));
    byField.set(head, sub);
  }
  for (const [name, subs] of byField) {
    if (!(name in message)) continue;
    const value = message[name];
    if (subs.includes('')) {
      out[name] = value;
      continue;
    }
    const f = type.fields[name];
    const next = f?.resolve().resolvedType;
    if (!next || !('fields' in next) || typeof value !== 'object' || value === null) continue;
    const inner = trim(value as ProtoObject, next as protobuf.Type, subs);
    if (Object.keys(inner).length > 0) out[name] = inner;
  }
  return out;
}

/**
 * config_dump_handler.cc trimResourceMessage: paths into the element's one Any field (`cluster.name`)
 * trim the packed message; the rest trim the element. Undefined when a path is invalid.
 */
function trimResource(
  item: ProtoObject,
  type: protobuf.Type,
  paths: readonly string[],
): ProtoObject | undefined {
  const outer: string[] = [];
  const inner: string[] = [];
  let anyField: string | undefined;
  for (const p of paths) {
    const [head = '', ...rest] = p.split('.');
    const f = type.fields[head];
    if (f && !f.repeated && f.type === 'google.protobuf.Any') {
      anyField = head;
      outer.push(head);
      inner.push(rest.join('.'));
    } else outer.push(p);
  }
  if (!outer.every((p) => validPath(type, p))) return undefined;
  const out = trim(item, type, outer);
  if (anyField && anyField in item) {
    const packed = item[anyField] as ProtoObject;
    const packedType = typeOfUrl(String(packed['@type']));
    const innerPaths = inner.filter((p) => p !== '');
    if (!packedType || !innerPaths.every((p) => validPath(packedType, p))) return undefined;
    // A bare `cluster` path keeps the whole resource; sub-paths keep only their fields.
    out[anyField] =
      innerPaths.length === inner.length
        ? { '@type': packed['@type'], ...trim(packed, packedType, innerPaths) }
        : packed;
  }
  return out;
}

/** The name a dump element is known by: its own, or its packed resource's. */
function elementName(item: ProtoObject): string | undefined {
  if (typeof item.name === 'string') return item.name;
  for (const key of ['cluster', 'listener', 'route_config', 'endpoint_config', 'secret']) {
    const packed = item[key] as ProtoObject | undefined;
    if (!packed) continue;
    const name = packed.name ?? packed.cluster_name;
    if (typeof name === 'string') return name;
  }
  const active = item.active_state as ProtoObject | undefined;
  const listener = active?.listener as ProtoObject | undefined;
  return typeof listener?.name === 'string' ? listener.name : undefined;
}

/** name_regex: each repeated list of a dump keeps the elements whose name matches as a whole. */
function filterByName(config: ProtoObject, names: CompiledRegex): ProtoObject {
  const out: ProtoObject = {};
  for (const [key, value] of Object.entries(config)) {
    if (!Array.isArray(value) || key === 'configs') {
      out[key] = value;
      continue;
    }
    const kept = (value as ProtoObject[]).filter((item) => {
      const name = elementName(item);
      return name === undefined || names.fullMatch(name);
    });
    if (kept.length > 0) out[key] = kept;
  }
  return out;
}

// Small builders for the proto value shapes Envoy's API repeats (Duration, wrappers, percentages,
// Struct, addresses, the ADS config source), in the plain-object form protobufjs encodes.
import type { ProtoObject } from '../protos.js';

/** google.protobuf.Duration from milliseconds. */
export function duration(ms: number): ProtoObject {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  return nanos ? { seconds, nanos } : { seconds };
}

/** A wrapper value (UInt32Value, BoolValue, DoubleValue...). */
export function wrap<T>(value: T): { value: T } {
  return { value };
}

/**
 * envoy.type.v3.FractionalPercent with denominator MILLION, as istiod converts a 0..100 percentage
 * (istio/istio pilot/pkg/networking/core/route/translator.go translatePercentToFractionalPercent).
 */
export function millionths(percentage: number): ProtoObject {
  return { numerator: Math.round(percentage * 10000), denominator: 'MILLION' };
}

/**
 * google.protobuf.Struct from a JSON-like object (protobufjs has no Struct conversion of its own; its
 * bundled google/protobuf types keep camelCase field names: stringValue, not string_value).
 */
export function struct(obj: Record<string, unknown>): ProtoObject {
  const fields: Record<string, ProtoObject> = {};
  for (const [k, v] of Object.entries(obj)) fields[k] = structValue(v);
  return { fields };
}

function structValue(v: unknown): ProtoObject {
  if (v === null || v === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(structValue) } };
  return { structValue: struct(v as Record<string, unknown>) };
}

export function socketAddress(address: string, port: number): ProtoObject {
  return { socket_address: { address, port_value: port } };
}

/**
 * The config source every dynamic resource points at: this ADS stream, v3, with no initial fetch
 * timeout, as istiod writes it (istio/istio pilot/pkg/networking/core/cluster_builder.go, listener.go).
 */
export function adsSource(): ProtoObject {
  return { ads: {}, initial_fetch_timeout: { seconds: 0 }, resource_api_version: 'V3' };
}

/** `region/zone/subzone` into envoy.config.core.v3.Locality. */
export function locality(spec: string | undefined): ProtoObject | undefined {
  if (!spec) return undefined;
  const [region, zone, subZone] = spec.split('/');
  return {
    ...(region ? { region } : {}),
    ...(zone ? { zone } : {}),
    ...(subZone ? { sub_zone: subZone } : {}),
  };
}

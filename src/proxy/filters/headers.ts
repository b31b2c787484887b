// Header handling: hop-by-hop removal (RFC 9110 §7.6.1; Envoy strips these at the codec) and the
// route/destination header operations Istio compiles from VirtualService `headers`
// (envoyproxy/envoy source/common/router/header_parser.cc: remove, then set (overwrite), then add (append)).
import type { HeaderOps } from '../../compile/snapshot.js';

export type HeaderMap = Record<string, string | string[]>;

/** RFC 9110 §7.6.1 hop-by-hop fields (Envoy strips these at the codec). */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

/** A response header object (undici's) without hop-by-hop fields and those named in Connection. */
export function stripHopByHop(h: Record<string, string | string[] | undefined>): HeaderMap {
  const out: HeaderMap = Object.create(null) as HeaderMap;
  const conn = h['connection'];
  const tokens =
    typeof conn === 'string'
      ? conn
          .split(',')
          .map((t) => t.trim().toLowerCase())
          .filter(Boolean)
      : [];
  for (const k in h) {
    const v = h[k];
    if (v === undefined || HOP_BY_HOP.has(k) || tokens.includes(k)) continue;
    out[k] = v;
  }
  return out;
}

export function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function applyHeaderOps(h: HeaderMap, ops: HeaderOps | undefined): void {
  if (!ops) return;
  for (const name of ops.remove) delete h[name];
  for (const [name, value] of ops.set) h[name] = value;
  for (const [name, value] of ops.add) {
    const prev = h[name];
    if (prev === undefined) h[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else h[name] = [prev, value];
  }
}

/** Flattens to undici's [name, value, ...] form. */
export function toFlat(h: HeaderMap): string[] {
  const out: string[] = [];
  for (const k in h) {
    const v = h[k];
    if (Array.isArray(v)) for (const x of v) out.push(k, x);
    else if (v !== undefined) out.push(k, v);
  }
  return out;
}

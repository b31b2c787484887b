// Header handling: hop-by-hop removal (RFC 9110 §7.6.1; Envoy strips these at the codec) and the
// route/destination header operations Istio compiles from VirtualService `headers`
// (envoyproxy/envoy source/common/router/header_parser.cc: remove, then set (overwrite), then add (append)).
import type { HeaderOps } from '../../compile/snapshot.js';

export type HeaderMap = Record<string, string | string[]>;

const HOP_BY_HOP = new Set([
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

/** Builds a lower-case header map from Node's rawHeaders, dropping hop-by-hop headers and those named in Connection. */
export function headersFromRaw(raw: readonly string[], dropAlso?: string): HeaderMap {
  const out: HeaderMap = Object.create(null) as HeaderMap;
  let connectionTokens: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    // HTTP/2 pseudo-headers are request metadata, not headers to forward.
    if (name.charCodeAt(0) === 58 /* : */) continue;
    if (name === 'connection') {
      for (const t of value.split(',')) {
        const tok = t.trim().toLowerCase();
        if (tok && tok !== 'close' && tok !== 'keep-alive') (connectionTokens ??= []).push(tok);
      }
      continue;
    }
    if (HOP_BY_HOP.has(name) || name === dropAlso) continue;
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[name] = [prev, value];
  }
  if (connectionTokens) for (const t of connectionTokens) delete out[t];
  return out;
}

/** Same as headersFromRaw for an undici response header object. */
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

/** Writes the response head: a flat list for HTTP/1 (no re-parsing), an object for HTTP/2 compat. */
export function writeHead(
  res: {
    writeHead(status: number, headers: string[] | Record<string, string | string[]>): unknown;
  },
  status: number,
  h: HeaderMap,
  h2: boolean,
): void {
  res.writeHead(status, h2 ? h : toFlat(h));
}

/**
 * An HTTP/2 response that ends with its HEADERS frame (END_STREAM), as gRPC's Trailers-Only reply
 * is: Node's compatibility response always sends HEADERS and END_STREAM apart, so the stream
 * answers directly. Returns false when the response is not an HTTP/2 one.
 */
export function writeHeadersOnly(res: object, status: number, h: HeaderMap): boolean {
  const stream = (
    res as { stream?: { respond?(h: object, o: object): void; headersSent?: boolean } }
  ).stream;
  if (!stream?.respond || stream.headersSent) return false;
  stream.respond({ ...h, ':status': status }, { endStream: true });
  (res as { end(): void }).end();
  return true;
}

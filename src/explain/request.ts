// A curl-like request (URL, -X, -H, --sni) as the TraceRequest the matcher reads: header names
// lower-case, repeated headers joined with ',' (as Envoy matches them), path and query split.
import type { TraceRequest } from './trace.js';

export class RequestError extends Error {}

/** `name: value` as curl's -H takes it. */
export function parseHeaderFlag(text: string): [string, string] {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new RequestError(`invalid header "${text}": use -H 'name: value'`);
  return [text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1).trim()];
}

export function buildRequest(
  url: string,
  opts: { method?: string; headers?: readonly string[]; sni?: string } = {},
): TraceRequest {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RequestError(`invalid URL "${url}": use http://host[:port]/path or https://...`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new RequestError(`invalid URL "${url}": the scheme must be http or https`);
  const headers: Record<string, string> = {};
  let authority = parsed.host;
  for (const h of opts.headers ?? []) {
    const [k, v] = parseHeaderFlag(h);
    if (k === 'host' || k === ':authority') {
      authority = v;
      continue;
    }
    headers[k] = headers[k] !== undefined ? `${headers[k]},${v}` : v;
  }
  return {
    method: (opts.method ?? 'GET').toUpperCase(),
    scheme: parsed.protocol === 'https:' ? 'https' : 'http',
    authority,
    path: parsed.pathname || '/',
    query: parsed.search.startsWith('?') ? parsed.search.slice(1) : parsed.search,
    headers,
    ...(opts.sni ? { sni: opts.sni } : {}),
  };
}

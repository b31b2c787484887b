// Checks Node's request parser (llhttp) leaves lenient and a proxy must not forward
// (architecture.md pitfalls; RFC 9112 §6.1, §3.2): duplicate Host, a Transfer-Encoding other than
// exactly `chunked`, and Transfer-Encoding on HTTP/1.0. Returns the reason, or undefined when fine.
import type { IncomingMessage } from 'node:http';

export function requestDefect(req: IncomingMessage): string | undefined {
  const raw = req.rawHeaders;
  let hosts = 0;
  let te: string | undefined;
  let teCount = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    if (name.length === 4 && name.toLowerCase() === 'host') hosts++;
    else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') {
      teCount++;
      te = raw[i + 1];
    }
  }
  if (hosts > 1) return 'http1.duplicate_host';
  if (teCount > 0) {
    if (req.httpVersionMinor === 0 && req.httpVersionMajor === 1)
      return 'http1.transfer_encoding_http10';
    if (teCount > 1 || (te ?? '').trim().toLowerCase() !== 'chunked')
      return 'http1.invalid_transfer_encoding';
  }
  return undefined;
}

/**
 * An HTTP/0.9 request line (`GET /path` and CRLF, no HTTP version) in a connection's first bytes.
 * Envoy does not serve HTTP/0.9 (its codecs take HTTP/1.0 and 1.1 only); llhttp would wait for
 * headers that never come, holding the connection until the request headers timeout.
 */
export function isHttp09RequestLine(first: Buffer): boolean {
  const end = first.indexOf(0x0a);
  if (end < 0) return false;
  const line = first.subarray(0, end).toString('latin1').replace(/\r$/, '');
  return /^[A-Z]+ \S+$/.test(line);
}

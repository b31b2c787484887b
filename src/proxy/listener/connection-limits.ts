// Envoy's edge defaults for what a downstream may send before routing: at most 100 request headers
// of at most 60 KiB in all, within 10 s of the connection's first byte. Node's parser is tuned to let
// these through so the HCM, not llhttp, decides (and logs) the refusal.
import type { EventEmitter } from 'node:events';
import { Http2ServerRequest } from 'node:http2';
import type { Socket } from 'node:net';

/** envoyproxy/envoy api/envoy/config/core/v3/protocol.proto HttpProtocolOptions.max_headers_count (default 100). */
export const MAX_REQUEST_HEADERS_COUNT = 100;
/** envoyproxy/envoy api/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto max_request_headers_kb (default 60). */
export const MAX_REQUEST_HEADERS_KB = 60;
/** envoyproxy/envoy docs/root/configuration/best_practices/_include/edge.yaml (edge.rst): request_headers_timeout 10s. */
export const REQUEST_HEADERS_TIMEOUT_MS = 10_000;
/**
 * envoyproxy/envoy api/envoy/config/core/v3/protocol.proto HttpProtocolOptions.idle_timeout: a
 * downstream connection with no request in flight for this long is closed (default 1 hour; HTTP/2
 * gets GOAWAY first).
 */
export const CONNECTION_IDLE_TIMEOUT_MS = 3_600_000;
/** envoyproxy/envoy api/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto stream_idle_timeout (default 5 mins). */
export const STREAM_IDLE_TIMEOUT_MS = 300_000;

/**
 * llhttp's limit counts the whole head (request line, `: ` and CRLFs), Envoy's only names and values:
 * leave room for a long request line so the 60 KiB check below is the one that answers.
 */
export const NODE_MAX_HEADER_SIZE = MAX_REQUEST_HEADERS_KB * 1024 + 16 * 1024;
/**
 * No count limit in Node's parser (0): every header reaches headerLimitExceeded below, bounded by
 * NODE_MAX_HEADER_SIZE. A finite limit differs by runtime: Node 20 silently drops the excess, Node 24
 * refuses the head as HPE_HEADER_OVERFLOW (a size error) before a request exists.
 */
export const NODE_MAX_HEADERS_COUNT = 0;

/**
 * The response code details Envoy's HTTP/1 codec gives a request over the limits, or undefined.
 * envoyproxy/envoy source/common/http/http1/codec_impl.cc: completeLastHeader (count > max ->
 * `http1.too_many_headers`) and checkMaxHeadersSize (names + values > max_headers_kb * 1024 ->
 * `http1.headers_too_large`), both 431.
 */
export function headerLimitExceeded(
  rawHeaders: readonly string[],
): 'http1.too_many_headers' | 'http1.headers_too_large' | undefined {
  if (rawHeaders.length / 2 > MAX_REQUEST_HEADERS_COUNT) return 'http1.too_many_headers';
  let bytes = 0;
  for (const h of rawHeaders) bytes += Buffer.byteLength(h, 'latin1');
  if (bytes > MAX_REQUEST_HEADERS_KB * 1024) return 'http1.headers_too_large';
  return undefined;
}

/**
 * An HTTP/2 request that counts the DATA its stream delivers, for the stream idle timeout. Node's
 * documented extension point (http2 createServer option Http2ServerRequest): a 'data' listener on
 * the Http2Stream would start it flowing before the compat request reads it, losing body bytes.
 */
export class CountingH2Request extends Http2ServerRequest {
  bodyBytesRead = 0;
  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null && chunk !== undefined) this.bodyBytesRead += (chunk as Buffer).length;
    return super.push(chunk, encoding);
  }
}

/** HTTP/2 SETTINGS and header limits for the proxy's h2 servers (h2c and h2 over TLS). */
export const H2_SERVER_OPTIONS = {
  Http2ServerRequest: CountingH2Request,
  // Envoy's edge guidance caps concurrent streams at 100 (edge.yaml).
  settings: {
    maxConcurrentStreams: 100,
    // nghttp2 itself resets a stream over its list size (64 KiB by default, counting 32 bytes a
    // header): room for 60 KiB of names and values so the HCM's check is the one that answers.
    maxHeaderListSize: NODE_MAX_HEADER_SIZE + MAX_REQUEST_HEADERS_COUNT * 32,
  },
  // Node's own pair limit (128 by default) resets with ENHANCE_YOUR_CALM; past it the HCM counts.
  maxHeaderListPairs: 2 * MAX_REQUEST_HEADERS_COUNT,
} as const;

/**
 * Envoy's HTTP/2 codec counts every header, pseudo-headers included, and their names and values
 * against the same limits; over either it resets the stream with details `http2.too_many_headers`
 * (envoyproxy/envoy source/common/http/http2/codec_impl.cc saveHeader, header_overflow).
 */
export function h2HeaderLimitExceeded(rawHeaders: readonly string[]): boolean {
  if (rawHeaders.length / 2 > MAX_REQUEST_HEADERS_COUNT) return true;
  let bytes = 0;
  for (const h of rawHeaders) bytes += Buffer.byteLength(h, 'latin1');
  return bytes > MAX_REQUEST_HEADERS_KB * 1024;
}

/** The limits a Node HTTP/1 server is given wherever the proxy parses HTTP/1 (plain, TLS, tunnels). */
export interface Http1Limits {
  requestHeadersTimeoutMs: number;
  connectionIdleTimeoutMs: number;
  /** The HCM's answer to a head llhttp refused or that did not complete in time (408/431/400). */
  clientError: (err: NodeJS.ErrnoException, socket: Socket) => void;
}

/**
 * Applies Envoy's HTTP/1 limits to a Node server the proxy hands connections to (it never listens
 * itself): request headers timeout, idle timeout, header size/count room for the HCM's 431 and its
 * local replies for refused heads; then starts the connection tracking that enforces the timeout.
 * An Http2SecureServer with allowHTTP1 runs its HTTP/1 connections on the same properties.
 */
export function limitHttp1Server(server: EventEmitter, limits: Http1Limits): void {
  const s = server as unknown as Record<string, unknown>;
  // Slow clients are cut within ~1s of their deadline (architecture.md pitfalls).
  s.connectionsCheckingInterval = Math.min(1000, Math.max(20, limits.requestHeadersTimeoutMs / 4));
  s.headersTimeout = limits.requestHeadersTimeoutMs;
  s.requestTimeout = 0;
  // Envoy's connection idle_timeout: no request for this long closes a keep-alive connection.
  s.keepAliveTimeout = limits.connectionIdleTimeoutMs;
  // Let Envoy's 60 KiB / 100 header limits decide, not llhttp's 16 KiB.
  s.maxHeaderSize = NODE_MAX_HEADER_SIZE;
  s.maxHeadersCount = NODE_MAX_HEADERS_COUNT;
  server.on('clientError', limits.clientError);
  server.emit('listening');
}

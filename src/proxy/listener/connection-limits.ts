// Envoy's edge defaults for what a downstream may send before routing: at most 100 request headers
// of at most 60 KiB in all, within 10 s of the connection's first byte. Node's parser is tuned to let
// these through so the HCM, not llhttp, decides (and logs) the refusal.

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

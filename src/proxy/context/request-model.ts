// The protocol-neutral request and response the connection manager, the router and the filters
// work on (Envoy's RequestHeaderMap with its decoder/encoder callbacks,
// envoyproxy/envoy envoy/http/filter.h): HTTP/1.1, h2c and HTTP/2 over TLS are adapted into these
// once at the edge (listener/node-exchange.ts), so nothing past it casts between HTTP/1 and HTTP/2
// objects or copies a header set again.
import type { Duplex, Readable } from 'node:stream';
import type { HeaderMap } from '../filters/headers.js';

export type HttpProtocol = 'HTTP/1.0' | 'HTTP/1.1' | 'HTTP/2';

export type HeaderLimitRefusal =
  'http1.too_many_headers' | 'http1.headers_too_large' | 'http2.too_many_headers';

/** One downstream request as the protocol delivered it. */
export interface DownstreamRequest {
  readonly method: string;
  readonly protocol: HttpProtocol;
  /** The request-target as received (origin-form, or absolute-form on HTTP/1). */
  readonly target: string;
  /** Host (HTTP/1) or :authority (HTTP/2), '' when absent. */
  readonly authority: string;
  /**
   * The one header list: names lower-case, pseudo-headers, hop-by-hop fields, the fields named in
   * Connection and Expect removed. Filters edit it in place; it goes upstream as is.
   */
  readonly headers: HeaderMap;
  /**
   * Envoy's header count / size refusal (connection-limits.ts): HTTP/1's 431 details, or HTTP/2's
   * `http2.too_many_headers` (the stream is reset); undefined within the limits.
   */
  headerLimit(): HeaderLimitRefusal | undefined;
  /** A `TE` field lists `trailers` (kept as `TE: trailers`, conn_manager_utility.cc sanitizeTEHeader). */
  readonly teTrailers: boolean;
  /** Content-Length as received, undefined when absent. */
  readonly contentLength: string | undefined;
  /** Transfer-Encoding as received (HTTP/1 only). */
  readonly transferEncoding: string | undefined;
  /** Arrived as an HTTP/1 upgrade: the protocol lower-cased (`websocket`), else undefined. */
  readonly upgrade: string | undefined;
  /** The Upgrade field as the client sent it. */
  readonly upgradeField: string | undefined;
  /** A framing defect the protocol's parser let through (request-checks.ts), else undefined. */
  readonly defect: string | undefined;
  /**
   * A body follows the head: HTTP/2 says so in the protocol (HEADERS without END_STREAM), HTTP/1
   * by Content-Length or Transfer-Encoding (RFC 9112 §6.3); envoyproxy/envoy
   * source/common/http/http2/codec_impl.cc onFrameReceived END_STREAM.
   */
  readonly hasBody: boolean;
  /** The body's bytes, ending at the protocol's end of stream. */
  readonly body: Readable;
  /** The whole body has arrived (the stream idle timeout stops watching). */
  bodyComplete(): boolean;
  /** Activity for the stream idle timeout: HTTP/1, bytes read on the connection; HTTP/2, the stream's DATA bytes. */
  connectionBytesRead(): number;
}

/** Where one response goes, whatever the protocol. */
export interface ResponseSink {
  readonly protocol: HttpProtocol;
  readonly headersSent: boolean;
  /** The response was ended (end() called). */
  readonly ended: boolean;
  /** No keep-alive after this response (HTTP/1 `Connection: close`; HTTP/2: nothing). */
  closeAfterResponse(): void;
  writeHead(status: number, headers: HeaderMap): void;
  /**
   * HTTP/2: HEADERS with END_STREAM (gRPC Trailers-Only) and the response ends; false (nothing
   * sent) on HTTP/1 or when the head went out already.
   */
  writeHeadersOnly(status: number, headers: HeaderMap): boolean;
  /** Sends the head now (a HEAD response with no body to carry it). */
  flushHeaders(): void;
  /** Holds writes until the end of this tick, so head, body and end leave in one write (HTTP/1). */
  corkTick(): void;
  /** Writes body bytes; false when the client is behind (then wait for onDrain). */
  write(chunk: Buffer): boolean;
  onDrain(fn: () => void): void;
  /** Trailers sent with the end of an HTTP/2 response (HTTP/1 drops them, as Envoy does). */
  addTrailers(trailers: Record<string, string | string[]>): void;
  end(body?: string | Buffer): void;
  /** Resets the stream (HTTP/2 RST_STREAM) or closes the connection (HTTP/1). */
  destroy(): void;
  /** A stream the codec refuses: HTTP/2 RST_STREAM INTERNAL_ERROR, no response; HTTP/1 closes. */
  reset(): void;
  /**
   * After a local reply that ends a request whose body is still arriving: HTTP/2 RST_STREAM
   * NO_ERROR asks the client to stop sending (RFC 9113 section 8.1); HTTP/1 closes after the
   * response anyway, so nothing.
   */
  stopRequest(): void;
  /** Runs once when the response is done or the stream closed. */
  onClose(fn: () => void): void;
  /** The response finished writing (false when the stream closed before). */
  readonly finished: boolean;
  /**
   * HTTP/1 upgrade: the client's connection, for the bytes after a 101 the router writes itself;
   * undefined when the client is gone or the protocol cannot tunnel.
   */
  takeTunnel(status: number): Duplex | undefined;
}

// A local reply to a gRPC request is a gRPC Trailers-Only reply: HTTP 200, content-type
// application/grpc, grpc-status (the one given, else the HTTP status mapped by httpToGrpcStatus) and
// the body text as a percent-encoded grpc-message, no body
// (envoyproxy/envoy source/common/http/utility.cc Utility::prepareLocalReply, is_grpc).
import { httpToGrpcStatus } from './grpc-status.js';

type Headers = Record<string, string | string[]>;

/** Envoy PercentEncoding::encode: `%`, controls and non-ASCII bytes as %XX; the rest kept. */
export function percentEncodeGrpcMessage(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    out +=
      byte < 0x20 || byte > 0x7e || byte === 0x25
        ? `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
        : String.fromCharCode(byte);
  }
  return out;
}

/** Turns a local reply's status, body and headers into the gRPC form (headers changed in place). */
export function toGrpcLocalReply(
  status: number,
  body: string | Buffer,
  headers: Headers,
  isHead: boolean,
): 200 {
  headers['content-type'] = 'application/grpc';
  if (headers['grpc-status'] === undefined)
    headers['grpc-status'] = String(httpToGrpcStatus(status));
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.length > 0 && !isHead && headers['grpc-message'] === undefined)
    headers['grpc-message'] = percentEncodeGrpcMessage(text);
  delete headers['content-length'];
  return 200;
}

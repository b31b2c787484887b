// The gRPC status of a finished request as Envoy reads it for %GRPC_STATUS% and Istio's
// `grpc_response_status` label: response trailers first, then response headers (trailers-only
// replies), then the HTTP status mapped to a gRPC code
// (envoyproxy/envoy source/common/grpc/common.cc Common::getGrpcStatus, status.cc httpToGrpcStatus;
// istio/proxy source/extensions/filters/http/istio_stats/istio_stats.cc).
import type { RequestContext } from './request-context.js';

/** A `grpc-status` value: any non-negative integer (Envoy reads it with allow_user_defined). */
export function parseGrpcStatus(v: string | string[] | undefined): number | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined || !/^\d{1,9}$/.test(s.trim())) return undefined;
  return Number(s.trim());
}

/** Envoy Grpc::Utility::httpToGrpcStatus (grpc/doc/http-grpc-status-mapping.md): 200 is Unknown. */
export function httpToGrpcStatus(code: number): number {
  switch (code) {
    case 400:
      return 13;
    case 401:
      return 16;
    case 403:
      return 7;
    case 404:
      return 12;
    case 429:
    case 502:
    case 503:
    case 504:
      return 14;
    default:
      return 2;
  }
}

/** The request's gRPC status, or undefined when there was no response at all. */
export function grpcStatusOf(ctx: RequestContext): number | undefined {
  if (ctx.grpcStatus !== undefined) return ctx.grpcStatus;
  return ctx.responseCode > 0 ? httpToGrpcStatus(ctx.responseCode) : undefined;
}

// envoyproxy/envoy source/common/grpc/status.cc Utility::grpcStatusToString.
const NAMES = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
];

/**
 * %GRPC_STATUS% (default CAMEL_STRING) and %GRPC_STATUS_NUMBER%: only for gRPC requests; an unknown
 * code prints as its number (envoyproxy/envoy source/common/formatter/http_specific_formatter.cc
 * GrpcStatusFormatter). Undefined prints as `-`.
 */
export function formatGrpcStatus(
  ctx: RequestContext,
  format: 'CAMEL_STRING' | 'NUMBER' = 'CAMEL_STRING',
): string | undefined {
  if (!ctx.grpc) return undefined;
  const s = grpcStatusOf(ctx);
  if (s === undefined) return undefined;
  return format === 'NUMBER' ? String(s) : (NAMES[s] ?? String(s));
}

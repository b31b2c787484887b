// The headers each Bookinfo service copies from its inbound request to its outbound calls, exactly
// as the originals list them (trace context propagation is the application's job in Istio).
import type http from 'node:http';

/** istio/istio samples/bookinfo/src/productpage/productpage.py getForwardHeaders incoming_headers
 * (the x-b3-* set is propagated by its OpenTracing tracer, see B3_HEADERS). */
export const PRODUCTPAGE_FORWARDED = [
  'x-request-id',
  'x-ot-span-context',
  'x-datadog-trace-id',
  'x-datadog-parent-id',
  'x-datadog-sampling-priority',
  'traceparent',
  'tracestate',
  'x-cloud-trace-context',
  'grpc-trace-bin',
  'sw8',
  'user-agent',
  'cookie',
  'authorization',
  'jwt',
] as const;

/** The Zipkin B3 multi-header set productpage's tracer injects (verbatim from the inbound span). */
export const B3_HEADERS = [
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
] as const;

/** istio/istio samples/bookinfo/src/reviews/.../LibertyRestEndpoint.java headers_to_propagate */
export const REVIEWS_FORWARDED = [
  'x-request-id',
  'x-ot-span-context',
  'x-datadog-trace-id',
  'x-datadog-parent-id',
  'x-datadog-sampling-priority',
  'traceparent',
  'tracestate',
  'x-cloud-trace-context',
  'grpc-trace-bin',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'sw8',
  'end-user',
  'user-agent',
  'cookie',
  'authorization',
  'jwt',
] as const;

/** istio/istio samples/bookinfo/src/details/details.rb get_forward_headers */
export const DETAILS_FORWARDED = [
  'x-request-id',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'x-ot-span-context',
  'x-datadog-trace-id',
  'x-datadog-parent-id',
  'x-datadog-sampled',
] as const;

/** Copies the listed headers that are present on req. */
export function pickHeaders(
  req: http.IncomingMessage,
  names: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const v = req.headers[name];
    if (v === undefined) continue;
    out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

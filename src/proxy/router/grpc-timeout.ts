// gRPC deadline: Envoy honours the `grpc-timeout` header of a gRPC request, capped by
// max_grpc_timeout, which Istio sets to the route timeout (0 = no cap)
// (istio/istio pilot/pkg/networking/core/route/route.go setTimeout; Envoy router
// config_impl.cc / FilterUtility::finalTimeout; gRPC over HTTP/2 spec for the header grammar).
const UNIT_MS: Record<string, number> = {
  H: 3_600_000,
  M: 60_000,
  S: 1000,
  m: 1,
  u: 1e-3,
  n: 1e-6,
};

/** Parses `grpc-timeout` (1-8 digits + unit H M S m u n) into ms; undefined when malformed. */
export function parseGrpcTimeout(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const m = /^(\d{1,8})([HMSmun])$/.exec(v.trim());
  if (!m) return undefined;
  return Math.ceil(Number(m[1]) * (UNIT_MS[m[2] ?? 'S'] ?? 1000));
}

/** The timeout the router applies: grpc-timeout capped by the route timeout, else the route timeout. */
export function effectiveTimeoutMs(
  routeTimeoutMs: number,
  contentType: string | undefined,
  grpcTimeout: string | undefined,
): number {
  if (!contentType?.startsWith('application/grpc')) return routeTimeoutMs;
  const g = parseGrpcTimeout(grpcTimeout);
  if (g === undefined) return routeTimeoutMs;
  return routeTimeoutMs > 0 ? Math.min(g, routeTimeoutMs) : g;
}

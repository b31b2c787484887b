// CORS, Envoy cors filter semantics (envoyproxy/envoy source/extensions/filters/http/cors/cors_filter.cc):
// a preflight (OPTIONS + Origin + Access-Control-Request-Method) with an allowed origin is answered
// locally with 200; a non-matching preflight is forwarded when forwardNotMatchingPreflights (Istio's
// default). On other requests with an allowed Origin the response gets allow-origin/credentials/expose.
import type { CorsPolicy } from '../../compile/snapshot.js';
import { matchString } from '../router/route-matcher.js';
import type { HeaderMap } from './headers.js';

export function originAllowed(policy: CorsPolicy, origin: string): boolean {
  for (const m of policy.allowOrigins) if (matchString(m, origin)) return true;
  return false;
}

export type CorsDecision =
  | { kind: 'none' }
  | { kind: 'preflight'; headers: HeaderMap }
  | { kind: 'preflight-reject' }
  | { kind: 'simple'; origin: string };

export function corsOnRequest(
  policy: CorsPolicy | undefined,
  method: string,
  origin: string | undefined,
  requestMethod: string | undefined,
): CorsDecision {
  if (!policy || !origin) return { kind: 'none' };
  const allowed = originAllowed(policy, origin);
  if (method === 'OPTIONS' && requestMethod) {
    if (!allowed)
      return policy.forwardNotMatchingPreflights ? { kind: 'none' } : { kind: 'preflight-reject' };
    const h: HeaderMap = Object.create(null) as HeaderMap;
    h['access-control-allow-origin'] = origin;
    if (policy.allowCredentials) h['access-control-allow-credentials'] = 'true';
    if (policy.allowMethods.length)
      h['access-control-allow-methods'] = policy.allowMethods.join(',');
    if (policy.allowHeaders.length)
      h['access-control-allow-headers'] = policy.allowHeaders.join(',');
    if (policy.maxAge) h['access-control-max-age'] = policy.maxAge;
    return { kind: 'preflight', headers: h };
  }
  return allowed ? { kind: 'simple', origin } : { kind: 'none' };
}

export function corsOnResponse(policy: CorsPolicy, origin: string, h: HeaderMap): void {
  h['access-control-allow-origin'] = origin;
  if (policy.allowCredentials) h['access-control-allow-credentials'] = 'true';
  if (policy.exposeHeaders.length)
    h['access-control-expose-headers'] = policy.exposeHeaders.join(',');
}

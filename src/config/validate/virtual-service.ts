// VirtualService rules: istio/istio pkg/config/validation/validation.go ValidateVirtualService and
// pkg/config/validation/virtualservice.go validateHTTPRoute.
import { parseGoDuration } from '../../units/index.js';
import { hostsIntersect, hostSubsetOf, isIpAddress } from '../names.js';
import type { FieldPath } from '../types.js';
import {
  HOST_HINT,
  checkDuration,
  checkExportTo,
  checkLabels,
  checkPercentage,
  checkPort,
  checkRegex,
  checkStringMatch,
  fqdnError,
  ipSubnetError,
  isDNS1123Label,
  subsetNameError,
  wildcardDomainError,
} from './common.js';
import { type Obj, type Report, arr, num, obj, q, str, strMap } from './report.js';
import { analyzeUnreachable } from './unreachable.js';

// validation.go supportedRetryOnPolicies (Envoy x-envoy-retry-on and x-envoy-retry-grpc-on values).
const RETRY_ON = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'envoy-ratelimited',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

// Go net/http StatusText: the codes it names (validateHTTPRetry accepts these integers in retryOn).
const HTTP_STATUS = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304,
  305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415,
  416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505,
  506, 507, 508, 510, 511,
]);

// supportedCORSMethods (Go net/http method constants and "*")
const METHODS = new Set([
  '*',
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
]);

// pkg/util/grpc SupportedGRPCStatus
const GRPC_STATUS = new Set([
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
]);

const VALID_HEADER = /^[-_A-Za-z0-9]+$/;
// httpHeaderValueRegexp: no control characters other than horizontal tab.
const validHeaderValue = (v: string): boolean =>
  [...v].every((c) => {
    const code = c.charCodeAt(0);
    return !(code <= 0x08 || (code >= 0x0a && code <= 0x1f) || code === 0x7f);
  });
const JWT_CLAIM =
  /^@request\.auth\.claims(\.[^.]+)+$|^@request\.auth\.claims\[[^\]]+\](\[[^\]]+\])*$/;

export function validateVirtualService(r: Report, spec: Obj, namespace: string): void {
  const P: FieldPath = ['spec'];
  const hosts = arr(spec.hosts).map(str);
  const gateways = arr(spec.gateways).map(str);
  const http = arr(spec.http);
  const tcp = arr(spec.tcp);
  const tls = arr(spec.tls);
  const isDelegate = hosts.length === 0;
  if (isDelegate) {
    if (gateways.length)
      r.error(
        [...P, 'gateways'],
        'delegate virtual service must have no gateways specified',
        'a VirtualService without hosts is a delegate; add hosts or remove gateways',
      );
    if (tls.length)
      r.error(
        [...P, 'tls'],
        'delegate virtual service must have no tls route specified',
        'delegates carry http routes only',
      );
    if (tcp.length)
      r.error(
        [...P, 'tcp'],
        'delegate virtual service must have no tcp route specified',
        'delegates carry http routes only',
      );
  }
  let appliesToMesh = gateways.length === 0;
  let appliesToGateway = false;
  if (gateways.length) {
    checkGatewayNames(r, [...P, 'gateways'], gateways);
    appliesToGateway = !gateways.includes('mesh');
    appliesToMesh = !appliesToGateway;
  }
  if (!appliesToGateway) {
    http.forEach((h, i) =>
      arr(obj(h)?.match).forEach((m, j) => {
        for (const f of ['headers', 'withoutHeaders'] as const)
          for (const key of Object.keys(obj(obj(m)?.[f]) ?? {}))
            if (JWT_CLAIM.test(key))
              r.error(
                [...P, 'http', i, 'match', j, f, key],
                `JWT claim based routing (key: ${key}) is only supported for gateway, found no gateways: [${gateways.join(' ')}]`,
                'bind the VirtualService to a gateway, or match on a plain header',
              );
      }),
    );
  }
  const sni = tls.some((t) => arr(obj(t)?.match).some((m) => arr(obj(m)?.sniHosts).length > 0));
  let allHostsValid = true;
  hosts.forEach((h, i) => {
    const err = wildcardDomainError(h, appliesToGateway && sni);
    if (err) {
      if (!isIpAddress(h)) {
        r.error([...P, 'hosts', i], err, HOST_HINT);
        allHostsValid = false;
      }
    } else if (appliesToMesh && h === '*') {
      r.error(
        [...P, 'hosts', i],
        'wildcard host * is not allowed for virtual services bound to the mesh gateway',
        'name the hosts, or bind the VirtualService to a gateway with `gateways:`',
      );
      allHostsValid = false;
    }
  });
  if (allHostsValid) {
    for (let i = 0; i < hosts.length; i++)
      for (let j = i + 1; j < hosts.length; j++)
        if (hostsIntersect(hosts[i]!, hosts[j]!))
          r.error(
            [...P, 'hosts', j],
            `duplicate hosts in virtual service: ${hosts[i]} & ${hosts[j]}`,
            'list each host once; a wildcard already covers the names under it',
          );
  }
  if (http.length === 0 && tcp.length === 0 && tls.length === 0)
    r.error(
      P,
      'http, tcp or tls must be provided in virtual service',
      'add at least one http, tcp or tls route',
    );
  http.forEach((h, i) => {
    const o = obj(h);
    if (!o) r.error([...P, 'http', i], 'http route may not be null');
    else validateHTTPRoute(r, [...P, 'http', i], o, isDelegate);
  });
  tls.forEach((t, i) => {
    const o = obj(t);
    if (o)
      validateTLSRoute(
        r,
        [...P, 'tls', i],
        o,
        hosts,
        !gateways.includes('mesh') && gateways.length > 0,
      );
  });
  tcp.forEach((t, i) => {
    const o = obj(t);
    if (o) validateTCPRoute(r, [...P, 'tcp', i], o);
  });
  checkExportTo(r, [...P, 'exportTo'], namespace, spec.exportTo, false, false);
  analyzeUnreachable(r, spec);
}

// validateGatewayNames
export function checkGatewayNames(r: Report, path: FieldPath, names: string[]): void {
  const hint = 'use mesh, <gateway-name> or <namespace>/<gateway-name>';
  names.forEach((g, i) => {
    const slash = g.indexOf('/');
    if (slash < 0) {
      if (g.includes('.')) {
        const parts = g.split('.');
        r.warn(
          [...path, i],
          `using legacy gatewayName format ${q(g)}; prefer the <namespace>/<name> format: ${q(`${parts[1]}/${parts[0]}`)}`,
          `write ${parts[1]}/${parts[0]}`,
        );
      }
      const e = fqdnError(g);
      if (e) r.error([...path, i], e, hint);
      return;
    }
    const ns = g.slice(0, slash);
    const name = g.slice(slash + 1);
    if (!ns || !name)
      r.error([...path, i], 'config namespace and gateway name cannot be empty', hint);
    if (!isDNS1123Label(ns)) r.error([...path, i], `invalid value for namespace: ${q(ns)}`, hint);
    if (!isDNS1123Label(name))
      r.error([...path, i], `invalid value for gateway name: ${q(name)}`, hint);
  });
}

function validateHTTPRoute(r: Report, p: FieldPath, h: Obj, isDelegate: boolean): void {
  const hasRoute = arr(h.route).length > 0;
  const redirect = obj(h.redirect);
  const direct = obj(h.directResponse);
  const isRoot = !isDelegate && h.delegate != null;
  // validateHTTPRouteConflict
  if (isRoot) {
    const hint =
      'a route with `delegate` hands routing to the delegate VirtualService; remove route/redirect';
    if (h.redirect != null)
      r.error([...p, 'redirect'], `root HTTP route ${str(h.name)} must not specify redirect`, hint);
    if (h.route != null)
      r.error([...p, 'route'], `root HTTP route ${str(h.name)} must not specify route`, hint);
  } else {
    if (isDelegate && h.delegate != null)
      r.error(
        [...p, 'delegate'],
        'delegate HTTP route cannot contain delegate',
        'delegation is one level deep',
      );
    if (h.redirect != null) {
      const hint =
        'a rule either forwards (route), redirects (redirect) or answers (directResponse); split it into separate rules';
      if (hasRoute)
        r.error([...p, 'redirect'], 'HTTP route cannot contain both route and redirect', hint);
      if (h.fault != null)
        r.error(
          [...p, 'fault'],
          'HTTP route cannot contain both fault and redirect',
          'faults apply to forwarded requests only; remove fault',
        );
      if (h.rewrite != null)
        r.error(
          [...p, 'rewrite'],
          'HTTP route rule cannot contain both rewrite and redirect',
          'use redirect.uri/authority instead of rewrite',
        );
      if (h.directResponse != null)
        r.error(
          [...p, 'directResponse'],
          'HTTP route rule cannot contain both direct_response and redirect',
          hint,
        );
    } else if (h.directResponse != null) {
      const hint =
        'a rule either forwards (route) or answers (directResponse); split it into separate rules';
      if (hasRoute)
        r.error(
          [...p, 'directResponse'],
          'HTTP route cannot contain both route and direct_response',
          hint,
        );
      if (h.fault != null)
        r.error(
          [...p, 'fault'],
          'HTTP route cannot contain both fault and direct_response',
          'remove fault',
        );
      if (h.rewrite != null)
        r.error(
          [...p, 'rewrite'],
          'HTTP route rule cannot contain both rewrite and direct_response',
          'remove rewrite',
        );
    } else if (!hasRoute) {
      r.error(
        p,
        'HTTP route, redirect or direct_response is required',
        'add `route:` with at least one destination, or a redirect/directResponse',
      );
    }
    if (h.mirror != null && arr(h.mirrors).length > 0)
      r.error(
        [...p, 'mirror'],
        'HTTP route cannot contain both mirror and mirrors',
        'move the mirror into the mirrors list',
      );
  }
  // validateHTTPRouteMatchRequest
  arr(h.match).forEach((m, j) => {
    const mo = obj(m);
    if (!mo) return;
    const mp: FieldPath = [...p, 'match', j];
    for (const [name, hm] of Object.entries(obj(mo.headers) ?? {})) {
      if (hm == null)
        r.error(
          [...mp, 'headers', name],
          `header match ${name} cannot be null`,
          'write {} to match presence, or exact/prefix/regex',
        );
      checkHeaderNameOrClaim(r, [...mp, 'headers', name], name);
      checkStringMatch(r, [...mp, 'headers', name], hm, 'headers', false);
    }
    for (const [name, hm] of Object.entries(obj(mo.withoutHeaders) ?? {})) {
      checkHeaderNameOrClaim(r, [...mp, 'withoutHeaders', name], name);
      if (obj(hm)?.regex !== '*')
        checkStringMatch(r, [...mp, 'withoutHeaders', name], hm, 'withoutHeaders', false);
    }
    // uri allows an empty prefix; scheme/method/authority do not.
    checkStringMatch(r, [...mp, 'uri'], mo.uri, 'uri', true);
    checkStringMatch(r, [...mp, 'scheme'], mo.scheme, 'scheme', false);
    checkStringMatch(r, [...mp, 'method'], mo.method, 'method', false);
    checkStringMatch(r, [...mp, 'authority'], mo.authority, 'authority', false);
    for (const [name, qp] of Object.entries(obj(mo.queryParams) ?? {}))
      checkStringMatch(r, [...mp, 'queryParams', name], qp, 'queryParams', false);
    if (num(mo.port) !== 0) checkPort(r, [...mp, 'port'], mo.port);
    checkLabels(r, [...mp, 'sourceLabels'], mo.sourceLabels);
    checkGatewayNames(r, [...mp, 'gateways'], arr(mo.gateways).map(str));
    const sn = str(mo.sourceNamespace);
    if (sn && !isDNS1123Label(sn))
      r.error(
        [...mp, 'sourceNamespace'],
        `sourceNamespace match ${sn} is invalid`,
        'write a namespace name (DNS-1123 label)',
      );
  });
  // header manipulation
  checkHeaderOps(r, [...p, 'headers'], h.headers);
  // CORS
  const cors = obj(h.corsPolicy);
  if (cors) {
    arr(cors.allowOrigins).forEach((o, i) => {
      const so = obj(o) ?? {};
      const val = str(so.exact ?? so.prefix ?? so.regex);
      if (val === '')
        r.error(
          [...p, 'corsPolicy', 'allowOrigins', i],
          `'${val}' is not a valid match type for CORS allow origins`,
          'write exact, prefix or regex with a non-empty value',
        );
      else if (typeof so.regex === 'string')
        checkRegex(
          r,
          [...p, 'corsPolicy', 'allowOrigins', i, 'regex'],
          so.regex,
          'corsPolicy.allowOrigins',
        );
    });
    arr(cors.allowMethods).forEach((m, i) => {
      if (!METHODS.has(str(m)))
        r.error(
          [...p, 'corsPolicy', 'allowMethods', i],
          `${q(str(m))} is not a supported HTTP method`,
          `use one of ${[...METHODS].join(', ')}`,
        );
    });
    for (const f of ['allowHeaders', 'exposeHeaders'] as const)
      arr(cors[f]).forEach((n, i) => {
        const name = str(n);
        if (name === '') r.error([...p, 'corsPolicy', f, i], 'header name cannot be empty');
        else if (name !== '*' && !VALID_HEADER.test(name))
          r.error(
            [...p, 'corsPolicy', f, i],
            `header name ${name} is not a valid header name`,
            'header names use letters, digits, - and _',
          );
      });
    if (cors.maxAge != null) {
      checkDuration(r, [...p, 'corsPolicy', 'maxAge'], cors.maxAge);
      // validateCORSPolicy: `policy.MaxAge.Nanos > 0` (the sub-second part of a positive duration).
      const ns = typeof cors.maxAge === 'string' ? parseGoDuration(cors.maxAge) : undefined;
      if (ns !== undefined && ns % 1_000_000_000n > 0n)
        r.error(
          [...p, 'corsPolicy', 'maxAge'],
          'max_age duration is accurate only to seconds precision',
          'write whole seconds, e.g. 24h or 3600s',
        );
    }
  }
  // fault
  const fault = obj(h.fault);
  if (fault) {
    if (fault.abort == null && fault.delay == null)
      r.error(
        [...p, 'fault'],
        'HTTP fault injection must have an abort and/or a delay',
        'add fault.delay or fault.abort',
      );
    const abort = obj(fault.abort);
    if (abort) {
      checkPercentage(r, [...p, 'fault', 'abort', 'percentage'], abort.percentage);
      if (abort.grpcStatus != null) {
        if (!GRPC_STATUS.has(str(abort.grpcStatus)))
          r.error(
            [...p, 'fault', 'abort', 'grpcStatus'],
            `gRPC status ${q(str(abort.grpcStatus))} is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, for example 'NOT_FOUND'`,
            'write a status name such as UNAVAILABLE',
          );
      } else if (abort.http2Error != null) {
        r.error(
          [...p, 'fault', 'abort', 'http2Error'],
          'HTTP/2 abort fault injection not supported yet',
          'use httpStatus or grpcStatus',
        );
      } else if (abort.httpStatus != null) {
        checkHTTPStatus(r, [...p, 'fault', 'abort', 'httpStatus'], num(abort.httpStatus));
      } else
        r.warn(
          [...p, 'fault', 'abort'],
          'abort configured, but error type not set',
          'set httpStatus (e.g. 503) or grpcStatus',
        );
    }
    const delay = obj(fault.delay);
    if (delay) {
      checkPercentage(r, [...p, 'fault', 'delay', 'percentage'], delay.percentage);
      if (delay.fixedDelay != null)
        checkDuration(r, [...p, 'fault', 'delay', 'fixedDelay'], delay.fixedDelay);
      else if (delay.exponentialDelay != null) {
        checkDuration(r, [...p, 'fault', 'delay', 'exponentialDelay'], delay.exponentialDelay);
        r.error(
          [...p, 'fault', 'delay', 'exponentialDelay'],
          'exponentialDelay not supported yet',
          'use fixedDelay',
        );
      }
    }
  }
  // mirrors
  if (h.mirrorPercent != null) {
    const v = num(h.mirrorPercent);
    if (v > 100)
      r.error(
        [...p, 'mirrorPercent'],
        `mirror_percent must have a max value of 100 (it has ${v})`,
        'use 0..100',
      );
    r.warn(
      [...p, 'mirrorPercent'],
      'using deprecated setting "mirrorPercent", use "mirrorPercentage" instead',
      'write mirrorPercentage: {value: N}',
    );
  }
  const mp = obj(h.mirrorPercentage);
  if (mp) {
    const v = num(mp.value);
    if (v > 100)
      r.error(
        [...p, 'mirrorPercentage', 'value'],
        `mirror_percentage must have a max value of 100 (it has ${v.toFixed(6)})`,
        'use 0..100',
      );
    if (v < 0)
      r.error(
        [...p, 'mirrorPercentage', 'value'],
        `mirror_percentage must have a min value of 0 (it has ${v.toFixed(6)})`,
        'use 0..100',
      );
  }
  checkDestination(r, [...p, 'mirror'], h.mirror);
  arr(h.mirrors).forEach((m, i) => {
    const mo = obj(m);
    if (!mo) return r.error([...p, 'mirrors', i], 'mirror cannot be null');
    if (mo.destination == null)
      return r.error(
        [...p, 'mirrors', i],
        'destination is required for mirrors',
        'add destination: {host: ...}',
      );
    checkDestination(r, [...p, 'mirrors', i, 'destination'], mo.destination);
    const pv = obj(mo.percentage);
    if (pv) {
      const v = num(pv.value);
      if (v > 100)
        r.error(
          [...p, 'mirrors', i, 'percentage', 'value'],
          `mirror percentage must have a max value of 100 (it has ${v.toFixed(6)})`,
          'use 0..100',
        );
      if (v < 0)
        r.error(
          [...p, 'mirrors', i, 'percentage', 'value'],
          `mirror percentage must have a min value of 0 (it has ${v.toFixed(6)})`,
          'use 0..100',
        );
    }
  });
  // redirect
  if (redirect) {
    const rp: FieldPath = [...p, 'redirect'];
    if (
      !str(redirect.uri) &&
      !str(redirect.authority) &&
      redirect.port == null &&
      redirect.derivePort == null &&
      !str(redirect.scheme)
    )
      r.error(
        rp,
        'redirect must specify URI, authority, scheme, or port',
        'set redirect.uri, authority, scheme or port',
      );
    else if (
      num(redirect.redirectCode) !== 0 &&
      (num(redirect.redirectCode) < 300 || num(redirect.redirectCode) > 399)
    )
      r.error(
        [...rp, 'redirectCode'],
        `${num(redirect.redirectCode)} is not a valid redirect code, must be 3xx`,
        'use 301, 302, 303, 307 or 308',
      );
    else if (str(redirect.scheme) && redirect.scheme !== 'http' && redirect.scheme !== 'https')
      r.error(
        [...rp, 'scheme'],
        'invalid redirect scheme, must be "http" or "https"',
        'write http or https',
      );
    else if (num(redirect.port) > 0) checkPort(r, [...rp, 'port'], redirect.port);
  }
  // directResponse
  if (direct) {
    const body = obj(direct.body);
    const size = body ? str(body.string).length || Math.floor((str(body.bytes).length * 3) / 4) : 0;
    if (size > 1024 * 1024)
      r.error(
        [...p, 'directResponse', 'body'],
        'large direct_responses may impact control plane performance, must be less than 1MB',
        'keep the body under 1MB',
      );
    else if (size > 100 * 1024)
      r.warn(
        [...p, 'directResponse', 'body'],
        'large direct_responses may impact control plane performance',
      );
    checkHTTPStatus(r, [...p, 'directResponse', 'status'], num(direct.status));
  }
  // retries
  const retries = obj(h.retries);
  if (retries) {
    const rp: FieldPath = [...p, 'retries'];
    const attempts = num(retries.attempts);
    if (attempts < 0)
      r.error([...rp, 'attempts'], 'attempts cannot be negative', 'use 0 (no retries) or more');
    if (
      attempts === 0 &&
      (retries.perTryTimeout != null ||
        str(retries.retryOn) !== '' ||
        retries.retryRemoteLocalities != null)
    )
      r.error(
        [...rp, 'attempts'],
        'http retry policy configured when attempts are set to 0 (disabled)',
        'set attempts >= 1, or remove the other retry fields',
      );
    if (retries.perTryTimeout != null)
      checkDuration(r, [...rp, 'perTryTimeout'], retries.perTryTimeout);
    if (retries.backoff != null) checkDuration(r, [...rp, 'backoff'], retries.backoff);
    const retryOn = str(retries.retryOn);
    if (retryOn !== '')
      for (const policy of retryOn.split(',')) {
        const code = /^[-+]?\d+$/.test(policy) ? Number(policy) : 0;
        if (!HTTP_STATUS.has(code) && !RETRY_ON.has(policy))
          r.error(
            [...rp, 'retryOn'],
            `${q(policy)} is not a valid retryOn policy`,
            `use comma-separated values without spaces from ${[...RETRY_ON].join(', ')}, or HTTP status codes such as 503`,
          );
      }
  }
  // rewrite
  const rewrite = obj(h.rewrite);
  if (rewrite) {
    const rr = obj(rewrite.uriRegexRewrite);
    if (str(rewrite.uri) && rr)
      r.error(
        [...p, 'rewrite'],
        'rewrite may only contain one of URI or UriRegexRewrite',
        'keep uri or uriRegexRewrite',
      );
    else if (!str(rewrite.uri) && !rr && !str(rewrite.authority))
      r.error(
        [...p, 'rewrite'],
        'rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified',
        'set rewrite.uri, rewrite.uriRegexRewrite or rewrite.authority',
      );
    else if (rr) {
      if (!str(rr.match) || !str(rr.rewrite))
        r.error(
          [...p, 'rewrite', 'uriRegexRewrite'],
          'UriRegexRewrite has errors\nUriRegexRewrite requires both Rewrite and Match fields to be specified',
          'set both match and rewrite',
        );
      else
        checkRegex(
          r,
          [...p, 'rewrite', 'uriRegexRewrite', 'match'],
          str(rr.match),
          'HTTPRewrite.UriRegexRewrite.Match',
        );
    }
  }
  // validateAuthorityRewrite
  let current = str(rewrite?.authority);
  const req = obj(obj(h.headers)?.request);
  for (const op of ['set', 'add'] as const)
    for (const [k, v] of Object.entries(strMap(req?.[op]))) {
      if (!/^(:authority|host)$/i.test(k)) continue;
      if (current !== '') {
        r.error(
          [...p, 'headers', 'request', op, k],
          `authority header cannot be set multiple times: have ${q(current)}, attempting to set ${q(v)}`,
          'set the authority in one place (rewrite.authority or one header)',
        );
        break;
      }
      current = v;
    }
  // destinations
  checkRouteDestinations(r, [...p, 'route'], arr(h.route), true);
  if (h.timeout != null) checkDuration(r, [...p, 'timeout'], h.timeout);
}

function checkHTTPStatus(r: Report, path: FieldPath, status: number): void {
  if (status < 200 || status > 600)
    r.error(path, `HTTP status ${status} is not in range 200-599`, 'use a status from 200 to 599');
}

function checkHeaderNameOrClaim(r: Report, path: FieldPath, name: string): void {
  if (name === '') r.error(path, 'header name cannot be empty');
  else if (!JWT_CLAIM.test(name) && !VALID_HEADER.test(name))
    r.error(
      path,
      `header name ${name} is not a valid header name`,
      'header names use letters, digits, - and _',
    );
}

function checkHeaderOps(r: Report, path: FieldPath, headers: unknown): void {
  const h = obj(headers);
  if (!h) return;
  const internal = (k: string) => k.startsWith(':') || k.toLowerCase() === 'host';
  const authority = (k: string) => /^(:authority|host)$/i.test(k);
  for (const side of ['request', 'response'] as const) {
    const s = obj(h[side]);
    if (!s) continue;
    for (const op of ['add', 'set'] as const)
      for (const [name, val] of Object.entries(strMap(s[op]))) {
        const fp: FieldPath = [...path, side, op, name];
        if (name === '') r.error(fp, 'header name cannot be empty');
        else if (side === 'request' ? internal(name) && !authority(name) : internal(name))
          r.error(
            fp,
            name.toLowerCase() === 'host' && side === 'response'
              ? `invalid header ${q(name)}: cannot set Host header`
              : `invalid header ${q(name)}: header cannot have ":" prefix`,
            'pseudo-headers cannot be modified',
          );
        if (!validHeaderValue(val))
          r.error(
            fp,
            `header value configuration ${val} is invalid`,
            'remove control characters from the value',
          );
      }
    arr(s.remove).forEach((n, i) => {
      const name = str(n);
      if (name === '') r.error([...path, side, 'remove', i], 'header name cannot be empty');
      else if (name.toLowerCase() === 'host')
        r.error([...path, side, 'remove', i], `invalid header ${q(name)}: cannot set Host header`);
      else if (internal(name))
        r.error(
          [...path, side, 'remove', i],
          `invalid header ${q(name)}: header cannot have ":" prefix`,
        );
    });
  }
}

// validateDestination
export function checkDestination(r: Report, path: FieldPath, d: unknown): void {
  const o = obj(d);
  if (!o) return;
  const host = str(o.host);
  if (host === '*')
    r.error(
      [...path, 'host'],
      `invalid destination host ${host}`,
      'name a service host; `*` is not a destination',
    );
  else {
    const e = wildcardDomainError(host);
    if (e) r.error([...path, 'host'], e, HOST_HINT);
  }
  if (str(o.subset) !== '') {
    const e = subsetNameError(str(o.subset));
    if (e) r.error([...path, 'subset'], e, 'subset names are DNS-1123 labels, e.g. v1');
  }
  const port = obj(o.port);
  if (port) checkPort(r, [...path, 'port', 'number'], num(port.number));
}

// validateHTTPRouteDestinations / validateRouteDestinations
function checkRouteDestinations(
  r: Report,
  path: FieldPath,
  routes: unknown[],
  isHTTP: boolean,
): void {
  let total = 0;
  routes.forEach((w, i) => {
    const o = obj(w);
    if (!o) return r.error([...path, i], 'weight may not be nil');
    if (o.destination == null)
      r.error(
        [...path, i, 'destination'],
        'destination is required',
        'add destination: {host: ...}',
      );
    if (isHTTP) checkHeaderOps(r, [...path, i, 'headers'], o.headers);
    checkDestination(r, [...path, i, 'destination'], o.destination);
    const weight = num(o.weight);
    if (weight < 0)
      r.error(
        [...path, i, 'weight'],
        `weight ${weight} < 0`,
        'weights are 0 or more; they are relative and need not sum to 100',
      );
    total += weight;
  });
  if (routes.length > 1 && total === 0)
    r.error(path, 'total destination weight = 0', 'give at least one destination a weight above 0');
}

function validateTLSRoute(
  r: Report,
  p: FieldPath,
  t: Obj,
  hosts: string[],
  isGateway: boolean,
): void {
  const matches = arr(t.match);
  if (matches.length === 0)
    r.error(
      p,
      'TLS route must have at least one match condition',
      'add match: [{sniHosts: [...]}]',
    );
  matches.forEach((m, j) => {
    const mo = obj(m);
    const mp: FieldPath = [...p, 'match', j];
    if (!mo) return r.error(mp, 'TLS match may not be null');
    const sniHosts = arr(mo.sniHosts).map(str);
    if (sniHosts.length === 0)
      r.error(mp, 'TLS match must have at least one SNI host', 'add sniHosts');
    sniHosts.forEach((sni, k) => {
      const e = wildcardDomainError(sni, isGateway);
      if (e) {
        if (isIpAddress(sni))
          r.warn(
            [...mp, 'sniHosts', k],
            `using an IP address (${q(sni)}) goes against SNI spec and most clients do not support this`,
          );
        else r.error([...mp, 'sniHosts', k], e, HOST_HINT);
        return;
      }
      if (!hosts.some((h) => hostSubsetOf(sni, h)))
        r.error(
          [...mp, 'sniHosts', k],
          `SNI host ${q(sni)} is not a compatible subset of any of the virtual service hosts: [${hosts.join(', ')}]`,
          'each SNI host must equal or fall under one of spec.hosts',
        );
    });
    checkL4Match(r, mp, mo);
  });
  if (arr(t.route).length === 0)
    r.error(p, 'TLS route is required', 'add route: [{destination: {host: ...}}]');
  checkRouteDestinations(r, [...p, 'route'], arr(t.route), false);
}

function validateTCPRoute(r: Report, p: FieldPath, t: Obj): void {
  arr(t.match).forEach((m, j) => {
    const mo = obj(m);
    if (!mo) return r.error([...p, 'match', j], 'tcp match may not be nil');
    checkL4Match(r, [...p, 'match', j], mo);
  });
  if (arr(t.route).length === 0)
    r.error(p, 'TCP route is required', 'add route: [{destination: {host: ...}}]');
  checkRouteDestinations(r, [...p, 'route'], arr(t.route), false);
}

function checkL4Match(r: Report, mp: FieldPath, mo: Obj): void {
  arr(mo.destinationSubnets).forEach((s, k) => {
    const e = ipSubnetError(str(s));
    if (e) r.error([...mp, 'destinationSubnets', k], e, 'write an IP or CIDR such as 10.0.0.0/8');
  });
  if (num(mo.port) !== 0) checkPort(r, [...mp, 'port'], mo.port);
  checkLabels(r, [...mp, 'sourceLabels'], mo.sourceLabels);
  checkGatewayNames(r, [...mp, 'gateways'], arr(mo.gateways).map(str));
}

// Failures are data: one table of Envoy local replies (status, response flag, details, body), turned
// into a response at exactly one place (router/rescue in http-connection-manager).
// Bodies and details: envoyproxy/envoy source/common/router/router.cc (onUpstreamReset, onResponseTimeout,
// onNoHealthyHost), source/common/http/conn_manager_impl.cc, source/extensions/filters/http/fault.

export type LocalReplyCode =
  | 'route_not_found'
  | 'cluster_not_found'
  | 'no_healthy_upstream'
  | 'connection_failure'
  | 'overflow'
  | 'upstream_response_timeout'
  | 'upstream_per_try_timeout'
  | 'upstream_reset'
  | 'protocol_error'
  | 'fault_filter_abort'
  | 'direct_response'
  | 'blackhole'
  | 'bad_request'
  | 'request_headers_too_large'
  | 'request_header_timeout'
  | 'stream_idle_timeout';

export interface LocalReply {
  code: LocalReplyCode;
  status: number;
  /** Envoy response flag (short form), or '' when none. */
  flag: string;
  /** %RESPONSE_CODE_DETAILS% */
  details: string;
  body: string;
}

const RESET_BODY = 'upstream connect error or disconnect/reset before headers. ';

/** Envoy's local replies, keyed by our stable code. */
export const LOCAL_REPLIES: Readonly<Record<LocalReplyCode, LocalReply>> = {
  // envoy source/common/router/router.cc: route not found -> 404, empty body, details route_not_found.
  route_not_found: {
    code: 'route_not_found',
    status: 404,
    flag: 'NR',
    details: 'route_not_found',
    body: '',
  },
  // router.cc: cluster missing -> 503 NC, details cluster_not_found (Envoy >= 1.18).
  cluster_not_found: {
    code: 'cluster_not_found',
    status: 503,
    flag: 'NC',
    details: 'cluster_not_found',
    body: '',
  },
  // router.cc onNoHealthyHost.
  no_healthy_upstream: {
    code: 'no_healthy_upstream',
    status: 503,
    flag: 'UH',
    details: 'no_healthy_upstream',
    body: 'no healthy upstream',
  },
  // A refused or unreachable upstream (Envoy >= 1.29 splits connection failure into local/remote).
  connection_failure: {
    code: 'connection_failure',
    status: 503,
    flag: 'UF',
    details: 'upstream_reset_before_response_started{remote_connection_failure}',
    body: RESET_BODY + 'reset reason: remote connection failure',
  },
  // Pool overflow (circuit breaker): 503 UO + x-envoy-overloaded: true.
  overflow: {
    code: 'overflow',
    status: 503,
    flag: 'UO',
    details: 'upstream_reset_before_response_started{overflow}',
    body: RESET_BODY + 'reset reason: overflow',
  },
  upstream_response_timeout: {
    code: 'upstream_response_timeout',
    status: 504,
    flag: 'UT',
    details: 'upstream_response_timeout',
    body: 'upstream request timeout',
  },
  upstream_per_try_timeout: {
    code: 'upstream_per_try_timeout',
    status: 504,
    flag: 'UT',
    details: 'upstream_per_try_timeout',
    body: 'upstream request timeout',
  },
  upstream_reset: {
    code: 'upstream_reset',
    status: 503,
    flag: 'UC',
    details: 'upstream_reset_before_response_started{connection_termination}',
    body: RESET_BODY + 'reset reason: connection termination',
  },
  // An upstream response the codec cannot parse: 502 UPE (router.cc onUpstreamReset: ProtocolError -> BadGateway).
  protocol_error: {
    code: 'protocol_error',
    status: 502,
    flag: 'UPE',
    details: 'upstream_reset_before_response_started{protocol_error}',
    body: RESET_BODY + 'reset reason: protocol error',
  },
  // envoy source/extensions/filters/http/fault/fault_filter.cc: body "fault filter abort".
  fault_filter_abort: {
    code: 'fault_filter_abort',
    status: 503,
    flag: 'FI',
    details: 'fault_filter_abort',
    body: 'fault filter abort',
  },
  direct_response: {
    code: 'direct_response',
    status: 200,
    flag: '',
    details: 'direct_response',
    body: '',
  },
  // istio/istio pilot/pkg/networking/core/httproute.go buildCatchAllVirtualHost: REGISTRY_ONLY -> direct 502.
  blackhole: { code: 'blackhole', status: 502, flag: '', details: 'direct_response', body: '' },
  bad_request: {
    code: 'bad_request',
    status: 400,
    flag: 'DPE',
    details: 'http1.codec_error',
    body: 'Bad Request',
  },
  // envoyproxy/envoy source/common/http/http1/codec_impl.cc: error_code_ RequestHeaderFieldsTooLarge,
  // sendProtocolError sends the code's reason phrase as the body (details set per limit).
  request_headers_too_large: {
    code: 'request_headers_too_large',
    status: 431,
    flag: 'DPE',
    details: 'http1.headers_too_large',
    body: 'Request Header Fields Too Large',
  },
  // envoyproxy/envoy source/common/http/conn_manager_impl.cc onRequestHeaderTimeout: 408 (request
  // not complete), body "request header timeout", details request_header_timeout.
  request_header_timeout: {
    code: 'request_header_timeout',
    status: 408,
    flag: '',
    details: 'request_header_timeout',
    body: 'request header timeout',
  },
  // conn_manager_impl.cc onIdleTimeout: flag SI, 408 while the request is not complete, body
  // "stream timeout", details stream_idle_timeout.
  stream_idle_timeout: {
    code: 'stream_idle_timeout',
    status: 408,
    flag: 'SI',
    details: 'stream_idle_timeout',
    body: 'stream timeout',
  },
};

/**
 * Envoy's Http::StreamResetReason as resetReasonToString spells it
 * (envoyproxy/envoy source/common/http/utility.cc Utility::resetReasonToString).
 */
export type UpstreamResetReason =
  | 'remote connection failure'
  | 'local connection failure'
  | 'connection timeout'
  | 'connection termination'
  | 'overflow'
  | 'protocol error'
  | 'remote reset'
  | 'local reset';

const RESET_REPLY: Readonly<Record<UpstreamResetReason, LocalReply>> = {
  'remote connection failure': LOCAL_REPLIES.connection_failure,
  'local connection failure': LOCAL_REPLIES.connection_failure,
  'connection timeout': LOCAL_REPLIES.connection_failure,
  'connection termination': LOCAL_REPLIES.upstream_reset,
  overflow: LOCAL_REPLIES.overflow,
  'protocol error': LOCAL_REPLIES.protocol_error,
  'remote reset': LOCAL_REPLIES.upstream_reset,
  'local reset': LOCAL_REPLIES.upstream_reset,
};

// router.cc streamResetReasonToResponseFlag: LR for a local reset, UR for a remote one.
const RESET_FLAG: Partial<Record<UpstreamResetReason, string>> = {
  'remote reset': 'UR',
  'local reset': 'LR',
};

/**
 * The local reply for an upstream reset before the response started, as Envoy's router writes it
 * (envoyproxy/envoy source/common/router/router.cc Filter::onUpstreamReset, Envoy 1.36 as Istio
 * 1.28 ships it): body "upstream connect error or disconnect/reset before headers. [retried and the
 * latest ]reset reason: R[, transport failure reason: T]"; details
 * "upstream_reset_before_response_started{R[|T]}" with every whitespace character replaced by `_`
 * (StringUtil::replaceAllEmptySpace).
 */
export function upstreamResetReply(
  reason: UpstreamResetReason,
  transportFailureReason: string | undefined,
  retried: boolean,
): LocalReply {
  const base = RESET_REPLY[reason];
  const tfr = transportFailureReason ?? '';
  const body =
    RESET_BODY +
    (retried ? 'retried and the latest ' : '') +
    'reset reason: ' +
    reason +
    (tfr ? ', transport failure reason: ' + tfr : '');
  const details = `upstream_reset_before_response_started{${reason}${tfr ? '|' + tfr : ''}}`;
  return {
    ...base,
    flag: RESET_FLAG[reason] ?? base.flag,
    details: details.replace(/[ \t\n\v\f\r]/g, '_'),
    body,
  };
}

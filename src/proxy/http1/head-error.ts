// Why a head (request or response) was refused: the status Envoy answers with, the
// %RESPONSE_CODE_DETAILS% it logs, and our own finer reason (the key of docs/http1-codec.md's tables).

/** A refused head. `reason` names the rule; `detail` is what Envoy's access log shows for it. */
export class HeadError {
  constructor(
    /** 400, 431 or 501 (what a server answers; an upstream response refusal becomes a 503 UPE). */
    readonly status: 400 | 431 | 501,
    /** Envoy's details string, e.g. `http1.codec_error` (envoyproxy/envoy source/common/http/http1/codec_impl.cc). */
    readonly detail: string,
    /** The rule that refused it, e.g. `obs_fold` (docs/http1-codec.md). */
    readonly reason: string,
  ) {}
}

// envoyproxy/envoy source/common/http/http1/codec_impl.cc Http1ResponseCodeDetailValues
export const DETAIL_CODEC_ERROR = 'http1.codec_error';
export const DETAIL_TOO_MANY_HEADERS = 'http1.too_many_headers';
export const DETAIL_HEADERS_TOO_LARGE = 'http1.headers_too_large';
export const DETAIL_INVALID_CHARACTERS = 'http1.invalid_characters';
export const DETAIL_INVALID_TRANSFER_ENCODING = 'http1.invalid_transfer_encoding';
export const DETAIL_CHUNKED_CONTENT_LENGTH = 'http1.content_length_and_chunked_not_allowed';
export const DETAIL_BODY_DISALLOWED = 'http1.body_disallowed';
export const DETAIL_INVALID_URL = 'http1.invalid_url';
export const DETAIL_INVALID_SCHEME = 'http1.invalid_scheme';
export const DETAIL_TRANSFER_ENCODING_NOT_ALLOWED = 'http1.transfer_encoding_not_allowed';
export const DETAIL_CONTENT_LENGTH_NOT_ALLOWED = 'http1.content_length_not_allowed';
// envoyproxy/envoy envoy/stream_info/stream_info.h ResponseCodeDetailValues::MissingHost
export const DETAIL_MISSING_HOST = 'missing_host_header';
// Switchyard's own (src/proxy/listener/request-checks.ts): checks llhttp leaves lenient.
export const DETAIL_DUPLICATE_HOST = 'http1.duplicate_host';
export const DETAIL_TRANSFER_ENCODING_HTTP10 = 'http1.transfer_encoding_http10';

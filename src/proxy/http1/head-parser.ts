// A strict HTTP/1.1 request-head and response-head parser for proxying (RFC 9112), over the bytes of
// one connection: the head is read once as a latin1 string, fields are slices of it, names are
// lower-cased once (only when they have upper case), and framing (Content-Length / chunked) is
// decided here with the refusals Envoy makes. Bodies are not touched (chunked-scanner.ts).
// Every refusal and leniency is listed in docs/http1-codec.md, which the differential fuzz against
// llhttp (test/http1-codec-differential.test.ts) reads.
import { parsePort, splitAuthority } from '../../units/index.js';
import {
  DETAIL_BODY_DISALLOWED,
  DETAIL_CHUNKED_CONTENT_LENGTH,
  DETAIL_CODEC_ERROR,
  DETAIL_CONTENT_LENGTH_NOT_ALLOWED,
  DETAIL_DUPLICATE_HOST,
  DETAIL_HEADERS_TOO_LARGE,
  DETAIL_INVALID_CHARACTERS,
  DETAIL_INVALID_SCHEME,
  DETAIL_INVALID_TRANSFER_ENCODING,
  DETAIL_INVALID_URL,
  DETAIL_MISSING_HOST,
  DETAIL_TOO_MANY_HEADERS,
  DETAIL_TRANSFER_ENCODING_HTTP10,
  DETAIL_TRANSFER_ENCODING_NOT_ALLOWED,
  HeadError,
} from './head-error.js';

export interface HeadLimits {
  /** More header fields than this -> 431 `http1.too_many_headers`. */
  maxHeadersCount: number;
  /** A head (start line through the empty line) longer than this -> 431 `http1.headers_too_large`. */
  maxHeadersBytes: number;
}

// envoyproxy/envoy envoy/http/codec_runtime_overrides.h DEFAULT_MAX_HEADERS_COUNT (100) and
// DEFAULT_MAX_REQUEST_HEADERS_KB (60); Balsa counts the whole head against the KB limit
// (envoyproxy/envoy source/common/http/http1/balsa_parser.cc set_max_header_length).
export const ENVOY_HEAD_LIMITS: HeadLimits = Object.freeze({
  maxHeadersCount: 100,
  maxHeadersBytes: 60 * 1024,
});

/** How the body after the head is delimited. `close`: until the connection closes (responses). */
export type BodyFraming = 'none' | 'length' | 'chunked' | 'close' | 'tunnel';
export type RequestTargetForm = 'origin' | 'absolute' | 'authority' | 'asterisk';

interface HeadCommon {
  /** HTTP/1.x minor version: 0 or 1. */
  versionMinor: number;
  /** Field names, lower-cased, in arrival order (parallel to `values`). */
  names: string[];
  /** Field values with leading and trailing whitespace removed. */
  values: string[];
  framing: BodyFraming;
  /** The Content-Length value, -1 when absent. */
  contentLength: number;
  /** The connection may carry another message after this one. */
  keepAlive: boolean;
  /** `Connection: upgrade` with an `Upgrade` field. */
  upgrade: boolean;
  /** Bytes the head took in the buffer (leading empty lines and the final CRLF included). */
  headLength: number;
}

export interface RequestHead extends HeadCommon {
  method: string;
  /** The request-target as received. */
  target: string;
  form: RequestTargetForm;
  /** Host of absolute-form/authority-form targets (RFC 9112 §3.2.2), else the Host field, else ''. */
  authority: string;
  /** Path and query (origin-form, or taken from an absolute-form target), fragment removed. */
  path: string;
  /** `http`/`https` from an absolute-form target, else ''. */
  scheme: string;
}

export interface ResponseHead extends HeadCommon {
  status: number;
  reason: string;
}

// Character classes, one table lookup per byte.
const TCHAR = 1; // RFC 9110 §5.6.2 token
const VALUE = 2; // RFC 9110 §5.5 field-vchar / SP / HTAB (obs-text included)
const TARGET = 4; // visible ASCII: what a request-target may hold (RFC 9112 §3.2, RFC 3986)
const CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  let k = 0;
  if ((c >= 0x21 && c <= 0x7e) || c >= 0x80 || c === 0x20 || c === 0x09) k |= VALUE;
  if (c >= 0x21 && c <= 0x7e) k |= TARGET;
  if (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c))
  )
    k |= TCHAR;
  CLASS[c] = k;
}
/** The class bits of a char code (NaN past the end of a string -> 0). */
const cls = (c: number): number => CLASS[c] ?? 0;

/** A token character (RFC 9110 §5.6.2): field names and methods. */
export const isTokenChar = (c: number): boolean => (cls(c) & TCHAR) !== 0;

// The methods Envoy accepts with allow_custom_methods off (its default):
// envoyproxy/envoy source/common/http/http1/balsa_parser.cc isMethodValid kValidMethods.
export const ENVOY_METHODS: ReadonlySet<string> = new Set([
  'ACL',
  'BIND',
  'CHECKOUT',
  'CONNECT',
  'COPY',
  'DELETE',
  'GET',
  'HEAD',
  'LINK',
  'LOCK',
  'MERGE',
  'MKACTIVITY',
  'MKCALENDAR',
  'MKCOL',
  'MOVE',
  'MSEARCH',
  'NOTIFY',
  'OPTIONS',
  'PATCH',
  'POST',
  'PROPFIND',
  'PROPPATCH',
  'PURGE',
  'PUT',
  'REBIND',
  'REPORT',
  'SEARCH',
  'SOURCE',
  'SUBSCRIBE',
  'TRACE',
  'UNBIND',
  'UNLINK',
  'UNLOCK',
  'UNSUBSCRIBE',
]);

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

const err = (status: 400 | 431 | 501, detail: string, reason: string) =>
  new HeadError(status, detail, reason);
const codecError = (reason: string) => err(400, DETAIL_CODEC_ERROR, reason);

/**
 * Where the head starting at `start` ends (index after its empty line), -1 while incomplete, or the
 * error a partial head already shows (too large, bare LF, bare CR) so a drip-fed bad head is refused
 * before the size limit.
 */
function headEnd(buf: Buffer, start: number, limits: HeadLimits, seen: number): number | HeadError {
  // Bytes a previous call saw are not searched again (a drip-fed head costs linear time).
  const from = Math.max(start, seen - 3);
  const end = buf.indexOf(HEAD_END, from);
  if (end >= 0) {
    if (end + 4 - start > limits.maxHeadersBytes)
      return err(431, DETAIL_HEADERS_TOO_LARGE, 'headers_too_large');
    return end + 4;
  }
  if (buf.length - start > limits.maxHeadersBytes)
    return err(431, DETAIL_HEADERS_TOO_LARGE, 'headers_too_large');
  // Bare LF policy: refused (RFC 9112 §2.2 allows a recipient to accept it; a proxy that splits
  // lines where the upstream does not is a smuggling vector).
  for (let i = buf.indexOf(10, from); i >= 0; i = buf.indexOf(10, i + 1)) {
    if (i === start || buf[i - 1] !== 13) return codecError('bare_lf');
  }
  for (let i = buf.indexOf(13, Math.max(start, seen - 1)); i >= 0; i = buf.indexOf(13, i + 1)) {
    if (i + 1 < buf.length && buf[i + 1] !== 10) return codecError('bare_cr');
  }
  return -1;
}

/** Skips the empty lines a client may send before a request-line (RFC 9112 §2.2). */
function skipEmptyLines(buf: Buffer, start: number): number | HeadError {
  let i = start;
  while (i < buf.length && buf[i] === 13) {
    if (i + 1 >= buf.length) return i; // incomplete: decided when more arrives
    if (buf[i + 1] !== 10) return codecError('bare_cr');
    i += 2;
  }
  if (i < buf.length && buf[i] === 10) return codecError('bare_lf');
  return i;
}

/** The fields of a head, and the framing fields Envoy's codec looks at. */
interface Fields {
  names: string[];
  values: string[];
  contentLength: number;
  contentLengthText: string | undefined;
  teCount: number;
  te: string;
  hostCount: number;
  host: string;
  close: boolean;
  keepAliveToken: boolean;
  upgradeToken: boolean;
  upgradeField: boolean;
}

/** Parses header lines of `s` from `i` (each ends in CRLF; `s` ends after the last one). */
function parseFields(s: string, i: number, limits: HeadLimits): Fields | HeadError {
  const n = s.length;
  const f: Fields = {
    names: [],
    values: [],
    contentLength: -1,
    contentLengthText: undefined,
    teCount: 0,
    te: '',
    hostCount: 0,
    host: '',
    close: false,
    keepAliveToken: false,
    upgradeToken: false,
    upgradeField: false,
  };
  let count = 0;
  while (i < n) {
    let c = s.charCodeAt(i);
    // obs-fold (RFC 9112 §5.2: a server may reject it with 400), or whitespace before the first field
    // (RFC 9112 §2.2: reject). Envoy's Balsa joins folded lines; we refuse.
    if (c === 32 || c === 9) return codecError(count === 0 ? 'leading_whitespace' : 'obs_fold');
    const nameStart = i;
    let upper = false;
    while (cls(c) & TCHAR) {
      if (c >= 65 && c <= 90) upper = true;
      c = s.charCodeAt(++i);
    }
    if (c !== 58) {
      // RFC 9112 §5.1: no whitespace between field name and colon, MUST reject with 400.
      if (c === 32 || c === 9) return codecError('space_before_colon');
      if (c === 13) return codecError(s.charCodeAt(i + 1) === 10 ? 'missing_colon' : 'bare_cr');
      if (c === 10) return codecError('bare_lf');
      return codecError('invalid_header_name');
    }
    if (i === nameStart) return codecError('empty_header_name');
    const nameEnd = i;
    c = s.charCodeAt(++i);
    while (c === 32 || c === 9) c = s.charCodeAt(++i);
    const valueStart = i;
    let valueEnd = i;
    for (;;) {
      // field-vchar (VCHAR, obs-text) extends the value; SP/HTAB may be trailing whitespace.
      if (c > 32 && c !== 127) valueEnd = ++i;
      else if (c === 32 || c === 9) i++;
      else break;
      c = s.charCodeAt(i);
    }
    if (c !== 13) {
      if (c === 10) return codecError('bare_lf');
      // NUL and other controls: envoyproxy/envoy source/common/http/http1/codec_impl.cc
      // onHeaderValueImpl headerValueIsValid -> http1.invalid_characters.
      return err(400, DETAIL_INVALID_CHARACTERS, c === 0 ? 'nul' : 'invalid_header_value');
    }
    if (s.charCodeAt(i + 1) !== 10) return codecError('bare_cr');
    const cr = i;
    i += 2;
    if (++count > limits.maxHeadersCount)
      return err(431, DETAIL_TOO_MANY_HEADERS, 'too_many_headers');
    let name = s.slice(nameStart, nameEnd);
    if (upper) name = name.toLowerCase();
    const value = s.slice(valueStart, valueEnd);
    f.names.push(name);
    f.values.push(value);
    switch (name.length) {
      case 4:
        if (name === 'host') {
          f.hostCount++;
          f.host = value;
        }
        break;
      case 7:
        if (name === 'upgrade') f.upgradeField = true;
        break;
      case 10:
        if (name === 'connection') connectionTokens(value, f);
        break;
      case 14:
        if (name === 'content-length') {
          // A tab after a framing value is refused, as llhttp refuses it.
          if (s.lastIndexOf('\t', cr) >= valueEnd) return codecError('tab_after_framing_value');
          // Envoy sets Balsa's disallow_multiple_content_length: a second Content-Length field is an
          // error even when equal (envoyproxy/envoy source/common/http/http1/balsa_parser.cc).
          if (f.contentLengthText !== undefined) return codecError('multiple_content_length');
          const cl = parseContentLength(value);
          if (cl < 0) return codecError('invalid_content_length');
          f.contentLength = cl;
          f.contentLengthText = value;
        }
        break;
      case 17:
        if (name === 'transfer-encoding') {
          if (s.lastIndexOf('\t', cr) >= valueEnd) return codecError('tab_after_framing_value');
          f.teCount++;
          f.te = value;
        }
        break;
    }
  }
  return f;
}

/** 1*DIGIT (RFC 9110 §8.6) up to 2^53-1; -1 when not. No sign, no list, no whitespace inside. */
function parseContentLength(v: string): number {
  if (v.length === 0 || v.length > 15) return -1;
  let n = 0;
  for (let k = 0; k < v.length; k++) {
    const d = v.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Reads the `close`, `keep-alive` and `upgrade` tokens of a Connection field (RFC 9110 §7.6.1). */
function connectionTokens(v: string, f: Fields): void {
  let k = 0;
  while (k <= v.length) {
    let e = v.indexOf(',', k);
    if (e < 0) e = v.length;
    let a = k;
    let b = e;
    while (a < b && (v.charCodeAt(a) === 32 || v.charCodeAt(a) === 9)) a++;
    while (b > a && (v.charCodeAt(b - 1) === 32 || v.charCodeAt(b - 1) === 9)) b--;
    const len = b - a;
    if (len === 5 || len === 10 || len === 7) {
      const t = v.slice(a, b).toLowerCase();
      if (t === 'close') f.close = true;
      else if (t === 'keep-alive') f.keepAliveToken = true;
      else if (t === 'upgrade') f.upgradeToken = true;
    }
    k = e + 1;
  }
}

const isChunked = (te: string) => te.length === 7 && te.toLowerCase() === 'chunked';

/**
 * Parses the request head at `buf[start..]`. Returns the head, a HeadError (answer it and close the
 * connection), or `undefined` while the head is incomplete. When more bytes arrive, call again with
 * the grown buffer and `seen` = the buffer's previous length, so earlier bytes are not rescanned.
 */
export function parseRequestHead(
  buf: Buffer,
  start = 0,
  limits: HeadLimits = ENVOY_HEAD_LIMITS,
  seen = 0,
): RequestHead | HeadError | undefined {
  const from = skipEmptyLines(buf, start);
  if (from instanceof HeadError) return from;
  const end = headEnd(buf, from, limits, seen);
  if (end instanceof HeadError) return end;
  if (end < 0) return undefined;
  // The head minus its empty line: every line of `s` ends in CRLF.
  const s = buf.toString('latin1', from, end - 2);
  let i = 0;
  let c = s.charCodeAt(0);
  while (cls(c) & TCHAR) c = s.charCodeAt(++i);
  if (i === 0 || c !== 32) return codecError(c === 10 ? 'bare_lf' : 'invalid_method');
  const method = s.slice(0, i);
  if (!ENVOY_METHODS.has(method)) return codecError('unknown_method');
  const targetStart = ++i;
  c = s.charCodeAt(i);
  while (cls(c) & TARGET) c = s.charCodeAt(++i);
  if (i === targetStart || c !== 32) {
    return codecError(i === targetStart && c === 32 ? 'extra_space' : 'invalid_target');
  }
  const target = s.slice(targetStart, i);
  // One SP between the parts (RFC 9112 §3); llhttp lets more through before the version.
  if (s.charCodeAt(++i) === 32) return codecError('extra_space');
  const minor = s.charCodeAt(i + 7) - 48;
  if (!s.startsWith('HTTP/1.', i) || (minor !== 0 && minor !== 1)) {
    return codecError('invalid_version');
  }
  if (s.charCodeAt(i + 8) !== 13) {
    return codecError(s.charCodeAt(i + 8) === 10 ? 'bare_lf' : 'invalid_version');
  }
  if (s.charCodeAt(i + 9) !== 10) return codecError('bare_cr');
  const fields = parseFields(s, i + 10, limits);
  if (fields instanceof HeadError) return fields;

  // Request-target forms (RFC 9112 §3.2).
  let form: RequestTargetForm;
  let authority = fields.host;
  let path = target;
  let scheme = '';
  const t0 = target.charCodeAt(0);
  if (method === 'CONNECT') {
    // authority-form only, host and port (RFC 9112 §3.2.3); envoyproxy/envoy
    // source/common/http/http1/codec_impl.cc handlePath -> http1.invalid_url.
    const { host, port } = splitAuthority(target);
    if (host === '' || parsePort(port) === undefined || !isAuthority(target)) {
      return err(400, DETAIL_INVALID_URL, 'invalid_connect_target');
    }
    form = 'authority';
    authority = target;
    path = '';
  } else if (t0 === 47 /* / */) {
    form = 'origin';
  } else if (t0 === 42 /* * */) {
    // asterisk-form is only for a server-wide OPTIONS (RFC 9112 §3.2.4).
    if (target.length !== 1 || method !== 'OPTIONS') return codecError('invalid_target');
    form = 'asterisk';
  } else {
    const abs = absoluteTarget(target);
    if (abs instanceof HeadError) return abs;
    form = 'absolute';
    // RFC 9112 §3.2.2: the target's authority replaces Host; envoyproxy/envoy
    // source/common/http/http1/codec_impl.cc handlePath sets Host from the URL.
    authority = abs.authority;
    path = abs.path;
    scheme = abs.scheme;
  }
  // The fragment is never part of the path sent on (RFC 9112 §3.2.1); Envoy under Istio strips it
  // (istio/istio pkg/bootstrap/config.go sets http_reject_path_with_fragment false).
  const hash = path.indexOf('#');
  if (hash >= 0) path = path.slice(0, hash);

  if (fields.hostCount > 1) return err(400, DETAIL_DUPLICATE_HOST, 'duplicate_host');
  // RFC 9112 §3.2: an HTTP/1.1 request without Host is answered 400.
  if (minor === 1 && fields.hostCount === 0 && (form === 'origin' || form === 'asterisk')) {
    return err(400, DETAIL_MISSING_HOST, 'missing_host');
  }

  const framing = requestFraming(method, minor, fields);
  if (framing instanceof HeadError) return framing;
  return {
    method,
    target,
    form,
    authority,
    path,
    scheme,
    versionMinor: minor,
    names: fields.names,
    values: fields.values,
    framing,
    contentLength: fields.contentLength,
    keepAlive: minor === 1 ? !fields.close : fields.keepAliveToken && !fields.close,
    upgrade: fields.upgradeToken && fields.upgradeField,
    headLength: end - start,
  };
}

/** CL/TE rules of envoyproxy/envoy source/common/http/http1/codec_impl.cc onHeadersCompleteImpl. */
function requestFraming(method: string, minor: number, f: Fields): BodyFraming | HeadError {
  if (f.teCount > 0) {
    // Both present: refused unless allow_chunked_length (off by default).
    if (f.contentLengthText !== undefined) {
      return err(400, DETAIL_CHUNKED_CONTENT_LENGTH, 'content_length_and_transfer_encoding');
    }
    // Only exactly `chunked` (one field), and never on CONNECT -> 501.
    if (f.teCount > 1 || !isChunked(f.te) || method === 'CONNECT') {
      return err(501, DETAIL_INVALID_TRANSFER_ENCODING, 'transfer_encoding_not_chunked');
    }
    // RFC 9112 §6.1: TE on HTTP/1.0 may be faked; a proxy closes after it (request-checks.ts).
    if (minor === 0) return err(400, DETAIL_TRANSFER_ENCODING_HTTP10, 'transfer_encoding_http10');
    return 'chunked';
  }
  if (method === 'CONNECT') {
    // A CONNECT body has no meaning (RFC 9110 §9.3.6): Content-Length 0 is dropped, else 400.
    if (f.contentLength > 0) return err(400, DETAIL_BODY_DISALLOWED, 'connect_with_body');
    return 'tunnel';
  }
  return f.contentLength > 0 ? 'length' : 'none';
}

// The characters of a URL authority (RFC 3986 §3.2: unreserved, sub-delims, ':', '[', ']', '%'),
// as envoyproxy/envoy source/common/http/http1/balsa_parser.cc isUrlValid allows, without '@'.
const AUTHORITY = new Uint8Array(128);
for (const ch of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!$%&'()*+,-.:;=[]_~")
  AUTHORITY[ch.charCodeAt(0)] = 1;
function isAuthority(a: string): boolean {
  for (let k = 0; k < a.length; k++) if (AUTHORITY[a.charCodeAt(k)] !== 1) return false;
  return true;
}

/** `scheme://authority[path][?query]` with scheme http or https, authority without userinfo. */
function absoluteTarget(
  target: string,
): { scheme: string; authority: string; path: string } | HeadError {
  const sep = target.indexOf('://');
  if (sep <= 0) return codecError('invalid_target');
  const scheme = target.slice(0, sep).toLowerCase();
  if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) return codecError('invalid_target');
  // envoyproxy/envoy source/common/http/http1/codec_impl.cc handlePath: only http/https schemes.
  if (scheme !== 'http' && scheme !== 'https')
    return err(400, DETAIL_INVALID_SCHEME, 'invalid_scheme');
  const aStart = sep + 3;
  let aEnd = aStart;
  while (aEnd < target.length) {
    const c = target.charCodeAt(aEnd);
    if (c === 47 || c === 63 || c === 35) break;
    aEnd++;
  }
  const authority = target.slice(aStart, aEnd);
  // The http(s) URI has no userinfo (RFC 9110 §4.2.4: treat as an error); an empty host is invalid.
  if (authority === '' || !isAuthority(authority))
    return err(400, DETAIL_INVALID_URL, 'invalid_authority');
  let path = target.slice(aEnd);
  // A fragment straight after the authority is refused, as llhttp refuses it.
  if (path.charCodeAt(0) === 35) return codecError('invalid_target');
  if (path === '' || path.charCodeAt(0) !== 47) path = '/' + path;
  return { scheme, authority, path };
}

/**
 * Parses the response head at `buf[start..]` to a request with `requestMethod` (HEAD and CONNECT
 * change the framing, RFC 9112 §6.3). Returns the head, a HeadError (the upstream broke the protocol),
 * or `undefined` while incomplete. 1xx heads are returned as such; the caller reads the next head.
 */
export function parseResponseHead(
  buf: Buffer,
  requestMethod: string,
  start = 0,
  limits: HeadLimits = ENVOY_HEAD_LIMITS,
  seen = 0,
): ResponseHead | HeadError | undefined {
  // Empty lines before a status line are skipped, as llhttp skips them.
  const from = skipEmptyLines(buf, start);
  if (from instanceof HeadError) return from;
  const end = headEnd(buf, from, limits, seen);
  if (end instanceof HeadError) return end;
  if (end < 0) return undefined;
  const s = buf.toString('latin1', from, end - 2);
  // status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4)
  const minor = s.charCodeAt(7) - 48;
  if (!s.startsWith('HTTP/1.') || (minor !== 0 && minor !== 1))
    return codecError('invalid_version');
  if (s.charCodeAt(8) !== 32) return codecError('invalid_status_line');
  let status = 0;
  for (let k = 9; k < 12; k++) {
    const d = s.charCodeAt(k) - 48;
    if (!(d >= 0 && d <= 9)) return codecError('invalid_status');
    status = status * 10 + d;
  }
  if (status < 100) return codecError('invalid_status');
  let i = 12;
  let c = s.charCodeAt(i);
  let reason = '';
  // A missing SP + reason (`HTTP/1.1 200\r\n`) is accepted, as llhttp and Balsa accept it.
  if (c === 32) {
    const rs = ++i;
    c = s.charCodeAt(i);
    while (c !== 13) {
      if (!(cls(c) & VALUE)) return codecError(c === 10 ? 'bare_lf' : 'invalid_reason');
      c = s.charCodeAt(++i);
    }
    reason = s.slice(rs, i);
  } else if (c !== 13) {
    return codecError(c === 10 ? 'bare_lf' : 'invalid_status');
  }
  if (s.charCodeAt(i + 1) !== 10) return codecError('bare_cr');
  const fields = parseFields(s, i + 2, limits);
  if (fields instanceof HeadError) return fields;
  const framing = responseFraming(status, requestMethod, fields);
  if (framing instanceof HeadError) return framing;
  return {
    status,
    reason,
    versionMinor: minor,
    names: fields.names,
    values: fields.values,
    framing,
    contentLength: fields.contentLength,
    keepAlive:
      framing !== 'close' && (minor === 1 ? !fields.close : fields.keepAliveToken && !fields.close),
    upgrade: fields.upgradeToken && fields.upgradeField,
    headLength: end - start,
  };
}

/** RFC 9112 §6.3 with Envoy's refusals (envoyproxy/envoy source/common/http/http1/codec_impl.cc). */
function responseFraming(status: number, method: string, f: Fields): BodyFraming | HeadError {
  // ClientConnectionImpl::onHeadersCompleteBase: no TE, and no Content-Length but "0", on 1xx/204.
  if (status < 200 || status === 204) {
    if (f.teCount > 0) {
      return err(400, DETAIL_TRANSFER_ENCODING_NOT_ALLOWED, 'transfer_encoding_not_allowed');
    }
    if (f.contentLengthText !== undefined && f.contentLengthText !== '0') {
      return err(400, DETAIL_CONTENT_LENGTH_NOT_ALLOWED, 'content_length_not_allowed');
    }
    return status === 101 ? 'tunnel' : 'none';
  }
  if (f.teCount > 0) {
    if (f.contentLengthText !== undefined) {
      return err(400, DETAIL_CHUNKED_CONTENT_LENGTH, 'content_length_and_transfer_encoding');
    }
    if (f.teCount > 1 || !isChunked(f.te)) {
      return err(501, DETAIL_INVALID_TRANSFER_ENCODING, 'transfer_encoding_not_chunked');
    }
  }
  if (method === 'HEAD' || status === 304) return 'none';
  if (method === 'CONNECT' && status < 300) return 'tunnel';
  if (f.teCount > 0) return 'chunked';
  if (f.contentLength >= 0) return f.contentLength > 0 ? 'length' : 'none';
  return 'close';
}

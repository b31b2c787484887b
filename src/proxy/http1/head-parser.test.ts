// The strict head parser: RFC 9112 syntax, Envoy's CL/TE refusals and limits, and a request-smuggling
// corpus (CL.TE, TE.CL, TE.TE obfuscations). Each refusal names Envoy's status and details, cited in
// head-parser.ts; the ones stricter than Envoy or llhttp are listed in docs/http1-codec.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeadError } from './head-error.js';
import {
  ENVOY_HEAD_LIMITS,
  parseRequestHead,
  parseResponseHead,
  type RequestHead,
  type ResponseHead,
} from './head-parser.js';

const req = (text: string) => parseRequestHead(Buffer.from(text, 'latin1'));
const res = (text: string, method = 'GET') =>
  parseResponseHead(Buffer.from(text, 'latin1'), method);
function ok(r: RequestHead | HeadError | undefined): RequestHead {
  assert.ok(r && !(r instanceof HeadError), `expected a head, got ${JSON.stringify(r)}`);
  return r;
}
function okRes(r: ResponseHead | HeadError | undefined): ResponseHead {
  assert.ok(r && !(r instanceof HeadError), `expected a head, got ${JSON.stringify(r)}`);
  return r;
}
function refused(r: unknown, status: number, detail: string, reason?: string): void {
  assert.ok(r instanceof HeadError, `expected a refusal, got ${JSON.stringify(r)}`);
  assert.equal(r.status, status);
  assert.equal(r.detail, detail);
  if (reason) assert.equal(r.reason, reason);
}

test('parses a request head: lower-cased names, trimmed values, framing, head length', () => {
  const text = 'POST /a?b=1 HTTP/1.1\r\nHost: x.test\r\nContent-Length: 5\r\nX-A:  v 1 \t\r\n\r\n';
  const h = ok(req(text + 'hello'));
  assert.equal(h.method, 'POST');
  assert.equal(h.target, '/a?b=1');
  assert.equal(h.path, '/a?b=1');
  assert.equal(h.form, 'origin');
  assert.equal(h.authority, 'x.test');
  assert.deepEqual(h.names, ['host', 'content-length', 'x-a']);
  assert.deepEqual(h.values, ['x.test', '5', 'v 1']);
  assert.equal(h.framing, 'length');
  assert.equal(h.contentLength, 5);
  assert.equal(h.keepAlive, true);
  assert.equal(h.headLength, text.length);
});

test('an incomplete head is undefined; the same head complete parses', () => {
  assert.equal(req('GET / HTTP/1.1\r\nHost: a\r\n'), undefined);
  assert.equal(req('GET / HTTP/1.1\r\nHost: a\r\n\r'), undefined);
  ok(req('GET / HTTP/1.1\r\nHost: a\r\n\r\n'));
});

test('a head drip-fed a byte at a time parses once complete, each call looking at new bytes only', () => {
  const text = `GET / HTTP/1.1\r\nHost: a\r\nx: ${'v'.repeat(20_000)}\r\n\r\n`;
  const all = Buffer.from(text, 'latin1');
  let seen = 0;
  let result: RequestHead | HeadError | undefined;
  for (let n = 1; n <= all.length; n++) {
    result = parseRequestHead(all.subarray(0, n), 0, ENVOY_HEAD_LIMITS, seen);
    if (n < all.length) assert.equal(result, undefined);
    seen = n;
  }
  assert.equal(ok(result).values[1]!.length, 20_000);
  // A bare LF in the new bytes is still found.
  const bad = Buffer.from('GET / HTTP/1.1\r\nHost: a\nX', 'latin1');
  refused(
    parseRequestHead(bad, 0, ENVOY_HEAD_LIMITS, bad.length - 2),
    400,
    'http1.codec_error',
    'bare_lf',
  );
});

test('skips empty lines before a request or status line (RFC 9112 §2.2); a lone CR is refused', () => {
  assert.equal(okRes(res('\r\nHTTP/1.1 204 No Content\r\n\r\n')).status, 204);
  refused(res('\rHTTP/1.1 204 No Content\r\n\r\n'), 400, 'http1.codec_error', 'bare_cr');
  const h = ok(req('\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n'));
  assert.equal(h.headLength, 4 + 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'.length);
});

test('keep-alive: HTTP/1.1 unless close; HTTP/1.0 only with keep-alive', () => {
  assert.equal(ok(req('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')).keepAlive, false);
  assert.equal(ok(req('GET / HTTP/1.0\r\n\r\n')).keepAlive, false);
  assert.equal(ok(req('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n')).keepAlive, true);
  const up = ok(
    req(
      'GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n',
    ),
  );
  assert.equal(up.upgrade, true);
});

test('request-target forms (RFC 9112 §3.2): absolute-form authority replaces Host (Envoy handlePath)', () => {
  const abs = ok(req('GET http://B.test:8080?q HTTP/1.1\r\nHost: a\r\n\r\n'));
  assert.equal(abs.form, 'absolute');
  assert.equal(abs.authority, 'B.test:8080');
  assert.equal(abs.path, '/?q');
  assert.equal(abs.scheme, 'http');
  assert.equal(ok(req('GET https://b/x/y HTTP/1.1\r\n\r\n')).path, '/x/y');
  const con = ok(req('CONNECT b.test:443 HTTP/1.1\r\nHost: b.test:443\r\n\r\n'));
  assert.equal(con.form, 'authority');
  assert.equal(con.authority, 'b.test:443');
  assert.equal(con.framing, 'tunnel');
  assert.equal(ok(req('OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n')).form, 'asterisk');
  refused(req('GET * HTTP/1.1\r\nHost: a\r\n\r\n'), 400, 'http1.codec_error', 'invalid_target');
  refused(req('CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n'), 400, 'http1.invalid_url');
  refused(req('CONNECT b.test HTTP/1.1\r\nHost: a\r\n\r\n'), 400, 'http1.invalid_url');
  refused(req('GET b.test:80 HTTP/1.1\r\nHost: a\r\n\r\n'), 400, 'http1.codec_error');
  refused(req('GET ftp://b/ HTTP/1.1\r\nHost: a\r\n\r\n'), 400, 'http1.invalid_scheme');
  refused(req('GET http://u@b/ HTTP/1.1\r\nHost: a\r\n\r\n'), 400, 'http1.invalid_url');
  refused(req('GET http://b"c/ HTTP/1.1\r\nHost: a\r\n\r\n'), 400, 'http1.invalid_url');
});

test('the fragment is dropped from the path, kept in the target (Istio strips it)', () => {
  const h = ok(req('GET /p?q#frag HTTP/1.1\r\nHost: a\r\n\r\n'));
  assert.equal(h.path, '/p?q');
  assert.equal(h.target, '/p?q#frag');
});

test("methods: Envoy's list without allow_custom_methods (balsa_parser.cc isMethodValid)", () => {
  ok(req('PURGE / HTTP/1.1\r\nHost: a\r\n\r\n'));
  refused(req('FOO / HTTP/1.1\r\nHost: a\r\n\r\n'), 400, 'http1.codec_error', 'unknown_method');
  refused(req('get / HTTP/1.1\r\nHost: a\r\n\r\n'), 400, 'http1.codec_error', 'unknown_method');
  refused(req('G(T / HTTP/1.1\r\nHost: a\r\n\r\n'), 400, 'http1.codec_error', 'invalid_method');
  refused(req('GET  / HTTP/1.1\r\nHost: a\r\n\r\n'), 400, 'http1.codec_error', 'extra_space');
  refused(req('GET /  HTTP/1.1\r\nHost: a\r\n\r\n'), 400, 'http1.codec_error', 'extra_space');
});

test('versions: HTTP/1.0 and HTTP/1.1 only', () => {
  for (const v of ['HTTP/2.0', 'HTTP/1.2', 'HTTP/0.9', 'HTTP/1.1 ', 'http/1.1', 'HTTP/1']) {
    refused(req(`GET / ${v}\r\nHost: a\r\n\r\n`), 400, 'http1.codec_error');
  }
  refused(req('GET /\r\nHost: a\r\n\r\n'), 400, 'http1.codec_error');
});

test('field syntax: whitespace before colon, obs-fold, empty name, no colon -> 400 (RFC 9112 §5)', () => {
  refused(
    req('GET / HTTP/1.1\r\nHost : a\r\n\r\n'),
    400,
    'http1.codec_error',
    'space_before_colon',
  );
  refused(
    req('GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n'),
    400,
    'http1.codec_error',
    'obs_fold',
  );
  refused(
    req('GET / HTTP/1.1\r\n Host: a\r\n\r\n'),
    400,
    'http1.codec_error',
    'leading_whitespace',
  );
  refused(
    req('GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n'),
    400,
    'http1.codec_error',
    'empty_header_name',
  );
  refused(
    req('GET / HTTP/1.1\r\nHost: a\r\nfoo\r\n\r\n'),
    400,
    'http1.codec_error',
    'missing_colon',
  );
  refused(
    req('GET / HTTP/1.1\r\nHost: a\r\nx(y): b\r\n\r\n'),
    400,
    'http1.codec_error',
    'invalid_header_name',
  );
});

test('bare CR and bare LF are refused, in the head and while it is incomplete', () => {
  refused(req('GET / HTTP/1.1\nHost: a\r\n\r\n'), 400, 'http1.codec_error', 'bare_lf');
  refused(req('GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n'), 400, 'http1.codec_error', 'bare_lf');
  refused(req('GET / HTTP/1.1\r\nHost: a\n\n'), 400, 'http1.codec_error', 'bare_lf');
  refused(req('GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n'), 400, 'http1.codec_error', 'bare_cr');
  refused(req('GET / HTTP/1.1\r\nHost: a\rb'), 400, 'http1.codec_error', 'bare_cr');
  refused(req('\nGET / HTTP/1.1\r\nHost: a\r\n\r\n'), 400, 'http1.codec_error', 'bare_lf');
});

test('NUL and controls in a value -> 400 http1.invalid_characters (codec_impl.cc onHeaderValueImpl)', () => {
  refused(
    req('GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n'),
    400,
    'http1.invalid_characters',
    'nul',
  );
  refused(req('GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n'), 400, 'http1.invalid_characters');
  refused(req('GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n'), 400, 'http1.invalid_characters');
  assert.deepEqual(ok(req('GET / HTTP/1.1\r\nHost: a\r\nX: caf\xe9\r\n\r\n')).values[1], 'caf\xe9');
  refused(req('GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n'), 400, 'http1.codec_error', 'invalid_target');
});

test('Host: missing on HTTP/1.1 -> 400 missing_host_header; duplicate -> 400 http1.duplicate_host', () => {
  refused(req('GET / HTTP/1.1\r\n\r\n'), 400, 'missing_host_header');
  ok(req('GET / HTTP/1.0\r\n\r\n'));
  refused(req('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'), 400, 'http1.duplicate_host');
});

test('limits: 100 fields and 60 KiB of head, as Envoy defaults -> 431', () => {
  const fields = (n: number) => Array.from({ length: n }, (_, k) => `x-${k}: v\r\n`).join('');
  ok(req(`GET / HTTP/1.1\r\nHost: a\r\n${fields(ENVOY_HEAD_LIMITS.maxHeadersCount - 1)}\r\n`));
  refused(req(`GET / HTTP/1.1\r\nHost: a\r\n${fields(100)}\r\n`), 431, 'http1.too_many_headers');
  const pad = (n: number) => `GET / HTTP/1.1\r\nHost: a\r\nx: ${'v'.repeat(n)}\r\n\r\n`;
  const base = pad(0).length;
  ok(req(pad(60 * 1024 - base)));
  refused(req(pad(60 * 1024 - base + 1)), 431, 'http1.headers_too_large');
  // An endless head is refused once it passes the limit, before it completes.
  refused(req(`GET / HTTP/1.1\r\nx: ${'v'.repeat(61 * 1024)}`), 431, 'http1.headers_too_large');
});

// Request smuggling (CL.TE, TE.CL, TE.TE): every ambiguous framing is refused with Envoy's answer.
const smuggling: [string, string, number, string][] = [
  [
    'CL.TE',
    'Content-Length: 6\r\nTransfer-Encoding: chunked',
    400,
    'http1.content_length_and_chunked_not_allowed',
  ],
  [
    'TE.CL',
    'Transfer-Encoding: chunked\r\nContent-Length: 6',
    400,
    'http1.content_length_and_chunked_not_allowed',
  ],
  ['TE xchunked', 'Transfer-Encoding: xchunked', 501, 'http1.invalid_transfer_encoding'],
  [
    'TE chunked, identity',
    'Transfer-Encoding: chunked, identity',
    501,
    'http1.invalid_transfer_encoding',
  ],
  ['TE gzip, chunked', 'Transfer-Encoding: gzip, chunked', 501, 'http1.invalid_transfer_encoding'],
  [
    'TE twice',
    'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked',
    501,
    'http1.invalid_transfer_encoding',
  ],
  [
    'TE chunked + identity fields',
    'Transfer-Encoding: chunked\r\nTransfer-Encoding: identity',
    501,
    'http1.invalid_transfer_encoding',
  ],
  ['TE quoted', 'Transfer-Encoding: "chunked"', 501, 'http1.invalid_transfer_encoding'],
  ['TE with comma', 'Transfer-Encoding: chunked,', 501, 'http1.invalid_transfer_encoding'],
  ['TE space before colon', 'Transfer-Encoding : chunked', 400, 'http1.codec_error'],
  ['TE tab in name', 'Transfer-Encoding\t: chunked', 400, 'http1.codec_error'],
  ['TE obs-fold', 'Transfer-Encoding:\r\n chunked', 400, 'http1.codec_error'],
  ['TE vertical tab', 'Transfer-Encoding:\x0bchunked', 400, 'http1.invalid_characters'],
  ['TE NUL', 'Transfer-Encoding: chunked\0', 400, 'http1.invalid_characters'],
  ['TE bare CR', 'Transfer-Encoding: chunked\rX: y', 400, 'http1.codec_error'],
  [
    'TE underscore name (different field)',
    'Transfer_Encoding: chunked\r\nContent-Length: 1',
    200,
    '',
  ],
  ['CL twice equal', 'Content-Length: 5\r\nContent-Length: 5', 400, 'http1.codec_error'],
  ['CL twice differing', 'Content-Length: 5\r\nContent-Length: 6', 400, 'http1.codec_error'],
  ['CL list', 'Content-Length: 5, 5', 400, 'http1.codec_error'],
  ['CL signed', 'Content-Length: +5', 400, 'http1.codec_error'],
  ['CL negative', 'Content-Length: -1', 400, 'http1.codec_error'],
  ['CL hex', 'Content-Length: 0x5', 400, 'http1.codec_error'],
  ['CL huge', 'Content-Length: 99999999999999999999', 400, 'http1.codec_error'],
  ['CL empty', 'Content-Length:', 400, 'http1.codec_error'],
  ['CL tab after value', 'Content-Length: 1\t', 400, 'http1.codec_error'],
  ['TE tab after value', 'Transfer-Encoding: chunked\t', 400, 'http1.codec_error'],
  ['CL space before colon', 'Content-Length : 5', 400, 'http1.codec_error'],
];
for (const [name, fields, status, detail] of smuggling) {
  test(`smuggling corpus: ${name} -> ${status} ${detail || 'accepted'}`, () => {
    const r = req(`POST / HTTP/1.1\r\nHost: a\r\n${fields}\r\n\r\n0\r\n\r\n`);
    if (status === 200) ok(r);
    else refused(r, status, detail);
  });
}

test('chunked on HTTP/1.0 and on CONNECT is refused; CONNECT with a body -> 400 http1.body_disallowed', () => {
  refused(
    req('POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n'),
    400,
    'http1.transfer_encoding_http10',
  );
  refused(
    req('CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\nTransfer-Encoding: chunked\r\n\r\n'),
    501,
    'http1.invalid_transfer_encoding',
  );
  refused(
    req('CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\nContent-Length: 1\r\n\r\n'),
    400,
    'http1.body_disallowed',
  );
  assert.equal(
    ok(req('CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\nContent-Length: 0\r\n\r\n')).framing,
    'tunnel',
  );
  assert.equal(
    ok(req('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n')).framing,
    'chunked',
  );
});

test('response heads: status line, reason, framing by RFC 9112 §6.3', () => {
  const h = okRes(res('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc'));
  assert.equal(h.status, 200);
  assert.equal(h.reason, 'OK');
  assert.equal(h.framing, 'length');
  assert.equal(okRes(res('HTTP/1.1 200\r\n\r\n')).framing, 'close');
  assert.equal(okRes(res('HTTP/1.1 200\r\n\r\n')).keepAlive, false);
  assert.equal(
    okRes(res('HTTP/1.1 404 Not  Found\r\nContent-Length: 0\r\n\r\n')).reason,
    'Not  Found',
  );
  assert.equal(okRes(res('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n', 'HEAD')).framing, 'none');
  assert.equal(
    okRes(res('HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n')).framing,
    'none',
  );
  assert.equal(
    okRes(res('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')).framing,
    'chunked',
  );
  assert.equal(okRes(res('HTTP/1.1 200 OK\r\n\r\n', 'CONNECT')).framing, 'tunnel');
  assert.equal(
    okRes(res('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: ws\r\n\r\n'))
      .framing,
    'tunnel',
  );
  assert.equal(okRes(res('HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n')).keepAlive, false);
  for (const bad of [
    'HTTP/1.1 20 OK',
    'HTTP/1.1 2000 OK',
    'HTTP/2 200 OK',
    'HTTP/1.1  200 OK',
    'HTTP/1.1 200 O\x01K',
  ]) {
    refused(res(`${bad}\r\n\r\n`), 400, 'http1.codec_error');
  }
});

test("response refusals: Envoy's ClientConnectionImpl rules for 1xx/204 and CL/TE", () => {
  refused(
    res('HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n'),
    400,
    'http1.transfer_encoding_not_allowed',
  );
  refused(
    res('HTTP/1.1 204 No Content\r\nContent-Length: 1\r\n\r\n'),
    400,
    'http1.content_length_not_allowed',
  );
  assert.equal(okRes(res('HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n')).framing, 'none');
  refused(
    res('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n'),
    400,
    'http1.content_length_and_chunked_not_allowed',
  );
  refused(
    res('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'),
    501,
    'http1.invalid_transfer_encoding',
  );
  refused(
    res('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n'),
    400,
    'http1.codec_error',
  );
});

// Differential fuzz of the HTTP/1 codec (src/proxy/http1) against llhttp, Node's own parser, driven
// through real sockets (test/helpers/llhttp-oracle.ts): generated and mutated request and response
// heads with bodies, plus a request-smuggling corpus. Wherever the two disagree, the disagreement
// must be a documented one: a stricter refusal listed (by reason) in docs/http1-codec.md, or a
// leniency listed there and recognised below. Anything else is a codec bug.
// FUZZ_RUNS sets the cases per property (default 150), FUZZ_SEED the seed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { HeadError } from '../src/proxy/http1/head-error.js';
import {
  parseRequestHead,
  parseResponseHead,
  type RequestHead,
  type ResponseHead,
} from '../src/proxy/http1/head-parser.js';
import { ChunkedScanner } from '../src/proxy/http1/chunked-scanner.js';
import { RequestOracle, ResponseOracle, type Verdict } from './helpers/llhttp-oracle.js';

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);

// --- what the codec makes of the bytes ------------------------------------------------------------

type Ours =
  | { accepted: true; head: RequestHead | ResponseHead; body: string }
  | { accepted: false; reason: string };

function body(bytes: Buffer, head: RequestHead | ResponseHead): Ours {
  const at = head.headLength;
  switch (head.framing) {
    case 'none':
    case 'tunnel':
      return { accepted: true, head, body: '' };
    case 'length':
      if (bytes.length - at < head.contentLength) return { accepted: false, reason: 'incomplete' };
      return { accepted: true, head, body: bytes.toString('latin1', at, at + head.contentLength) };
    case 'close':
      return { accepted: true, head, body: bytes.toString('latin1', at) };
    case 'chunked': {
      const sc = new ChunkedScanner();
      const ranges: number[] = [];
      if (sc.scan(bytes, at, bytes.length, ranges) < 0)
        return { accepted: false, reason: sc.error!.reason };
      if (!sc.done) return { accepted: false, reason: 'incomplete' };
      let data = '';
      for (let k = 0; k < ranges.length; k += 2)
        data += bytes.toString('latin1', ranges[k], ranges[k + 1]);
      return { accepted: true, head, body: data };
    }
  }
}

function oursRequest(bytes: Buffer): Ours {
  const h = parseRequestHead(bytes);
  if (h === undefined) return { accepted: false, reason: 'incomplete' };
  if (h instanceof HeadError) return { accepted: false, reason: h.reason };
  return body(bytes, h);
}

function oursResponse(bytes: Buffer, method: string): Ours {
  const h = parseResponseHead(bytes, method);
  if (h === undefined) return { accepted: false, reason: 'incomplete' };
  if (h instanceof HeadError) return { accepted: false, reason: h.reason };
  return body(bytes, h);
}

// --- the documented disagreements ----------------------------------------------------------------

/** Reasons listed in a table of docs/http1-codec.md under `heading` (first column, in backticks). */
function documented(heading: string): Set<string> {
  const doc = readFileSync(new URL('../../docs/http1-codec.md', import.meta.url), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith(heading)) ?? '';
  return new Set([...section.matchAll(/^\| `([a-z0-9_]+)`/gm)].map((m) => m[1]!));
}
const STRICTER = documented('Refused here, accepted by llhttp');

/** Leniencies: llhttp refuses, the codec accepts. Each key is listed in the docs too. */
const LENIENT: Record<string, (bytes: string, ours: Ours & { accepted: true }) => boolean> = {
  // Envoy's method list spells it MSEARCH (balsa_parser.cc); llhttp knows only M-SEARCH.
  envoy_method_msearch: (_b, o) => 'method' in o.head && o.head.method === 'MSEARCH',
};
const LENIENT_DOCUMENTED = documented('Accepted here, refused by llhttp');

function compare(input: Buffer, ours: Ours, theirs: Verdict): void {
  const show = () => JSON.stringify(input.toString('latin1'));
  if (ours.accepted && theirs.accepted) {
    const h = ours.head;
    if ('method' in h) {
      assert.equal(h.method, theirs.method, `method of ${show()}`);
      assert.equal(h.target, theirs.url, `target of ${show()}`);
    } else {
      assert.equal(h.status, theirs.status, `status of ${show()}`);
    }
    assert.equal(h.versionMinor, theirs.versionMinor, `version of ${show()}`);
    assert.deepEqual(h.names, theirs.names, `field names of ${show()}`);
    assert.deepEqual(h.values, theirs.values, `field values of ${show()}`);
    if (!theirs.tunnel && h.framing !== 'tunnel')
      assert.equal(ours.body, theirs.body, `body of ${show()}`);
    return;
  }
  if (!ours.accepted && !theirs.accepted) return;
  if (!ours.accepted) {
    assert.ok(
      STRICTER.has(ours.reason),
      `codec refused (${ours.reason}) what llhttp accepted, not listed in docs/http1-codec.md: ${show()}`,
    );
    return;
  }
  const text = input.toString('latin1');
  const why = Object.keys(LENIENT).find((k) => LENIENT[k]!(text, ours));
  assert.ok(
    why && LENIENT_DOCUMENTED.has(why),
    `codec accepted what llhttp refused (${theirs.accepted ? '' : theirs.error}): ${show()}`,
  );
}

// --- generators ----------------------------------------------------------------------------------

const tokenChars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const token = fc
  .array(fc.constantFrom(...tokenChars), { minLength: 1, maxLength: 12 })
  .map((a) => a.join(''));
const valueChar = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 0x21, max: 0x7e }) },
  { weight: 3, arbitrary: fc.constantFrom(0x20, 0x09) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
);
const fieldValue = fc
  .array(valueChar, { maxLength: 24 })
  .map((cs) => String.fromCharCode(...cs).replace(/^[ \t]+|[ \t]+$/g, ''));
const randomCase = (s: string) =>
  fc
    .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((up) => [...s].map((ch, k) => (up[k] ? ch.toUpperCase() : ch)).join(''));
const fieldName = fc.oneof(
  { weight: 4, arbitrary: token },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom('accept', 'user-agent', 'x-request-id', 'cookie', 'te', 'connection', 'upgrade')
      .chain(randomCase),
  },
);
const field = fc.tuple(fieldName, fieldValue);
const ows = fc.constantFrom('', ' ', '  ', '\t', ' \t');

const path = fc
  .array(fc.constantFrom(...'abc/?=&%20-._~!$()*+,;:@#'.split('')), { maxLength: 16 })
  .map((a) => '/' + a.join(''));
const authority = fc.constantFrom('a.test', 'b.test:8080', '10.0.0.1:80', '[::1]:443');

/** A body framing and its bytes: none, Content-Length, or chunked (with extensions/trailers). */
const framedBody = fc.oneof(
  fc.constant({ fields: [] as [string, string][], bytes: '' }),
  fc.string({ maxLength: 20 }).map((b) => {
    const bytes = Buffer.from(b, 'utf8').toString('latin1');
    return { fields: [['Content-Length', String(bytes.length)]] as [string, string][], bytes };
  }),
  fc
    .tuple(
      fc.array(fc.string({ minLength: 1, maxLength: 9 }), { maxLength: 3 }),
      fc.constantFrom('', ';a', ';a=b', ';q="x y"'),
      fc.boolean(),
      fc.constantFrom('chunked', 'Chunked', 'CHUNKED'),
    )
    .map(([chunks, ext, trailer, te]) => {
      let bytes = '';
      for (const c of chunks) {
        const b = Buffer.from(c, 'utf8').toString('latin1');
        bytes += b.length.toString(16) + ext + '\r\n' + b + '\r\n';
      }
      bytes += '0\r\n' + (trailer ? 'x-trailer: 1\r\n' : '') + '\r\n';
      return { fields: [['Transfer-Encoding', te]] as [string, string][], bytes };
    }),
);

const method = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'OPTIONS',
      'PURGE',
      'MKCOL',
      'M-SEARCH',
      'MSEARCH',
      'QUERY',
      'TRACE',
    ),
  },
  { weight: 1, arbitrary: token },
);

const requestText = fc
  .tuple(
    method,
    fc.oneof(
      { weight: 8, arbitrary: path },
      { weight: 1, arbitrary: fc.tuple(authority, path).map(([a, p]) => `http://${a}${p}`) },
      { weight: 1, arbitrary: fc.constant('*') },
    ),
    fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0'),
    authority,
    fc.array(fc.tuple(field, ows, ows), { maxLength: 6 }),
    framedBody,
  )
  .map(([m, target, version, host, fields, b]) => {
    const lines = [`Host: ${host}`];
    for (const [[n, v], pre, post] of fields) lines.push(`${n}:${pre}${v}${post}`);
    for (const [n, v] of b.fields) lines.push(`${n}: ${v}`);
    return `${m} ${target} ${version}\r\n${lines.join('\r\n')}\r\n\r\n${b.bytes}`;
  });

const responseText = fc
  .tuple(
    fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0'),
    fc.oneof(
      fc.constantFrom(200, 201, 204, 301, 304, 404, 500, 503),
      fc.integer({ min: 200, max: 599 }),
    ),
    fc.constantFrom('', ' ', ' OK', ' Not Found', ' x\ty'),
    fc.array(fc.tuple(field, ows, ows), { maxLength: 6 }),
    framedBody,
  )
  .map(([version, status, reason, fields, b]) => {
    const lines: string[] = [];
    for (const [[n, v], pre, post] of fields) lines.push(`${n}:${pre}${v}${post}`);
    for (const [n, v] of b.fields) lines.push(`${n}: ${v}`);
    const head = `${version} ${status}${reason}\r\n${lines.map((l) => l + '\r\n').join('')}\r\n`;
    return head + (status === 204 || status === 304 ? '' : b.bytes);
  });

/** Byte-level mutations that smuggling and parser-confusion attacks use. */
const interesting = [
  '\r',
  '\n',
  '\r\n',
  '\0',
  ' ',
  '\t',
  ':',
  ',',
  '\x0b',
  '\x0c',
  '\x7f',
  '\xff',
  'a',
  '0',
  ';',
  '"',
];
const mutation = fc.tuple(
  fc.constantFrom('insert', 'delete', 'replace', 'crlf-to-lf', 'duplicate-line', 'upper'),
  fc.nat(),
  fc.constantFrom(...interesting),
);
function mutate(text: string, ops: [string, number, string][]): string {
  let s = text;
  for (const [op, at, ch] of ops) {
    const i = s.length === 0 ? 0 : at % s.length;
    if (op === 'insert') s = s.slice(0, i) + ch + s.slice(i);
    else if (op === 'delete') s = s.slice(0, i) + s.slice(i + 1);
    else if (op === 'replace') s = s.slice(0, i) + ch + s.slice(i + 1);
    else if (op === 'crlf-to-lf') {
      const k = s.indexOf('\r\n', i);
      if (k >= 0) s = s.slice(0, k) + s.slice(k + 1);
    } else if (op === 'duplicate-line') {
      const a = s.lastIndexOf('\r\n', i) + 2;
      const b = s.indexOf('\r\n', a);
      if (a >= 2 && b > a) s = s.slice(0, b + 2) + s.slice(a, b + 2) + s.slice(b + 2);
    } else s = s.slice(0, i) + s.slice(i, i + 8).toUpperCase() + s.slice(i + 8);
  }
  return s;
}
const mutated = (gen: fc.Arbitrary<string>) =>
  fc
    .tuple(gen, fc.array(mutation, { minLength: 1, maxLength: 3 }))
    .map(([t, ops]) => mutate(t, ops));

// --- the runs -------------------------------------------------------------------------------------

const requests = new RequestOracle();
const responses = new ResponseOracle();
before(async () => {
  await requests.start();
  await responses.start();
});
after(async () => {
  await requests.close();
  await responses.close();
});

async function checkRequest(text: string): Promise<void> {
  const bytes = Buffer.from(text, 'latin1');
  compare(bytes, oursRequest(bytes), await requests.parse(bytes));
}

async function checkResponse(text: string, method: string): Promise<void> {
  const bytes = Buffer.from(text, 'latin1');
  const ours = oursResponse(bytes, method);
  // 1xx heads are interim: the codec returns them, Node's client waits for the final one.
  if (ours.accepted && 'status' in ours.head && ours.head.status < 200) return;
  compare(bytes, ours, await responses.parse(bytes, method));
}

// Request smuggling and parser-confusion corpus (CL.TE, TE.CL, TE.TE obfuscations, NUL, chunk sizes).
const SMUGGLING = [
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \x0bchunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\0\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\nhello',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello',
  'POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n',
  'GET / HTTP/1.1\nHost: a\n\n',
  'GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n',
  'GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b;c\r\nhello\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a\rb\r\nhello\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nx: 1\r\n\r\n',
  'GET http://a.test/x HTTP/1.1\r\nHost: b\r\n\r\n',
  'CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n folded\r\n\r\n',
];

test('request-smuggling corpus: the codec and llhttp agree, or the codec refuses a listed reason', async () => {
  for (const text of SMUGGLING) await checkRequest(text);
});

test('the docs list every stricter refusal and leniency the differential relies on', () => {
  assert.ok(STRICTER.size >= 5, `docs/http1-codec.md lists ${STRICTER.size} stricter refusals`);
  for (const k of Object.keys(LENIENT)) assert.ok(LENIENT_DOCUMENTED.has(k), `${k} not in docs`);
});

const opts = { numRuns: FUZZ_RUNS, seed: SEED, endOnFailure: true, includeErrorInReport: true };

test(`${FUZZ_RUNS} generated request heads: codec == llhttp`, async () => {
  await fc.assert(fc.asyncProperty(requestText, checkRequest), opts);
});

test(`${FUZZ_RUNS} mutated request heads: codec == llhttp or a documented refusal`, async () => {
  await fc.assert(fc.asyncProperty(mutated(requestText), checkRequest), opts);
});

const responseMethod = fc.constantFrom('GET', 'GET', 'POST', 'HEAD');

test(`${FUZZ_RUNS} generated response heads: codec == llhttp`, async () => {
  await fc.assert(fc.asyncProperty(responseText, responseMethod, checkResponse), opts);
});

test(`${FUZZ_RUNS} mutated response heads: codec == llhttp or a documented refusal`, async () => {
  await fc.assert(fc.asyncProperty(mutated(responseText), responseMethod, checkResponse), opts);
});

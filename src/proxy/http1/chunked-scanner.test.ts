// The chunked-body scanner: finds where a chunked body ends (byte by byte or all at once) and where
// its data lie, without re-framing; refuses what RFC 9112 §7.1 does not allow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkedScanner, MAX_CHUNK_LINE } from './chunked-scanner.js';

/** Scans `wire` in pieces of `step` bytes; returns [end offset in wire or -1, decoded data, scanner]. */
function scanAll(wire: string, step = wire.length): [number, string, ChunkedScanner] {
  const buf = Buffer.from(wire, 'latin1');
  const sc = new ChunkedScanner();
  let data = '';
  for (let at = 0; at < buf.length; at += step) {
    const piece = buf.subarray(at, Math.min(buf.length, at + step));
    const ranges: number[] = [];
    const r = sc.scan(piece, 0, piece.length, ranges);
    for (let k = 0; k < ranges.length; k += 2)
      data += piece.toString('latin1', ranges[k], ranges[k + 1]);
    if (r < 0) return [-1, data, sc];
    if (sc.done) return [at + r, data, sc];
  }
  return [buf.length, data, sc];
}

const body =
  '5\r\nhello\r\n6;ext=1;q="a \\"b\\""\r\n world\r\nA\r\n0123456789\r\n0\r\nx-t: 1\r\n\r\n';

test('finds the end of a chunked body and its data, whole or a byte at a time', () => {
  for (const step of [body.length, 1, 3, 7]) {
    const [end, data, sc] = scanAll(body + 'NEXT', step);
    assert.equal(end, body.length, `step ${step}`);
    assert.equal(data, 'hello world0123456789');
    assert.equal(sc.dataBytes, 21);
    assert.ok(sc.done);
  }
});

test('an unfinished body asks for more', () => {
  const [end, , sc] = scanAll('5\r\nhel');
  assert.equal(end, 6);
  assert.equal(sc.done, false);
});

const bad: [string, string][] = [
  ['', 'x\r\n'],
  ['signed size', '+5\r\nhello\r\n0\r\n\r\n'],
  ['space after size', '5 \r\nhello\r\n0\r\n\r\n'],
  ['0x prefix', '0x5\r\nhello\r\n0\r\n\r\n'],
  ['bare LF after size', '5\nhello\r\n0\r\n\r\n'],
  ['bare CR after size', '5\rhello\r\n0\r\n\r\n'],
  ['data longer than size', '5\r\nhelloX\r\n0\r\n\r\n'],
  ['missing CRLF after data', '5\r\nhello0\r\n\r\n'],
  ['LF only after data', '5\r\nhello\n0\r\n\r\n'],
  ['huge size (2^64)', '10000000000000000\r\n'],
  ['space after extension', '5;a=b \r\nhello\r\n0\r\n\r\n'],
  ['extension without name at the line end', '5;\r\nhello\r\n0\r\n\r\n'],
  ['space before extension', '5 ;a\r\nhello\r\n0\r\n\r\n'],
  ['space in extension', '5; a\r\nhello\r\n0\r\n\r\n'],
  ['unterminated quoted extension', '5;a="b\r\nhello\r\n0\r\n\r\n'],
  ['CTL in extension', '5;a\x01\r\nhello\r\n0\r\n\r\n'],
  ['bare CR in extension', '5;a\rb\r\nhello\r\n0\r\n\r\n'],
  ['bare LF in extension', '5;a\nb\r\nhello\r\n0\r\n\r\n'],
  ['trailer without colon', '0\r\nbad trailer\r\n\r\n'],
  ['trailer obs-fold', '0\r\nx: 1\r\n folded\r\n\r\n'],
  ['trailer bare LF', '0\r\nx: 1\n\r\n'],
  ['final bare LF', '0\r\n\n'],
];
for (const [name, wire] of bad) {
  test(`refuses a chunked body: ${name || 'non-hex size'}`, () => {
    const [end, , sc] = scanAll(wire);
    assert.equal(end, -1);
    assert.equal(sc.error?.status, 400);
    assert.equal(sc.error?.detail, 'http1.codec_error');
  });
}

test('sizes up to 2^53-1 are read; a chunk-size line over 16 KiB is refused', () => {
  const [end, , sc] = scanAll('1FFFFFFFFFFFFF\r\nabc');
  assert.equal(end, 19);
  assert.equal(sc.error, undefined);
  const [end2, , sc2] = scanAll(`1;${'x'.repeat(MAX_CHUNK_LINE)}\r\na\r\n0\r\n\r\n`);
  assert.equal(end2, -1);
  assert.equal(sc2.error?.reason, 'chunk_line_too_long');
});

test('too many trailers -> 431', () => {
  const [end, , sc] = scanAll(`0\r\n${'t: 1\r\n'.repeat(101)}\r\n`);
  assert.equal(end, -1);
  assert.equal(sc.error?.status, 431);
});

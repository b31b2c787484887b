// The head writer: what it writes parses back to the same head; header injection is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeadError } from './head-error.js';
import { parseRequestHead, parseResponseHead } from './head-parser.js';
import { requestHeadText, responseHeadText } from './head-writer.js';

test('a written request head parses back to the same method, target and fields', () => {
  const text = requestHeadText('POST', '/a?b', ['host', 'content-length', 'x'], ['h', '2', 'v w']);
  assert.equal(text, 'POST /a?b HTTP/1.1\r\nhost: h\r\ncontent-length: 2\r\nx: v w\r\n\r\n');
  const h = parseRequestHead(Buffer.from(text!, 'latin1'));
  assert.ok(h && !(h instanceof HeadError));
  assert.equal(h.method, 'POST');
  assert.deepEqual(h.values, ['h', '2', 'v w']);
});

test('a written response head parses back; HTTP/1.0 on request', () => {
  const text = responseHeadText(503, 'Service Unavailable', ['content-length'], ['0']);
  assert.equal(text, 'HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n');
  const h = parseResponseHead(Buffer.from(text!, 'latin1'), 'GET');
  assert.ok(h && !(h instanceof HeadError));
  assert.equal(h.status, 503);
  assert.ok(responseHeadText(200, 'OK', [], [], 0)?.startsWith('HTTP/1.0 200 OK\r\n'));
});

test('CR, LF or NUL in a value, or a non-token name, cannot be written (header injection)', () => {
  assert.equal(requestHeadText('GET', '/', ['x'], ['a\r\nInjected: 1']), undefined);
  assert.equal(requestHeadText('GET', '/', ['x'], ['a\nb']), undefined);
  assert.equal(requestHeadText('GET', '/', ['x'], ['a\0b']), undefined);
  assert.equal(requestHeadText('GET', '/', ['x y'], ['a']), undefined);
  assert.equal(requestHeadText('GET', '/ HTTP/1.0\r\n', [], []), undefined);
  assert.equal(responseHeadText(200, 'OK\r\nx: y', [], []), undefined);
});

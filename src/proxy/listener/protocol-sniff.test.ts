import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyFirstBytes, mayBeHttp1 } from './protocol-sniff.js';

test('http_inspector: a request line is HTTP/1, a raw TCP greeting is not', () => {
  for (const http of [
    'GET / HTTP/1.1\r\n',
    'POST /x HTTP/1.0\n',
    'G',
    'GET',
    'GET /',
    'GET /a HTTP/1',
  ])
    assert.equal(mayBeHttp1(Buffer.from(http)), true, http);
  for (const tcp of [
    'hello\n',
    'Wed Dec  2 15:23:24 UTC 2026\n',
    'GET / FTP/1.1\r\n',
    '\x16\x03\x01',
    'get / HTTP/1.1\r\n',
  ])
    assert.equal(mayBeHttp1(Buffer.from(tcp)), false, JSON.stringify(tcp));
  assert.equal(classifyFirstBytes(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')), 'h2');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConnectTarget } from './connect-tunnel.js';

test('CONNECT targets are authority-form host:port', () => {
  assert.deepEqual(parseConnectTarget('edition.example.com:443'), {
    host: 'edition.example.com',
    port: 443,
  });
  assert.deepEqual(parseConnectTarget('127.0.0.7:9000'), { host: '127.0.0.7', port: 9000 });
  assert.deepEqual(parseConnectTarget('[::1]:8443'), { host: '::1', port: 8443 });
  for (const bad of ['edition.example.com', 'a:0', 'a:65536', '/path', 'http://a:1', '::1:80', ''])
    assert.equal(parseConnectTarget(bad), undefined, bad);
});

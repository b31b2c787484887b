import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  authorityPort,
  bracketHost,
  formatHostPort,
  parseListenPort,
  parsePort,
  portStart,
  splitAuthority,
  unbracket,
} from './host-port.js';

// envoyproxy/envoy source/common/http/header_utility.cc getPortStart: the last ':' with no ']' after it.
test('the port starts at the last colon outside an IPv6 literal', () => {
  assert.equal(portStart('example.com'), -1);
  assert.equal(portStart('example.com:80'), 11);
  assert.equal(portStart('[::1]'), -1);
  assert.equal(portStart('[::1]:80'), 5);
  assert.equal(portStart('example.com:'), 11);
  assert.deepEqual(splitAuthority('reviews:9080'), { host: 'reviews', port: '9080' });
  assert.deepEqual(splitAuthority('[fe80::1]:443'), { host: '[fe80::1]', port: '443' });
  assert.deepEqual(splitAuthority('[fe80::1]'), { host: '[fe80::1]', port: undefined });
  assert.deepEqual(splitAuthority('reviews'), { host: 'reviews', port: undefined });
});

test('ports are 1..65535 written as plain digits', () => {
  assert.equal(parsePort('80'), 80);
  assert.equal(parsePort('65535'), 65535);
  for (const bad of ['0', '65536', '', '+80', ' 80', '0x50', '8e1', '80.0', '-1', '123456'])
    assert.equal(parsePort(bad), undefined, bad);
  assert.equal(parseListenPort('0'), 0, 'listen on any free port');
  assert.equal(parseListenPort('15000'), 15000);
  assert.equal(parseListenPort('00'), undefined);
  assert.equal(parseListenPort(''), undefined);
  assert.equal(authorityPort('a:8080'), 8080);
  assert.equal(authorityPort('a'), undefined);
  assert.equal(authorityPort('a:x'), undefined);
});

test('addresses print as Envoy prints them: IPv6 in brackets', () => {
  assert.equal(formatHostPort('10.0.0.1', 80), '10.0.0.1:80');
  assert.equal(formatHostPort('::1', 80), '[::1]:80');
  assert.equal(formatHostPort('[::1]', '80'), '[::1]:80');
  assert.equal(bracketHost('reviews'), 'reviews');
  assert.equal(unbracket('[::1]'), '::1');
  assert.equal(unbracket('::1'), '::1');
});

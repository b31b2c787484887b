import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shadowAuthority } from './mirror.js';

// envoyproxy/envoy source/common/router/shadow_writer_impl.cc shadowAppendedHost: `-shadow` goes
// before the port found by HeaderUtility::getPortStart, so an IPv6 literal keeps its brackets.
test('-shadow is appended to the host, before any port', () => {
  assert.equal(shadowAuthority('httpbin:8000'), 'httpbin-shadow:8000');
  assert.equal(shadowAuthority('httpbin'), 'httpbin-shadow');
  assert.equal(shadowAuthority('[::1]:8000'), '[::1]-shadow:8000');
  assert.equal(shadowAuthority('[::1]'), '[::1]-shadow');
  assert.equal(shadowAuthority(':8000'), '-shadow:8000');
});

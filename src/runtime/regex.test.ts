import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRe2, re2Error } from './regex.js';

test('regex is a full match, as Envoy safe_regex', () => {
  const re = compileRe2('\\d+$');
  assert.equal(re.fullMatch('123'), true);
  assert.equal(re.fullMatch('a123'), false);
});

test('catastrophic patterns run in linear time', () => {
  const re = compileRe2('(a+)+$');
  assert.equal(re.fullMatch('a'.repeat(40) + 'b'), false);
});

test('non-RE2 syntax is rejected', () => {
  assert.ok(re2Error('(?<=a)b'));
  assert.equal(re2Error('^/api/v[0-9]+/.*'), undefined);
});

test('replaceAll takes Envoy-style group references', () => {
  const re = compileRe2('^/service/([^/]+)(/.*)$');
  assert.equal(re.replaceAll('/service/foo/v1/api', '\\2/instance/\\1'), '/v1/api/instance/foo');
});

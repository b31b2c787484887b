import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goQuote, goSprintf } from './go-format.js';

test('goSprintf renders %s %v %q %d as Go does', () => {
  assert.equal(
    goSprintf('Referenced %s not found: %q', ['host', 'a"b']),
    'Referenced host not found: "a\\"b"',
  );
  assert.equal(goSprintf('ports %v', [[80, 443]]), 'ports [80 443]');
  assert.equal(goSprintf('sidecars %v in %q', [['a', 'b'], 'ns']), 'sidecars [a b] in "ns"');
  assert.equal(goSprintf('port %d, 100%%', [8004]), 'port 8004, 100%');
  assert.equal(goSprintf('%s and %s', ['x']), 'x and %!s(MISSING)');
});

test('goQuote escapes control characters', () => {
  assert.equal(goQuote('a\nb\t\u0001'), '"a\\nb\\t\\x01"');
});

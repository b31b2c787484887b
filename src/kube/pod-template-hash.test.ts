import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeHash, randomSuffix, safeEncodeString } from './pod-template-hash.js';

// k8s.io/apimachinery pkg/util/rand/rand.go SafeEncodeString maps each byte into "bcdfghjklmnpqrstvwxz2456789".
test('SafeEncodeString maps each byte into the vowel-free alphabet', () => {
  assert.equal(safeEncodeString('0123456789'), '456789bcdf');
});

// pkg/controller/controller_utils.go ComputeHash: the same template hashes the same; collisionCount changes it.
test('the pod-template-hash is stable across key order and changes with collisionCount', () => {
  const a = computeHash({ metadata: { labels: { app: 'x' } }, spec: { containers: [] } });
  const b = computeHash({ spec: { containers: [] }, metadata: { labels: { app: 'x' } } });
  assert.equal(a, b);
  assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.notEqual(computeHash({ spec: {} }, 1), computeHash({ spec: {} }));
});

test('generated name suffixes are 5 characters of the same alphabet', () => {
  assert.match(
    randomSuffix(() => 0.5),
    /^[bcdfghjklmnpqrstvwxz2456789]{5}$/,
  );
});

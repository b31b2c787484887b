import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { threeWayMerge, threeWayMergePatch } from './three-way-merge.js';
import { applyMergePatch, createMergePatch } from './merge-patch.js';
import { jsonClone, jsonEqual, setKey, type JsonObject } from './json-value.js';

test('removes a field that the new manifest dropped since the last apply', () => {
  const last = { spec: { hosts: ['a'], gateways: ['gw'] } };
  const live = { spec: { hosts: ['a'], gateways: ['gw'] }, status: { x: 1 } };
  const next = { spec: { hosts: ['a'] } };
  assert.deepEqual(threeWayMerge(last, next, live), { spec: { hosts: ['a'] }, status: { x: 1 } });
});

test('keeps fields set by someone else (not in last-applied)', () => {
  const last = { spec: { host: 'r' } };
  const live = { spec: { host: 'r', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } } };
  const next = { spec: { host: 'r2' } };
  assert.deepEqual(threeWayMerge(last, next, live), {
    spec: { host: 'r2', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } },
  });
});

test('restores a field the new manifest sets even if live changed it', () => {
  const last = { spec: { a: 1 } };
  const live = { spec: { a: 5 } };
  const next = { spec: { a: 1 } };
  assert.deepEqual(threeWayMerge(last, next, live), { spec: { a: 1 } });
});

test('replaces lists whole (custom resources have no merge keys)', () => {
  const last = { spec: { http: [{ route: [{ w: 80 }, { w: 20 }] }] } };
  const live = last;
  const next = { spec: { http: [{ route: [{ w: 100 }] }] } };
  assert.deepEqual(threeWayMerge(last, next, live), next);
});

test('without last-applied nothing is deleted', () => {
  const live = { spec: { a: 1, b: 2 } };
  assert.deepEqual(threeWayMerge(undefined, { spec: { a: 3 } }, live), { spec: { a: 3, b: 2 } });
});

test('an identical manifest yields an empty patch', () => {
  const obj = { spec: { a: [1, 2], b: { c: 'd' } } };
  assert.deepEqual(threeWayMergePatch(obj, obj, { ...obj, status: {} }), {});
});

test('a field removed by someone else but still in the manifest is added back', () => {
  const last = { spec: { a: 1, b: 2 } };
  const live = { spec: { a: 1 } };
  assert.deepEqual(threeWayMerge(last, { spec: { a: 1, b: 2 } }, live), { spec: { a: 1, b: 2 } });
});

// Properties over random JSON objects (keys include `__proto__`-like names fast-check generates).
const leaf = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 4 }),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
);
const obj = fc.letrec((tie) => ({
  node: fc.dictionary(
    fc.oneof(
      fc.constantFrom('a', 'b', 'c', 'spec', '__proto__', 'constructor'),
      fc.string({ maxLength: 3 }),
    ),
    fc.oneof({ maxDepth: 3 }, leaf, tie('node')),
    { maxKeys: 4 },
  ),
})).node as fc.Arbitrary<JsonObject>;

test('property: re-applying after an apply with no outside change yields exactly the new manifest', () => {
  fc.assert(
    fc.property(obj, obj, (last, next) => {
      assert.ok(jsonEqual(threeWayMerge(last, next, jsonClone(last)), next));
    }),
    { numRuns: 300 },
  );
});

test('property: a field only someone else set survives any apply that does not mention it', () => {
  fc.assert(
    fc.property(obj, obj, fc.integer(), (last, next, v) => {
      const live = jsonClone(last);
      setKey(live, 'x-other', v);
      fc.pre(
        !Object.prototype.hasOwnProperty.call(next, 'x-other') &&
          !Object.prototype.hasOwnProperty.call(last, 'x-other'),
      );
      const out = threeWayMerge(last, next, live);
      assert.equal(out['x-other'], v);
    }),
    { numRuns: 300 },
  );
});

test('property: createMergePatch then applyMergePatch reproduces the target', () => {
  fc.assert(
    fc.property(obj, obj, (from, to) => {
      assert.ok(jsonEqual(applyMergePatch(from, createMergePatch(from, to)), to));
    }),
    { numRuns: 300 },
  );
});

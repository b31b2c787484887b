import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch, JsonPatchError, parseJsonPointer } from './json-patch.js';
import type { JsonValue } from './json-value.js';

// RFC 6902 Appendix A examples (A.1-A.16), as [document, patch, expected | 'error'].
const cases: [string, JsonValue, unknown, JsonValue | 'error'][] = [
  [
    'A.1 add an object member',
    { foo: 'bar' },
    [{ op: 'add', path: '/baz', value: 'qux' }],
    { baz: 'qux', foo: 'bar' },
  ],
  [
    'A.2 add an array element',
    { foo: ['bar', 'baz'] },
    [{ op: 'add', path: '/foo/1', value: 'qux' }],
    { foo: ['bar', 'qux', 'baz'] },
  ],
  [
    'A.3 remove an object member',
    { baz: 'qux', foo: 'bar' },
    [{ op: 'remove', path: '/baz' }],
    { foo: 'bar' },
  ],
  [
    'A.4 remove an array element',
    { foo: ['bar', 'qux', 'baz'] },
    [{ op: 'remove', path: '/foo/1' }],
    { foo: ['bar', 'baz'] },
  ],
  [
    'A.5 replace a value',
    { baz: 'qux', foo: 'bar' },
    [{ op: 'replace', path: '/baz', value: 'boo' }],
    { baz: 'boo', foo: 'bar' },
  ],
  [
    'A.6 move a value',
    { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
    [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
    { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
  ],
  [
    'A.7 move an array element',
    { foo: ['all', 'grass', 'cows', 'eat'] },
    [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
    { foo: ['all', 'cows', 'eat', 'grass'] },
  ],
  [
    'A.8 test a value: success',
    { baz: 'qux', foo: ['a', 2, 'c'] },
    [
      { op: 'test', path: '/baz', value: 'qux' },
      { op: 'test', path: '/foo/1', value: 2 },
    ],
    { baz: 'qux', foo: ['a', 2, 'c'] },
  ],
  [
    'A.9 test a value: error',
    { baz: 'qux' },
    [{ op: 'test', path: '/baz', value: 'bar' }],
    'error',
  ],
  [
    'A.10 add a nested member object',
    { foo: 'bar' },
    [{ op: 'add', path: '/child', value: { grandchild: {} } }],
    { foo: 'bar', child: { grandchild: {} } },
  ],
  [
    'A.11 ignore unrecognized elements',
    { foo: 'bar' },
    [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }],
    { foo: 'bar', baz: 'qux' },
  ],
  [
    'A.12 add to a nonexistent target',
    { foo: 'bar' },
    [{ op: 'add', path: '/baz/bat', value: 'qux' }],
    'error',
  ],
  [
    'A.14 ~ escape ordering',
    { '/': 9, '~1': 10 },
    [{ op: 'test', path: '/~01', value: 10 }],
    { '/': 9, '~1': 10 },
  ],
  [
    'A.15 comparing strings and numbers',
    { '/': 9, '~1': 10 },
    [{ op: 'test', path: '/~01', value: '10' }],
    'error',
  ],
  [
    'A.16 add an array value',
    { foo: ['bar'] },
    [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
    { foo: ['bar', ['abc', 'def']] },
  ],
  [
    'copy',
    { a: { b: [1] } },
    [{ op: 'copy', from: '/a/b', path: '/c' }],
    { a: { b: [1] }, c: [1] },
  ],
  ['replace of a missing path fails', { a: 1 }, [{ op: 'replace', path: '/b', value: 2 }], 'error'],
  ['remove of a missing index fails', { a: [1] }, [{ op: 'remove', path: '/a/1' }], 'error'],
  ['leading zero index fails', { a: [1, 2] }, [{ op: 'remove', path: '/a/01' }], 'error'],
  ['unknown op fails', { a: 1 }, [{ op: 'frob', path: '/a' }], 'error'],
  [
    'move into own child fails',
    { a: { b: {} } },
    [{ op: 'move', from: '/a', path: '/a/b/c' }],
    'error',
  ],
  [
    'a failing op leaves nothing applied',
    { a: 1 },
    [
      { op: 'add', path: '/b', value: 2 },
      { op: 'test', path: '/a', value: 0 },
    ],
    'error',
  ],
];

for (const [name, doc, patch, expected] of cases) {
  test(`RFC 6902: ${name}`, () => {
    const before = JSON.stringify(doc);
    if (expected === 'error') {
      assert.throws(() => applyJsonPatch(doc, patch), JsonPatchError);
    } else {
      assert.deepEqual(applyJsonPatch(doc, patch), expected);
    }
    assert.equal(JSON.stringify(doc), before, 'the input document is not modified');
  });
}

test('JSON pointers unescape ~1 to / and ~0 to ~ (RFC 6901)', () => {
  assert.deepEqual(parseJsonPointer('/a~1b/m~0n/~01'), ['a/b', 'm~n', '~1']);
  assert.deepEqual(parseJsonPointer(''), []);
  assert.throws(() => parseJsonPointer('a'), JsonPatchError);
  assert.throws(() => parseJsonPointer('/a~2'), JsonPatchError);
});

test('patches keys containing slashes, such as Kubernetes annotations', () => {
  const doc = { metadata: { annotations: { 'example.com/x': 'a' } } };
  const out = applyJsonPatch(doc, [
    { op: 'replace', path: '/metadata/annotations/example.com~1x', value: 'b' },
  ]);
  assert.deepEqual(out, { metadata: { annotations: { 'example.com/x': 'b' } } });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../config/json-value.js';
import { applyStrategicMergePatch } from './strategic-merge.js';

// k8s.io/apimachinery pkg/util/strategicpatch: lists with a patchMergeKey merge by key.
test('containers merge by name; other lists are replaced; null deletes', () => {
  const live: JsonObject = {
    spec: {
      containers: [
        { name: 'a', image: 'a:1', ports: [{ containerPort: 80 }] },
        { name: 'b', image: 'b:1' },
      ],
      args: ['x'],
      keep: 1,
      drop: 2,
    },
  };
  const out = applyStrategicMergePatch(live, {
    spec: {
      containers: [
        { name: 'b', image: 'b:2' },
        { name: 'c', image: 'c:1' },
      ],
      args: ['y'],
      drop: null,
    },
  });
  assert.deepEqual(out, {
    spec: {
      containers: [
        { name: 'a', image: 'a:1', ports: [{ containerPort: 80 }] },
        { name: 'b', image: 'b:2' },
        { name: 'c', image: 'c:1' },
      ],
      args: ['y'],
      keep: 1,
    },
  });
});

test('$patch: delete removes a keyed item; $patch: replace replaces a map', () => {
  const live = {
    spec: { containers: [{ name: 'a' }, { name: 'b' }], selector: { x: '1', y: '2' } },
  };
  const out = applyStrategicMergePatch(live, {
    spec: {
      containers: [{ name: 'a', $patch: 'delete' }],
      selector: { $patch: 'replace', z: '3' },
    },
  });
  assert.deepEqual(out, { spec: { containers: [{ name: 'b' }], selector: { z: '3' } } });
});

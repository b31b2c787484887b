import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  conflictMessage,
  fromFieldsV1,
  leafPaths,
  recordUpdate,
  serverSideApply,
  toFieldsV1,
} from './server-side-apply.js';

const T = '2026-01-01T00:00:00Z';
const vs = (subset: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'r', namespace: 'default', ...extra },
  spec: { hosts: ['r'], http: [{ route: [{ destination: { host: 'r', subset } }] }] },
});

test("fieldsV1 round-trips leaf paths; server-owned metadata is nobody's", () => {
  const paths = leafPaths(vs('v1', { uid: 'u', labels: { a: 'b' } }));
  assert.deepEqual(paths, [
    ['metadata', 'labels', 'a'],
    ['spec', 'hosts'],
    ['spec', 'http'],
  ]);
  assert.deepEqual(fromFieldsV1(toFieldsV1(paths)), paths);
});

// structured-merge-diff merge/update.go: applying another manager's field with a new value conflicts.
test('apply conflicts with another manager unless forced, then takes the field', () => {
  const created = serverSideApply(undefined, vs('v1'), 'alice', 'networking.istio.io/v1', T, false);
  assert.ok(created.ok);
  const live = {
    ...created.object,
    metadata: { ...(created.object.metadata as object), managedFields: created.managedFields },
  };
  const clash = serverSideApply(live as never, vs('v2'), 'bob', 'networking.istio.io/v1', T, false);
  assert.equal(clash.ok, false);
  if (!clash.ok)
    assert.equal(
      conflictMessage(clash.conflicts),
      'Apply failed with 1 conflict: conflict with "alice" using networking.istio.io/v1: .spec.http',
    );
  const forced = serverSideApply(live as never, vs('v2'), 'bob', 'networking.istio.io/v1', T, true);
  assert.ok(forced.ok);
  if (forced.ok) {
    const managers = (forced.managedFields as { manager: string }[]).map((m) => m.manager);
    assert.deepEqual(managers, ['alice', 'bob']);
  }
  // The same value is shared ownership, not a conflict.
  assert.ok(
    serverSideApply(live as never, vs('v1'), 'carol', 'networking.istio.io/v1', T, false).ok,
  );
});

test('a field a manager stops applying is removed', () => {
  const first = serverSideApply(
    undefined,
    vs('v1', { labels: { a: 'b' } }),
    'alice',
    'v',
    T,
    false,
  );
  assert.ok(first.ok);
  const live = {
    ...first.object,
    metadata: { ...(first.object.metadata as object), managedFields: first.managedFields },
  };
  const second = serverSideApply(live as never, vs('v1'), 'alice', 'v', T, false);
  assert.ok(second.ok);
  if (second.ok) assert.equal((second.object.metadata as { labels?: unknown }).labels, undefined);
});

test('an update that changes nothing keeps managedFields as they were', () => {
  const live = {
    ...vs('v1'),
    metadata: { ...vs('v1').metadata, managedFields: [{ manager: 'x' }] },
  };
  assert.deepEqual(recordUpdate(live as never, vs('v1') as never, 'kubectl-patch', 'v', T), [
    { manager: 'x' },
  ]);
});

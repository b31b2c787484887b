// retryRemoteLocalities = Envoy previous_priorities with update_frequency 2 (istio/istio
// pilot/pkg/networking/core/route/retry/retry.go; envoyproxy/envoy source/extensions/retry/priority/
// previous_priorities/previous_priorities.cc): the first two attempts use the normal load; from the
// third, the priorities already attempted are excluded; with none left the history resets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PreviousPriorities } from './retry-priority.js';

test('priorities tried are excluded every second attempt', () => {
  const pp = new PreviousPriorities();
  const health = [100, 100, 100];
  assert.equal(pp.excludedFor(health), undefined);
  pp.onHostAttempted(0);
  assert.equal(pp.excludedFor(health), undefined);
  pp.onHostAttempted(0);
  assert.deepEqual([...(pp.excludedFor(health) ?? [])], [0]);
  pp.onHostAttempted(1);
  // Odd count: the last adjusted load stands (P0 still excluded).
  assert.deepEqual([...(pp.excludedFor(health) ?? [])], [0]);
  pp.onHostAttempted(1);
  assert.deepEqual([...(pp.excludedFor(health) ?? [])].sort(), [0, 1]);
});

test('when every priority with availability was tried, the history is forgotten', () => {
  const pp = new PreviousPriorities();
  pp.onHostAttempted(0);
  pp.onHostAttempted(1);
  assert.equal(pp.excludedFor([100, 100]), undefined);
  pp.onHostAttempted(0);
  assert.equal(pp.excludedFor([100, 100]), undefined);
});

// Priority load as Envoy computes it (envoyproxy/envoy source/extensions/load_balancing_policies/
// common/load_balancer_impl.cc recalculatePerPriorityState / recalculatePerPriorityPanic /
// choosePriority; docs intro/arch_overview/upstream/load_balancing/priority.rst): health is
// min(100, 1.4 x healthy / hosts); P0 keeps 100% until fewer than ~71% of its hosts are healthy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choosePriority, loadExcluding, priorityHealth, priorityLoad } from './priority-load.js';

test('health is 1.4 x the healthy share, capped at 100', () => {
  assert.equal(priorityHealth({ total: 10, healthy: 10 }), 100);
  assert.equal(priorityHealth({ total: 10, healthy: 8 }), 100); // 112% capped
  assert.equal(priorityHealth({ total: 10, healthy: 5 }), 70);
  assert.equal(priorityHealth({ total: 4, healthy: 1 }), 35);
  assert.equal(priorityHealth({ total: 0, healthy: 0 }), 0);
});

test('P0 healthy enough keeps all the load; lower levels get only what P0 cannot take', () => {
  const all = priorityLoad(
    [
      { total: 4, healthy: 3 },
      { total: 4, healthy: 4 },
    ],
    0,
  );
  assert.deepEqual(all.load, [100, 0]);
  // priority.rst example: P0 at 50% healthy -> 70% health -> 70% of the load, P1 gets 30%.
  const spill = priorityLoad(
    [
      { total: 10, healthy: 5 },
      { total: 10, healthy: 10 },
    ],
    0,
  );
  assert.deepEqual(spill.load, [70, 30]);
  const gone = priorityLoad(
    [
      { total: 2, healthy: 0 },
      { total: 2, healthy: 2 },
      { total: 2, healthy: 2 },
    ],
    0,
  );
  assert.deepEqual(gone.load, [0, 100, 0]);
});

test('total health below 100 is normalised so the loads still sum to 100', () => {
  // 20% + 20% health -> 50% / 50% of the load.
  const r = priorityLoad(
    [
      { total: 7, healthy: 1 },
      { total: 7, healthy: 1 },
    ],
    0,
  );
  assert.deepEqual(r.health, [20, 20]);
  assert.deepEqual(r.load, [50, 50]);
});

test('nothing healthy with panic disabled: P0 takes the load (and finds no host)', () => {
  const r = priorityLoad(
    [
      { total: 2, healthy: 0 },
      { total: 2, healthy: 0 },
    ],
    0,
  );
  assert.deepEqual(r.load, [100, 0]);
  assert.deepEqual(r.panic, [false, false]);
});

test('every level in panic: load by host counts (recalculateLoadInTotalPanic)', () => {
  const r = priorityLoad(
    [
      { total: 1, healthy: 0 },
      { total: 3, healthy: 0 },
    ],
    50,
  );
  assert.deepEqual(r.panic, [true, true]);
  assert.deepEqual(r.load, [25, 75]);
});

test('choosePriority maps hash % 100 + 1 onto the cumulative load', () => {
  assert.equal(choosePriority(0, [70, 30]), 0); // 1
  assert.equal(choosePriority(69, [70, 30]), 0); // 70
  assert.equal(choosePriority(70, [70, 30]), 1); // 71
  assert.equal(choosePriority(199, [70, 30]), 1); // 100
});

// previous_priorities.cc adjustForAttemptedPriorities.
test('excluding attempted priorities hands their load to the others', () => {
  assert.deepEqual(loadExcluding([100, 100, 70], new Set([0])), [0, 100, 0]);
  assert.deepEqual(loadExcluding([100, 100, 70], new Set([0, 1])), [0, 0, 100]);
  assert.equal(loadExcluding([100, 0], new Set([0])), undefined);
});

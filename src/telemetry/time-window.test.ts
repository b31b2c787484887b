import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_WINDOW_MS, SLOT_MS, SlotRing, windowSpan } from './time-window.js';
import { BUCKETS } from './metrics.js';

test('a window sums the slots it overlaps and divides by the span they cover', () => {
  const ring = new SlotRing();
  ring.add(0, 3, 1);
  ring.add(SLOT_MS * 2 + 10, 2, 300);
  const span = windowSpan(SLOT_MS * 3, SLOT_MS, 0);
  assert.deepEqual(span, { from: SLOT_MS * 2, seconds: SLOT_MS / 1000 });
  const recent = ring.sum(span.from, SLOT_MS * 3);
  assert.equal(recent.count, 2);
  assert.equal(recent.buckets[BUCKETS.indexOf(500)], 2);
  assert.equal(ring.sum(0, SLOT_MS * 3).count, 5);
  // A window never reaches before recording began.
  assert.deepEqual(windowSpan(SLOT_MS * 3, 60_000, 1234), {
    from: 1234,
    seconds: (SLOT_MS * 3 - 1234) / 1000,
  });
});

test('slots older than the longest window are dropped', () => {
  const ring = new SlotRing();
  ring.add(0, 1);
  ring.add(MAX_WINDOW_MS + 3 * SLOT_MS, 1);
  assert.equal(ring.sum(0, MAX_WINDOW_MS + 3 * SLOT_MS).count, 1);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, SequenceRandom } from '../runtime/index.js';
import { Backoff } from './backoff.js';

test("the reflector's back-off: 0.8 s doubling to 30 s, jitter up to 100%, reset after 2 quiet minutes", () => {
  const clock = new ManualClock();
  const noJitter = new Backoff(clock, new SequenceRandom([0]));
  const waits = Array.from({ length: 8 }, () => noJitter.next());
  assert.deepEqual(waits, [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
  clock.advance(120_001);
  assert.equal(noJitter.next(), 800);
  const fullJitter = new Backoff(clock, new SequenceRandom([0.999]));
  assert.equal(fullJitter.next(), 1599);
});

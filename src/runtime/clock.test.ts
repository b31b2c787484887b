import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from './clock.js';
import { SeededRandom, SequenceRandom } from './random.js';

test('manual clock fires timers in due order, including ones scheduled while advancing', () => {
  const clock = new ManualClock(0);
  const fired: string[] = [];
  clock.setTimer(20, () => fired.push('b'));
  clock.setTimer(10, () => {
    fired.push('a');
    clock.setTimer(5, () => fired.push('a2'));
  });
  const c = clock.setTimer(12, () => fired.push('cancelled'));
  c.cancel();
  clock.advance(25);
  assert.deepEqual(fired, ['a', 'a2', 'b']);
  assert.equal(clock.now(), 25);
});

test('seeded random is reproducible and in [0,1)', () => {
  const a = new SeededRandom(7);
  const b = new SeededRandom(7);
  for (let i = 0; i < 100; i++) {
    const x = a.next();
    assert.equal(x, b.next());
    assert.ok(x >= 0 && x < 1);
  }
  const s = new SequenceRandom([0.1, 0.9]);
  assert.deepEqual([s.next(), s.next(), s.next()], [0.1, 0.9, 0.9]);
});

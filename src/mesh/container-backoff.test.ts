import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../runtime/clock.js';
import { ContainerBackoff } from './container-backoff.js';

// kubernetes pkg/kubelet/kubelet.go: backOffPeriod 10s, MaxContainerBackOff 300s; the first exit
// restarts at once (no entry yet), each later one waits the doubled back-off.
test('restart delays go 0, 10s, 20s, 40s ... capped at 5 min', () => {
  const clock = new ManualClock();
  const b = new ContainerBackoff(undefined, clock);
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    const d = b.delayMs('p/c', clock.now());
    delays.push(d);
    clock.advance(d);
    b.next('p/c');
  }
  assert.deepEqual(delays, [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
});

test('a container that ran well for more than 10 minutes starts again without back-off', () => {
  const clock = new ManualClock();
  const b = new ContainerBackoff(undefined, clock);
  b.next('p/c');
  clock.advance(10_000);
  b.next('p/c');
  clock.advance(601_000);
  assert.equal(b.delayMs('p/c', clock.now()), 0);
});

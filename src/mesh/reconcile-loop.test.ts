import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReconcileLoop } from './reconcile-loop.js';

// istiod coalesces pushes (pilot/pkg/xds/discovery.go debounce): a burst becomes at most one more pass,
// always with the newest input, and passes never overlap.
test('requests of one tick become one pass with the last input', async () => {
  const seen: number[] = [];
  const loop = new ReconcileLoop<number>(
    async (n) => void seen.push(n),
    (err) => assert.fail(String(err)),
  );
  for (let i = 1; i <= 5; i++) void loop.request(i);
  await loop.idle();
  assert.deepEqual(seen, [5]);
});

test('a burst of requests while a pass runs becomes one more pass with the latest input', async () => {
  const seen: number[] = [];
  let active = 0;
  let release: (() => void) | undefined;
  const loop = new ReconcileLoop<number>(
    async (n) => {
      active++;
      assert.equal(active, 1, 'passes never overlap');
      seen.push(n);
      if (n === 0) await new Promise<void>((r) => (release = r));
      else await Promise.resolve();
      active--;
    },
    (err) => assert.fail(String(err)),
  );
  const first = loop.request(0);
  while (!release) await new Promise((r) => setImmediate(r));
  for (let i = 1; i <= 50; i++) void loop.request(i);
  release?.();
  await first;
  await loop.idle();
  assert.deepEqual(seen, [0, 50]);
});

test('a failing pass is reported and the loop keeps serving later requests', async () => {
  const errors: unknown[] = [];
  const seen: number[] = [];
  const loop = new ReconcileLoop<number>(
    async (n) => {
      if (n === 1) throw new Error('boom');
      seen.push(n);
    },
    (err) => errors.push(err),
  );
  await loop.request(1);
  await loop.request(2);
  assert.equal(errors.length, 1);
  assert.deepEqual(seen, [2]);
});

// A commit that asks for a pass has already held the event loop for its own work: the pass must not
// add its first slice to that block (issue #13 item 5), so it starts only in a later turn.
test('a pass starts in a later event-loop turn than the request, not in its microtasks', async () => {
  let started = false;
  const loop = new ReconcileLoop<number>(
    async () => void (started = true),
    (err) => assert.fail(String(err)),
  );
  void loop.request(1);
  for (let i = 0; i < 100; i++) await Promise.resolve();
  assert.equal(started, false, 'the requesting turn (and its microtasks) ended first');
  await new Promise<void>((r) => setImmediate(r));
  assert.equal(started, true);
  await loop.idle();
});

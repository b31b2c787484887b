// One shared case table run against every load-balancing policy (model-codebases.md §4.12).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LbPolicy } from '../../../compile/snapshot.js';
import { SeededRandom, SequenceRandom } from '../../../runtime/random.js';
import { Host } from '../host.js';
import { createLoadBalancer, hashString } from './index.js';

const POLICIES: LbPolicy[] = ['LEAST_REQUEST', 'ROUND_ROBIN', 'RANDOM', 'RING_HASH', 'MAGLEV'];
const hosts = (n: number) =>
  Array.from(
    { length: n },
    (_, i) => new Host({ address: '10.0.0.' + i, port: 80, labels: {}, weight: 1 }),
  );
const lb = (p: LbPolicy) =>
  createLoadBalancer({
    lbPolicy: p,
    ringHash: { minimumRingSize: 64 },
    maglev: { tableSize: 251 },
  } as never);

for (const p of POLICIES) {
  test(`${p}: picks only among the given hosts`, () => {
    const b = lb(p);
    const hs = hosts(4);
    const random = new SeededRandom(3);
    for (let i = 0; i < 200; i++) {
      const h = b.pick(hs, {
        random,
        hash: p.endsWith('HASH') || p === 'MAGLEV' ? i * 7919 : undefined,
      });
      assert.ok(h && hs.includes(h));
    }
  });

  test(`${p}: a single host is always chosen, none from an empty set`, () => {
    const b = lb(p);
    const [only] = hosts(1);
    assert.equal(b.pick([only!], { random: new SequenceRandom([0.99]), hash: 5 }), only);
    assert.equal(b.pick([], { random: new SequenceRandom([0.5]) }), undefined);
  });

  test(`${p}: spreads load over every host`, () => {
    const b = lb(p);
    const hs = hosts(3);
    const random = new SeededRandom(11);
    const seen = new Set<Host>();
    for (let i = 0; i < 300; i++) {
      const h = b.pick(hs, { random, hash: hashString(`key-${i}`) });
      if (h) seen.add(h);
    }
    assert.equal(seen.size, 3);
  });
}

for (const p of ['LEAST_REQUEST', 'ROUND_ROBIN', 'RANDOM'] as LbPolicy[]) {
  test(`${p}: avoids previously tried hosts while another is available`, () => {
    const b = lb(p);
    const hs = hosts(3);
    const avoid = new Set([hs[0]!, hs[1]!]);
    for (let i = 0; i < 20; i++)
      assert.equal(b.pick(hs, { random: new SeededRandom(i), avoid }), hs[2]);
    assert.ok(b.pick(hs, { random: new SeededRandom(1), avoid: new Set(hs) }));
  });
}

test('LEAST_REQUEST: of the two drawn hosts the one with fewer active requests wins', () => {
  const b = lb('LEAST_REQUEST');
  const hs = hosts(3);
  hs[0]!.active = 5;
  hs[2]!.active = 1;
  assert.equal(b.pick(hs, { random: new SequenceRandom([0, 0.9]) }), hs[2]);
  assert.equal(b.pick(hs, { random: new SequenceRandom([0.9, 0]) }), hs[2]);
});

for (const p of ['RING_HASH', 'MAGLEV'] as LbPolicy[]) {
  test(`${p}: a key keeps its host when an unrelated host leaves (minimal disruption)`, () => {
    const b = lb(p);
    const hs = hosts(5);
    const before = new Map<number, Host>();
    for (let k = 0; k < 100; k++)
      before.set(k, b.pick(hs, { random: new SeededRandom(1), hash: hashString(`k${k}`) })!);
    const removed = hs[4]!;
    const fewer = hs.slice(0, 4);
    let moved = 0;
    for (let k = 0; k < 100; k++) {
      const h = b.pick(fewer, { random: new SeededRandom(1), hash: hashString(`k${k}`) });
      if (before.get(k) !== removed && h !== before.get(k)) moved++;
    }
    // Envoy rescales every host's share when one leaves, so a few other keys move too.
    assert.ok(moved <= 35, `${moved} keys moved`);
  });
}

// Weighted policies (envoyproxy/envoy source/extensions/load_balancing_policies/common/
// load_balancer_impl.cc EdfLoadBalancerBase; least_request_lb.cc hostWeight; random_lb.cc).
const weighted = (ws: number[]) =>
  ws.map((w, i) => new Host({ address: '10.1.0.' + i, port: 80, labels: {}, weight: w }));

test('ROUND_ROBIN with unequal weights follows the EDF schedule (weight share over a cycle)', () => {
  const b = lb('ROUND_ROBIN');
  const hs = weighted([3, 1]);
  const seq = Array.from({ length: 8 }, () => b.pick(hs, { random: new SeededRandom(1) }));
  assert.equal(seq.filter((h) => h === hs[0]).length, 6);
  assert.equal(seq.filter((h) => h === hs[1]).length, 2);
  // EDF deadlines: a at 1/3, 2/3, 1 ...; b at 1; equal deadlines go FIFO (b was added first).
  assert.deepEqual(seq.slice(0, 4), [hs[0], hs[0], hs[1], hs[0]]);
});

test('LEAST_REQUEST with unequal weights divides weight by active requests + 1', () => {
  const b = lb('LEAST_REQUEST');
  const hs = weighted([2, 1]);
  let a = 0;
  for (let i = 0; i < 300; i++) if (b.pick(hs, { random: new SeededRandom(i) }) === hs[0]) a++;
  assert.equal(a, 200);
  // A busy heavy host loses its advantage: 2 / (3 + 1) < 1 / (0 + 1).
  const b2 = lb('LEAST_REQUEST');
  const busy = weighted([2, 1]);
  busy[0]!.active = 3;
  let light = 0;
  for (let i = 0; i < 30; i++)
    if (b2.pick(busy, { random: new SeededRandom(i) }) === busy[1]) light++;
  assert.ok(light > 15, `light host got ${light} of 30`);
});

test('RANDOM ignores endpoint weights (random_lb.cc: hosts[random % size])', () => {
  const b = lb('RANDOM');
  const hs = weighted([9, 1]);
  const random = new SeededRandom(5);
  let heavy = 0;
  for (let i = 0; i < 1000; i++) if (b.pick(hs, { random }) === hs[0]) heavy++;
  assert.ok(heavy > 400 && heavy < 600, `heavy host got ${heavy} of 1000`);
});

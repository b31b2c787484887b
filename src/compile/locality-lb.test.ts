// Locality LB as Istio writes it into endpoints (istio/istio pilot/pkg/networking/core/loadbalancer/
// loadbalancer.go, its loadbalancer_test.go cases; pilot/pkg/networking/util/util.go LbPriority).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadBalancerSettings } from '../config/istio-types.js';
import { applyLocalityLb, localityMatch, localityWeighted } from './locality-lb.js';
import type { Endpoint } from './snapshot.js';

const ep = (address: string, locality: string, extra: Partial<Endpoint> = {}): Endpoint => ({
  address,
  port: 80,
  labels: {},
  weight: 1,
  locality,
  ...extra,
});
const endpoints = [
  ep('1.1.1.1', 'region1/zone1/subzone1'),
  ep('2.2.2.2', 'region1/zone1/subzone2'),
  ep('3.3.3.3', 'region1/zone2/subzone1'),
  ep('4.4.4.4', 'region2/zone1/subzone1'),
  ep('5.5.5.5', 'region3/zone1/subzone1'),
];
const run = (
  lb: LoadBalancerSettings | undefined,
  outlierDetection: boolean,
  eps: Endpoint[] = endpoints,
  proxyLabels: Record<string, string> = {},
) =>
  applyLocalityLb(eps, {
    mesh: { enabled: true },
    lb,
    outlierDetection,
    proxyLocality: 'region1/zone1/subzone1',
    proxyLabels,
  });
const priorities = (eps: readonly Endpoint[]) =>
  Object.fromEntries(eps.map((e) => [e.address, e.priority ?? 0]));

test('mesh default + outlier detection: priority 0 same subzone, 1 same zone, 2 same region, 3 other', () => {
  assert.deepEqual(priorities(run(undefined, true)), {
    '1.1.1.1': 0,
    '2.2.2.2': 1,
    '3.3.3.3': 2,
    '4.4.4.4': 3,
    '5.5.5.5': 3,
  });
});

test('without outlier detection no failover priorities are assigned (Envoy would never fail over)', () => {
  assert.equal(run(undefined, false), endpoints);
});

test('failover region1 -> region2: region2 keeps the next priority, other regions drop below it', () => {
  const out = run({ localityLbSetting: { failover: [{ from: 'region1', to: 'region2' }] } }, true);
  assert.deepEqual(priorities(out), {
    '1.1.1.1': 0,
    '2.2.2.2': 1,
    '3.3.3.3': 2,
    '4.4.4.4': 3,
    '5.5.5.5': 4,
  });
  // Failover with outlier detection turns on locality-weighted LB (ApplyToCluster).
  assert.equal(out[0]!.localityWeight, 1);
});

test('priorities are renumbered without gaps', () => {
  const out = run(undefined, true, [
    ep('1.1.1.1', 'region1/zone1/subzone1'),
    ep('4.4.4.4', 'region2/zone1/subzone1'),
  ]);
  assert.deepEqual(priorities(out), { '1.1.1.1': 0, '4.4.4.4': 1 });
});

test('distribute sets locality weights; a wildcard splits its weight, rounded up; unnamed localities are dropped', () => {
  const out = run(
    {
      localityLbSetting: {
        distribute: [
          { from: 'region9/*', to: { 'region3/*': 100 } },
          { from: 'region1/zone1/*', to: { 'region1/zone1/*': 80, 'region2/zone1/*': 20 } },
        ],
      },
    },
    false,
  );
  const w = Object.fromEntries(out.map((e) => [e.address, e.localityWeight]));
  // region1/zone1 holds two localities of weight 1 each: 80 x 1/2 = 40 apiece.
  assert.deepEqual(w, { '1.1.1.1': 40, '2.2.2.2': 40, '4.4.4.4': 20 });
  assert.ok(out.every((e) => (e.priority ?? 0) === 0));
});

test('failoverPriority: priority counts the labels left after the first that differs from the proxy', () => {
  const L = (network: string, zone: string) => ({ 'topology.istio.io/network': network, zone });
  const eps = [
    ep('1.1.1.1', '', { labels: L('n1', 'a') }),
    ep('2.2.2.2', '', { labels: L('n1', 'b') }),
    ep('3.3.3.3', '', { labels: L('n2', 'a') }),
  ];
  const out = run(
    { localityLbSetting: { failoverPriority: ['topology.istio.io/network', 'zone'] } },
    true,
    eps,
    { 'topology.istio.io/network': 'n1', zone: 'a' },
  );
  // Leading network mismatch: skipped but pushed below every same-network endpoint (2 + 0).
  assert.deepEqual(priorities(out), { '1.1.1.1': 0, '2.2.2.2': 1, '3.3.3.3': 2 });
});

test('failoverPriority `label=value` compares with the given value instead of the proxy label', () => {
  const eps = [ep('1.1.1.1', '', { labels: { tier: 'gold' } }), ep('2.2.2.2', '', { labels: {} })];
  const out = run({ localityLbSetting: { failoverPriority: ['tier=gold'] } }, true, eps, {
    app: 'x',
  });
  assert.deepEqual(priorities(out), { '1.1.1.1': 0, '2.2.2.2': 1 });
});

test('a DestinationRule localityLbSetting with enabled: false turns locality LB off', () => {
  assert.equal(run({ localityLbSetting: { enabled: false } }, true), endpoints);
});

test('LocalityMatch: `*` and missing parts match anything', () => {
  assert.ok(localityMatch('r1/z1/s1', '*'));
  assert.ok(localityMatch('r1/z1/s1', 'r1'));
  assert.ok(localityMatch('r1/z1/s1', 'r1/z1/*'));
  assert.ok(!localityMatch('r1/z1/s1', 'r1/z2'));
});

test('locality-weighted LB: distribute always; failover/failoverPriority only with outlier detection', () => {
  assert.equal(localityWeighted({ distribute: [{ from: 'a', to: { a: 100 } }] }, false), true);
  assert.equal(localityWeighted({ failover: [{ from: 'a', to: 'b' }] }, false), false);
  assert.equal(localityWeighted({ failover: [{ from: 'a', to: 'b' }] }, true), true);
  assert.equal(localityWeighted({ failoverPriority: ['x'] }, true), true);
  assert.equal(localityWeighted({ enabled: true }, true), false);
});

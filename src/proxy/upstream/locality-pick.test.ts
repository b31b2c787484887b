// Host choice across Envoy priorities and localities (envoyproxy/envoy source/extensions/
// load_balancing_policies/common/load_balancer_impl.cc hostSourceToUse, locality_wrr.cc), on the
// endpoints Istio's locality failover produces (priority per locality relative to the client).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UNLIMITED, type Cluster, type Endpoint } from '../../compile/snapshot.js';
import { ManualClock } from '../../runtime/clock.js';
import { SeededRandom } from '../../runtime/random.js';
import { ClusterState } from './cluster-state.js';
import { ClusterStats } from './stats.js';

const ep = (i: number, extra: Partial<Endpoint> = {}): Endpoint => ({
  address: `10.0.0.${i}`,
  port: 80,
  labels: {},
  weight: 1,
  ...extra,
});
const cluster = (endpoints: Endpoint[], extra: Partial<Cluster> = {}): Cluster => ({
  name: 'outbound|80||a.default.svc.cluster.local',
  type: 'EDS',
  direction: 'outbound',
  serviceHost: 'a.default.svc.cluster.local',
  port: 80,
  subset: '',
  protocol: 'http',
  endpoints,
  lbPolicy: 'ROUND_ROBIN',
  connectionPool: {
    maxConnections: UNLIMITED,
    maxPendingRequests: UNLIMITED,
    maxRequests: UNLIMITED,
    maxRetries: UNLIMITED,
    maxRequestsPerConnection: 0,
    connectTimeoutMs: 10_000,
    idleTimeoutMs: 3_600_000,
  },
  outlierDetection: {
    consecutive5xx: 5,
    consecutiveGatewayErrors: 0,
    splitExternalLocalOriginErrors: false,
    consecutiveLocalOriginFailures: 5,
    intervalMs: 10_000,
    baseEjectionTimeMs: 30_000,
    maxEjectionPercent: 100,
    minHealthPercent: 0,
  },
  configHash: 'h',
  ...extra,
});
const state = (c: Cluster, seed = 7) =>
  new ClusterState(c, new ManualClock(), new SeededRandom(seed), new ClusterStats());
const tally = (s: ClusterState, n: number) => {
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const h = s.pickHost();
    const k = h?.key ?? 'none';
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
};

test('all traffic stays in priority 0 while it is healthy', () => {
  const s = state(
    cluster([
      ep(1, { priority: 0 }),
      ep(2, { priority: 0 }),
      ep(3, { priority: 1 }),
      ep(4, { priority: 2 }),
    ]),
  );
  const t = tally(s, 200);
  assert.equal((t.get('10.0.0.1:80') ?? 0) + (t.get('10.0.0.2:80') ?? 0), 200);
  s.close();
});

test('an ejected priority-0 host spills load to priority 1 by the overprovisioning factor', () => {
  // 1 of 2 healthy: P0 health 70 -> P0 70%, P1 30% (priority.rst).
  const s = state(
    cluster([ep(1, { priority: 0 }), ep(2, { priority: 0 }), ep(3, { priority: 1 })]),
  );
  s.hosts[0]!.ejected = true;
  const t = tally(s, 2000);
  const p1 = t.get('10.0.0.3:80') ?? 0;
  assert.equal(t.get('10.0.0.1:80'), undefined);
  assert.ok(p1 > 450 && p1 < 750, `P1 got ${p1} of 2000 (expected ~600)`);
  s.close();
});

test('priority 0 fully ejected fails over entirely to priority 1, then 2', () => {
  const s = state(
    cluster([ep(1, { priority: 0 }), ep(2, { priority: 1 }), ep(3, { priority: 2 })]),
  );
  s.hosts[0]!.ejected = true;
  assert.deepEqual([...tally(s, 50).keys()], ['10.0.0.2:80']);
  s.hosts[1]!.ejected = true;
  assert.deepEqual([...tally(s, 50).keys()], ['10.0.0.3:80']);
  s.close();
});

test('locality-weighted LB picks localities by their weight (distribute)', () => {
  const s = state(
    cluster(
      [
        ep(1, { locality: 'r/z1', localityWeight: 80 }),
        ep(2, { locality: 'r/z2', localityWeight: 20 }),
      ],
      { localityWeightedLb: true },
    ),
  );
  const t = tally(s, 100);
  // EDF over 80:20 is exact over a full cycle.
  assert.equal(t.get('10.0.0.1:80'), 80);
  assert.equal(t.get('10.0.0.2:80'), 20);
  s.close();
});

test("a locality's weight shrinks with its availability (weight x min(1, 1.4 x healthy / hosts))", () => {
  const s = state(
    cluster(
      [
        ep(1, { locality: 'r/z1', localityWeight: 50 }),
        ep(2, { locality: 'r/z1', localityWeight: 50 }),
        ep(3, { locality: 'r/z1', localityWeight: 50 }),
        ep(4, { locality: 'r/z1', localityWeight: 50 }),
        ep(5, { locality: 'r/z2', localityWeight: 50 }),
      ],
      { localityWeightedLb: true },
    ),
  );
  for (const i of [0, 1, 2]) s.hosts[i]!.ejected = true; // z1: 50 x 1.4 x 1/4 = 17.5
  const t = tally(s, 675);
  assert.equal(t.get('10.0.0.4:80'), 175);
  assert.equal(t.get('10.0.0.5:80'), 500);
  s.close();
});

test('without locality-weighted LB the locality weights are ignored', () => {
  const s = state(
    cluster([
      ep(1, { locality: 'r/z1', localityWeight: 90 }),
      ep(2, { locality: 'r/z2', localityWeight: 10 }),
    ]),
  );
  const t = tally(s, 100);
  assert.equal(t.get('10.0.0.1:80'), 50);
  s.close();
});

test('excluded priorities (retryRemoteLocalities) move the pick to the next priority', () => {
  const s = state(cluster([ep(1, { priority: 0 }), ep(2, { priority: 1 })]));
  for (let i = 0; i < 20; i++)
    assert.equal(s.pickHost({ excludedPriorities: new Set([0]) })?.key, '10.0.0.2:80');
  s.close();
});

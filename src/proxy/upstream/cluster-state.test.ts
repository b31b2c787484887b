import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UNLIMITED, type Cluster } from '../../compile/snapshot.js';
import { ManualClock } from '../../runtime/clock.js';
import { SequenceRandom } from '../../runtime/random.js';
import { ClusterState } from './cluster-state.js';
import { ClusterStats } from './stats.js';

const base = (extra: Partial<Cluster> = {}): Cluster => ({
  name: 'outbound|80||a.default.svc.cluster.local',
  type: 'EDS',
  direction: 'outbound',
  serviceHost: 'a.default.svc.cluster.local',
  port: 80,
  subset: '',
  protocol: 'http',
  endpoints: [1, 2, 3, 4].map((i) => ({ address: `10.0.0.${i}`, port: 80, labels: {}, weight: 1 })),
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
  configHash: 'h',
  ...extra,
});
const od = (minHealthPercent: number) => ({
  consecutive5xx: 1,
  consecutiveGatewayErrors: 0,
  splitExternalLocalOriginErrors: false,
  consecutiveLocalOriginFailures: 0,
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionPercent: 100,
  minHealthPercent,
});

test('ejected hosts leave the LB set; below the panic threshold every host is used', () => {
  const clock = new ManualClock();
  const s = new ClusterState(
    base({ outlierDetection: od(50) }),
    clock,
    new SequenceRandom([0]),
    new ClusterStats(),
  );
  s.hosts[0]!.ejected = true;
  assert.equal(s.healthyHosts().length, 3);
  s.hosts[1]!.ejected = true;
  s.hosts[2]!.ejected = true; // 25% healthy < 50% panic threshold
  assert.equal(s.healthyHosts().length, 4);
  s.close();
});

test('panic disabled (minHealthPercent 0): all ejected means no host (503 UH)', () => {
  const clock = new ManualClock();
  const s = new ClusterState(
    base({ outlierDetection: od(0) }),
    clock,
    new SequenceRandom([0]),
    new ClusterStats(),
  );
  for (const h of s.hosts) h.ejected = true;
  assert.equal(s.healthyHosts().length, 0);
  s.close();
});

test('maxRequests overflow is refused before any connection is made', () => {
  const stats = new ClusterStats();
  const s = new ClusterState(
    base({ connectionPool: { ...base().connectionPool, maxRequests: 0 } }),
    new ManualClock(),
    new SequenceRandom([0]),
    stats,
  );
  let result: string | undefined;
  s.acquire(s.hosts[0]!, (r) => (result = r.ok ? 'ok' : r.reason));
  assert.equal(result, 'overflow');
  assert.equal(stats.upstream_rq_pending_overflow, 1);
  assert.equal(s.cxActive, 0);
  s.close();
});

test('a swap with the same hash keeps hosts (and their state), drops removed endpoints', () => {
  const s = new ClusterState(
    base(),
    new ManualClock(),
    new SequenceRandom([0]),
    new ClusterStats(),
  );
  const kept = s.hosts[0]!;
  kept.consecutive5xx = 3;
  s.update(base({ endpoints: base().endpoints.slice(0, 2) }));
  assert.equal(s.hosts.length, 2);
  assert.equal(s.hosts[0], kept);
  assert.equal(kept.consecutive5xx, 3);
  s.close();
});

test('every pick made in panic counts lb_healthy_panic', () => {
  const stats = new ClusterStats();
  const s = new ClusterState(
    base({ outlierDetection: od(80) }),
    new ManualClock(),
    new SequenceRandom([0]),
    stats,
  );
  s.hosts[0]!.ejected = true;
  s.hosts[1]!.ejected = true; // 50% healthy < 80%, and 1.4 x 50% = 70% < 100%
  assert.equal(s.healthyHosts().length, 4);
  assert.equal(s.healthyHosts().length, 4);
  assert.equal(stats.lb_healthy_panic, 2);
  s.close();
});

// load_balancer_impl.cc recalculatePerPriorityPanic: "Never set panic mode if normalized total
// health is 100%" - 3 of 4 healthy is 1.4 x 75% = 105%, capped at 100%, so no panic below 80%.
test('no panic while overprovisioned health is 100%, whatever minHealthPercent says', () => {
  const stats = new ClusterStats();
  const s = new ClusterState(
    base({ outlierDetection: od(80) }),
    new ManualClock(),
    new SequenceRandom([0]),
    stats,
  );
  s.hosts[0]!.ejected = true;
  assert.equal(s.healthyHosts().length, 3);
  assert.equal(stats.lb_healthy_panic, 0);
  s.close();
});

test('max_requests counts attached requests only: pending ones wait under maxPendingRequests', () => {
  const stats = new ClusterStats();
  const s = new ClusterState(
    base({
      endpoints: base().endpoints.slice(0, 1),
      connectionPool: {
        ...base().connectionPool,
        maxConnections: 1,
        maxRequests: 2,
        maxPendingRequests: 5,
      },
    }),
    new ManualClock(),
    new SequenceRandom([0]),
    stats,
  );
  const results: string[] = [];
  const host = s.hosts[0]!;
  for (let i = 0; i < 4; i++) s.acquire(host, (r) => results.push(r.ok ? 'ok' : r.reason));
  // One connection (maxConnections 1): one attached, three pending; none overflow (Envoy semantics).
  assert.deepEqual(results, ['ok']);
  assert.equal(s.rqPending, 3);
  assert.equal(stats.upstream_rq_pending_overflow, 0);
  s.close();
});

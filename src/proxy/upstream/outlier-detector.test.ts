import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OutlierDetectionPolicy } from '../../compile/snapshot.js';
import { ManualClock } from '../../runtime/clock.js';
import { Host } from './host.js';
import { OutlierDetector } from './outlier-detector.js';
import { ClusterStats } from './stats.js';

const policy = (p: Partial<OutlierDetectionPolicy>): OutlierDetectionPolicy => ({
  consecutive5xx: 5,
  consecutiveGatewayErrors: 0,
  splitExternalLocalOriginErrors: false,
  consecutiveLocalOriginFailures: 5,
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionPercent: 10,
  minHealthPercent: 0,
  ...p,
});
const hosts = (n: number) =>
  Array.from(
    { length: n },
    (_, i) => new Host({ address: `10.0.0.${i}`, port: 80, labels: {}, weight: 1 }),
  );

test('ejects at the consecutive 5xx threshold; a success resets the count', () => {
  const clock = new ManualClock();
  const hs = hosts(2);
  const od = new OutlierDetector(
    policy({ consecutive5xx: 3, maxEjectionPercent: 100 }),
    clock,
    () => hs,
    new ClusterStats(),
  );
  const h = hs[0]!;
  od.putResult(h, { kind: 'status', status: 500 });
  od.putResult(h, { kind: 'status', status: 500 });
  od.putResult(h, { kind: 'status', status: 200 });
  od.putResult(h, { kind: 'status', status: 503 });
  od.putResult(h, { kind: 'status', status: 502 });
  assert.equal(h.ejected, false);
  od.putResult(h, { kind: 'local' });
  assert.equal(h.ejected, true);
  od.stop();
});

// envoyproxy/envoy source/common/upstream/outlier_detection_impl.cc ejectHost (>= 1.27): a host is
// ejected only when 100 x (ejected + 1) / hosts <= max_ejection_percent; always_eject_one_host, which
// Istio never sets, is the only thing that lets a first ejection through.
test('maxEjectionPercent 10 (the default) ejects nothing among fewer than 10 hosts', () => {
  const clock = new ManualClock();
  const hs = hosts(4);
  const stats = new ClusterStats();
  const od = new OutlierDetector(
    policy({ consecutive5xx: 1, maxEjectionPercent: 10 }),
    clock,
    () => hs,
    stats,
  );
  for (const h of hs) od.putResult(h, { kind: 'status', status: 500 });
  assert.equal(hs.filter((h) => h.ejected).length, 0);
  assert.equal(stats['outlier_detection.ejections_overflow'], 4);
  assert.equal(stats['outlier_detection.ejections_active'], 0);
  od.stop();
});

test('maxEjectionPercent 10 ejects exactly one of 10 hosts; (ejected + 1) / hosts may equal the cap', () => {
  const clock = new ManualClock();
  const hs = hosts(10);
  const stats = new ClusterStats();
  const od = new OutlierDetector(
    policy({ consecutive5xx: 1, maxEjectionPercent: 10 }),
    clock,
    () => hs,
    stats,
  );
  for (const h of hs) od.putResult(h, { kind: 'status', status: 500 });
  assert.equal(hs.filter((h) => h.ejected).length, 1);
  assert.equal(stats['outlier_detection.ejections_overflow'], 9);
  od.stop();
});

test('maxEjectionPercent 50 ejects two of four hosts, 100 ejects all of them', () => {
  for (const [pct, want] of [
    [50, 2],
    [100, 4],
  ] as const) {
    const hs = hosts(4);
    const od = new OutlierDetector(
      policy({ consecutive5xx: 1, maxEjectionPercent: pct }),
      new ManualClock(),
      () => hs,
      new ClusterStats(),
    );
    for (const h of hs) od.putResult(h, { kind: 'status', status: 500 });
    assert.equal(hs.filter((h) => h.ejected).length, want, `maxEjectionPercent ${pct}`);
    od.stop();
  }
});

test('ejection time is base x times ejected, capped at 300s; the sweep un-ejects and decays', () => {
  const clock = new ManualClock();
  const hs = hosts(2);
  const od = new OutlierDetector(
    policy({
      consecutive5xx: 1,
      maxEjectionPercent: 100,
      baseEjectionTimeMs: 200_000,
      intervalMs: 10_000,
    }),
    clock,
    () => hs,
    new ClusterStats(),
  );
  const h = hs[0]!;
  od.putResult(h, { kind: 'status', status: 500 });
  clock.advance(200_000);
  assert.equal(h.ejected, false);
  od.putResult(h, { kind: 'status', status: 500 }); // second ejection: 2 x 200s capped at 300s
  clock.advance(290_000);
  assert.equal(h.ejected, true);
  clock.advance(10_000);
  assert.equal(h.ejected, false);
  clock.advance(20_000);
  assert.equal(h.ejectionCount, 0);
  od.stop();
});

test('split local-origin errors only feed consecutiveLocalOriginFailures', () => {
  const clock = new ManualClock();
  const hs = hosts(2);
  const od = new OutlierDetector(
    policy({
      splitExternalLocalOriginErrors: true,
      consecutive5xx: 2,
      consecutiveLocalOriginFailures: 3,
      maxEjectionPercent: 100,
    }),
    clock,
    () => hs,
    new ClusterStats(),
  );
  const h = hs[0]!;
  od.putResult(h, { kind: 'local' });
  od.putResult(h, { kind: 'local' });
  // A response means the connection succeeded: the local-origin counter resets (Envoy
  // LOCAL_ORIGIN_CONNECT_SUCCESS_FINAL), and the 5xx counts only toward consecutive5xx.
  od.putResult(h, { kind: 'status', status: 500 });
  assert.equal(h.ejected, false);
  for (let i = 0; i < 3; i++) od.putResult(h, { kind: 'local' });
  assert.equal(h.ejected, true);
  od.stop();
});

test('gateway errors count only 502/503/504', () => {
  const clock = new ManualClock();
  const hs = hosts(2);
  const od = new OutlierDetector(
    policy({ consecutive5xx: 0, consecutiveGatewayErrors: 2, maxEjectionPercent: 100 }),
    clock,
    () => hs,
    new ClusterStats(),
  );
  const h = hs[0]!;
  od.putResult(h, { kind: 'status', status: 500 });
  od.putResult(h, { kind: 'status', status: 502 });
  assert.equal(h.ejected, false);
  od.putResult(h, { kind: 'status', status: 504 });
  assert.equal(h.ejected, true);
  od.stop();
});

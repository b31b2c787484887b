// fortio's number formats, histogram, call split and pacing, reproduced exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../src/runtime/clock.js';
import {
  Histogram,
  calcPercentile,
  formatG,
  histogramLines,
  parseLoadArgs,
  planRun,
  runPeriodic,
  UsageError,
} from '../src/load/index.js';
import { formatGoDuration as formatDuration, parseGoDuration } from '../src/units/index.js';

test('Go %g formatting as fortio prints it', () => {
  const cases: [number, number | undefined, string][] = [
    [0.0035, 6, '0.0035'],
    [1e6, undefined, '1e+06'],
    [346012, undefined, '346012'],
    [4.9404876e-5, 8, '4.9404876e-05'],
    [0.000887051, undefined, '0.000887051'],
    [2.7697e-5, undefined, '2.7697e-05'],
    [99.9, undefined, '99.9'],
    [265.93, 5, '265.93'],
    [11533.3, 5, '11533'],
    [0.0074062316, 8, '0.0074062316'],
    [0.148124632, 9, '0.148124632'],
    [0.01156, 4, '0.01156'],
    [0.0419935, 6, '0.0419935'],
    [123456789, 6, '1.23457e+08'],
    [8, undefined, '8'],
    [0, undefined, '0'],
  ];
  for (const [v, p, want] of cases) assert.equal(formatG(v, p), want, `formatG(${v}, ${p})`);
});

test('Go durations', () => {
  assert.equal(formatDuration(75_208_108), '75.208108ms');
  assert.equal(formatDuration(30_001_089_264), '30.001089264s');
  assert.equal(formatDuration(300_004_005_600), '5m0.0040056s');
  assert.equal(formatDuration(5e9), '5s');
  assert.equal(formatDuration(60e9), '1m0s');
  assert.equal(formatDuration(3_723e9), '1h2m3s');
  assert.equal(formatDuration(1500), '1.5µs');
  assert.equal(parseGoDuration('5s'), 5_000_000_000n);
  assert.equal(parseGoDuration('1m30s'), 90_000_000_000n);
  assert.equal(parseGoDuration('250ms'), 250_000_000n);
  assert.equal(parseGoDuration('2.5s'), 2_500_000_000n);
  assert.equal(parseGoDuration('5'), undefined);
});

test('histogram buckets and interpolated percentiles (fortio stats.go)', () => {
  const h = new Histogram(0, 1);
  for (const v of [10, 20, 30]) h.record(v);
  const e = h.export([50, 90]);
  assert.deepEqual(
    e.Data.map((b) => [b.Start, b.End, b.Count]),
    [
      [10, 10, 1],
      [18, 20, 1],
      [25, 30, 1],
    ],
  );
  assert.equal(calcPercentile(e, 50), 19);
  assert.equal(calcPercentile(e, 100), 30);
  assert.equal(calcPercentile(e, 10), 10);
  const lines = histogramLines(e, 'Aggregated Function Time');
  assert.equal(
    lines[0],
    'Aggregated Function Time : count 3 avg 20 +/- 8.165 min 10 max 30 sum 60',
  );
  assert.equal(lines[1], '# range, mid point, percentile, count');
  assert.equal(lines[2], '>= 10 <= 10 , 10 , 33.33, 1');
  assert.equal(lines[3], '> 18 <= 20 , 19 , 66.67, 1');
  assert.equal(lines[4], '> 25 <= 30 , 27.5 , 100.00, 1');
  assert.equal(lines[5], '# target 50% 19');
  assert.equal(lines[6], '# target 90% 28.5');
});

test('call split and Starting lines as fortio prints them', () => {
  assert.equal(
    planRun({ qps: 0, exactly: 30, connections: 3, durationNs: 5e9 }, 2).startLine,
    'Starting at max qps with 3 thread(s) [gomax 2] for exactly 30 calls (10 per thread + 0)',
  );
  assert.equal(
    planRun({ qps: 8, exactly: 0, connections: 4, durationNs: 5e9 }, 8).startLine,
    'Starting at 8 qps with 4 thread(s) [gomax 8] for 5s : 10 calls each (total 40)',
  );
  assert.equal(
    planRun({ qps: 8, exactly: 50, connections: 5, durationNs: 5e9 }, 4).startLine,
    'Starting at 8 qps with 5 thread(s) [gomax 4] : exactly 50, 10 calls each (total 50 + 0)',
  );
  const few = planRun({ qps: 10, exactly: 3, connections: 4, durationNs: 5e9 }, 1);
  assert.equal(few.numThreads, 1);
  assert.equal(few.numCalls, 3);
});

test('pacing follows the injected clock: 4 calls at 4 qps on one connection', async () => {
  const clock = new ManualClock(0);
  const at: number[] = [];
  const lines: string[] = [];
  const run = runPeriodic(
    {
      qps: 4,
      durationNs: 5e9,
      connections: 1,
      exactly: 4,
      percentiles: [50],
      resolution: 0.001,
      clock,
      procs: 1,
    },
    async () => {
      at.push(clock.monotonic());
    },
    (l) => lines.push(l),
  );
  let done = false;
  void run.then(() => (done = true));
  for (let i = 0; i < 2000 && !done; i++) {
    await new Promise<void>((r) => setImmediate(r));
    clock.advance(1);
  }
  const result = await run;
  // target after call i of n: (i + i/(n-1)) / qps seconds
  assert.deepEqual(
    at.map((t) => Math.ceil(t)),
    [0, 334, 667, 1000],
  );
  assert.equal(result.histogram.Count, 4);
  assert.match(
    lines[0]!,
    /^Starting at 4 qps with 1 thread\(s\) \[gomax 1\] : exactly 4, 4 calls each \(total 4 \+ 0\)$/,
  );
  assert.match(lines[1]!, /^Ended after 1s : 4 calls\. qps=4$/);
  assert.match(lines[2]!, /^Sleep times : count 3 /);
});

test('fortio-style flags', () => {
  const o = parseLoadArgs([
    '-c',
    '3',
    '-qps',
    '0',
    '-n=30',
    '--t',
    '2s',
    '-H',
    'end-user: jason',
    '-p',
    '50,99',
    '-timeout',
    '500ms',
    '-loglevel',
    'Warning',
    'reviews:9080/reviews/1',
  ])!;
  assert.equal(o.connections, 3);
  assert.equal(o.qps, 0);
  assert.equal(o.exactly, 30);
  assert.equal(o.durationNs, 2e9);
  assert.deepEqual(o.headers, [['end-user', 'jason']]);
  assert.deepEqual(o.percentiles, [50, 99]);
  assert.equal(o.timeoutMs, 500);
  assert.equal(o.url, 'http://reviews:9080/reviews/1');
  const d = parseLoadArgs(['http://x/'])!;
  assert.deepEqual([d.connections, d.qps, d.durationNs, d.timeoutMs], [4, 8, 5e9, 3000]);
  assert.deepEqual(d.percentiles, [50, 75, 90, 99, 99.9]);
  assert.throws(() => parseLoadArgs(['-bogus', '1', 'http://x/']), UsageError);
  assert.throws(() => parseLoadArgs(['-p', '100', 'http://x/']), UsageError);
  assert.throws(() => parseLoadArgs([]), UsageError);
  assert.equal(parseLoadArgs(['-h']), undefined);
});

// fortio's periodic runner (fortio/fortio periodic/periodic.go Run/runOne): N connections each
// pacing its share of the target qps, the same call-count split, sleep targets and printed lines.
// Time comes from the injected Clock so pacing is testable with a ManualClock.
import os from 'node:os';
import type { Clock } from '../runtime/clock.js';
import { formatGoDuration as formatDuration } from '../units/index.js';
import { formatG } from './go-format.js';
import { Histogram, histogramLines, type HistogramData } from './histogram.js';

export interface PeriodicOptions {
  qps: number;
  durationNs: number;
  connections: number;
  exactly: number;
  percentiles: readonly number[];
  resolution: number;
  clock: Clock;
  /** Aborts the run (Ctrl-C). */
  signal?: AbortSignal;
  /** GOMAXPROCS stand-in printed in the Starting line. */
  procs?: number;
  progressMs?: number;
  onProgress?: (calls: number, elapsedMs: number) => void;
}

export interface PeriodicResult {
  startTime: Date;
  elapsedMs: number;
  actualQps: number;
  numThreads: number;
  requestedQps: string;
  requestedDuration: string;
  histogram: HistogramData;
}

export interface Plan {
  useQps: boolean;
  numThreads: number;
  /** Calls per connection (0 = unbounded); connection 0 also does leftOver. */
  numCalls: number;
  leftOver: number;
  startLine: string;
  requestedQps: string;
  requestedDuration: string;
}

/** The call split and the "Starting at ..." line, as periodicRunner.Run computes them. */
export function planRun(
  o: Pick<PeriodicOptions, 'qps' | 'durationNs' | 'connections' | 'exactly'>,
  procs: number,
): Plan {
  const useQps = o.qps > 0;
  const hasDuration = o.durationNs > 0;
  const useExactly = o.exactly > 0;
  let threads = Math.max(1, o.connections);
  let numCalls = 0;
  let leftOver = 0;
  let requestedQps = 'max';
  let requestedDuration = 'until stop';
  let startLine: string;
  const dur = formatDuration(o.durationNs);
  if (useQps) {
    requestedQps = formatG(o.qps, 9);
    if (hasDuration || useExactly) {
      requestedDuration = dur;
      numCalls = Math.trunc(o.qps * (o.durationNs / 1e9));
      if (useExactly) {
        numCalls = o.exactly;
        requestedDuration = `exactly ${numCalls} calls`;
      }
      if (numCalls < 2) {
        numCalls = 2;
        threads = 1;
      }
      if (2 * threads > numCalls) threads = Math.trunc(numCalls / 2);
      numCalls = Math.trunc(numCalls / threads);
      const totalCalls = numCalls * threads;
      if (useExactly) {
        leftOver = o.exactly - totalCalls;
        startLine = `Starting at ${formatG(o.qps)} qps with ${threads} thread(s) [gomax ${procs}] : exactly ${o.exactly}, ${numCalls} calls each (total ${totalCalls} + ${leftOver})`;
      } else {
        startLine = `Starting at ${formatG(o.qps)} qps with ${threads} thread(s) [gomax ${procs}] for ${dur} : ${numCalls} calls each (total ${totalCalls})`;
      }
    } else {
      startLine = `Starting at ${formatG(o.qps)} qps with ${threads} thread(s) [gomax ${procs}] until interrupted`;
    }
  } else if (!useExactly && !hasDuration) {
    startLine = `Starting at max qps with ${threads} thread(s) [gomax ${procs}] until interrupted`;
  } else if (useExactly) {
    requestedDuration = `exactly ${o.exactly} calls`;
    numCalls = Math.trunc(o.exactly / threads);
    leftOver = o.exactly % threads;
    startLine = `Starting at max qps with ${threads} thread(s) [gomax ${procs}] for ${requestedDuration} (${numCalls} per thread + ${leftOver})`;
  } else {
    requestedDuration = dur;
    startLine = `Starting at max qps with ${threads} thread(s) [gomax ${procs}] for ${dur}`;
  }
  return {
    useQps,
    numThreads: threads,
    numCalls,
    leftOver,
    startLine,
    requestedQps,
    requestedDuration,
  };
}

/** runOne's target elapsed time (seconds) after call i of numCalls on one connection. */
export function targetElapsedSeconds(
  i: number,
  numCalls: number,
  perThreadQps: number,
  hasDuration: boolean,
): number {
  // "for 2s duration and 1qps there is 1 sleep of 2s between the 2 calls"
  return hasDuration && numCalls > 1 ? (i + i / (numCalls - 1)) / perThreadQps : i / perThreadQps;
}

function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      timer.cancel();
      resolve();
    };
    const timer = clock.setTimer(Math.max(0, ms), () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs call() on every connection at the planned pace; prints fortio's lines through out(). */
export async function runPeriodic(
  o: PeriodicOptions,
  call: (thread: number) => Promise<void>,
  out: (line: string) => void,
): Promise<PeriodicResult> {
  const procs = o.procs ?? os.availableParallelism();
  const plan = planRun(o, procs);
  out(plan.startLine);
  const clock = o.clock;
  const hasDuration = o.durationNs > 0;
  const useExactly = o.exactly > 0;
  const perThreadQps = o.qps / plan.numThreads;
  const durations = new Histogram(0, o.resolution);
  const sleeps = new Histogram(-0.001, 0.001);
  const startTime = new Date(clock.now());
  const start = clock.monotonic();
  const endAt = start + o.durationNs / 1e6;
  let totalCalls = 0;
  let progress: { cancel(): void } | undefined;
  const tick = () => {
    o.onProgress?.(totalCalls, clock.monotonic() - start);
    progress = clock.setTimer(o.progressMs ?? 5000, tick);
  };
  if (o.onProgress) progress = clock.setTimer(o.progressMs ?? 5000, tick);

  const runOne = async (id: number, numCalls: number) => {
    let i = 0;
    if (useExactly && numCalls === 0) return;
    for (;;) {
      if (o.signal?.aborted) break;
      const fStart = clock.monotonic();
      if (!useExactly && hasDuration && fStart > endAt) {
        if (!plan.useQps) break;
        // QPS mode: at least 2 calls, and the last one, before bailing out on time
        if (i >= 2 && i !== numCalls - 1) break;
      }
      await call(id);
      // whole nanoseconds, as Go's time.Duration.Seconds() sees them
      durations.record(Math.round((clock.monotonic() - fStart) * 1e6) / 1e9);
      totalCalls++;
      i++;
      if (plan.useQps) {
        if ((useExactly || hasDuration) && i >= numCalls) break;
        const elapsed = clock.monotonic() - start;
        const target = targetElapsedSeconds(i, numCalls, perThreadQps, hasDuration) * 1000;
        const sleepMs = target - elapsed;
        sleeps.record(sleepMs / 1000);
        await sleep(clock, sleepMs, o.signal);
      } else {
        if (useExactly && i >= numCalls) break;
        // let timers and I/O run between back-to-back calls
        if (i % 64 === 0) await new Promise<void>((r) => setImmediate(r));
      }
    }
  };
  const runs: Promise<void>[] = [];
  for (let t = 0; t < plan.numThreads; t++) {
    runs.push(runOne(t, plan.numCalls + (t === 0 ? plan.leftOver : 0)));
  }
  await Promise.all(runs);
  progress?.cancel();
  const elapsedMs = clock.monotonic() - start;
  const actualQps = elapsedMs > 0 ? durations.count / (elapsedMs / 1000) : 0;
  out(
    `Ended after ${formatDuration(elapsedMs * 1e6)} : ${durations.count} calls. qps=${formatG(actualQps, 5)}`,
  );
  if (plan.useQps && sleeps.count > 0) {
    const percentNegative = (100 * (sleeps.hdata[0] ?? 0)) / sleeps.count;
    if (percentNegative > 5) {
      for (const l of histogramLines(sleeps.export([50]), 'Aggregated Sleep Time')) out(l);
      out(`WARNING ${percentNegative.toFixed(2)}% of sleep were falling behind`);
    } else {
      out(sleeps.line('Sleep times'));
    }
  }
  const histogram = durations.export(o.percentiles);
  for (const l of histogramLines(histogram, 'Aggregated Function Time')) out(l);
  return {
    startTime,
    elapsedMs,
    actualQps,
    numThreads: plan.numThreads,
    requestedQps: plan.requestedQps,
    requestedDuration:
      useExactly && durations.count !== o.exactly
        ? `${plan.requestedDuration}, interrupted after ${durations.count}`
        : plan.requestedDuration,
    histogram,
  };
}

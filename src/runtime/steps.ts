// Long control-plane work (a compile, a large apply) is written as generators that yield between
// small units of work (a VirtualService, a service, a virtual host, an object), so the same code runs
// straight through for offline callers and in slices on a running mesh, where the proxies share the
// event loop (compile/snapshot-cache.ts compileSliced, config/store.ts applySliced).

import { systemClock, type Clock } from './clock.js';

/** A compile step sequence: yields between units of work, returns the result. */
export type Steps<T> = Generator<void, T, void>;

/** Units of work between two yields: small enough that a slice check is cheap, large enough to be free. */
export const UNITS_PER_YIELD = 32;

/** Runs the steps to the end without giving up the thread. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** How a sliced compile gives the event loop a turn, and when. */
export interface Slicer {
  /** Asked at each yield point: true ends the current slice. */
  shouldYield(): boolean;
  /** Called when a slice ended; resolves when the compile may go on (e.g. after setImmediate). */
  yieldTurn(): Promise<void>;
}

/** Runs the steps, pausing whenever the slicer says the slice is over. */
export async function runStepsSliced<T>(steps: Steps<T>, slicer: Slicer): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (slicer.shouldYield()) await slicer.yieldTurn();
  }
}

/** A slicer ending each slice after `budgetMs` of `now()` time; the turn is one setImmediate. */
export function timeSlicer(now: () => number, budgetMs: number): Slicer {
  let start = now();
  return {
    shouldYield: () => now() - start >= budgetMs,
    yieldTurn: () =>
      new Promise<void>((resolve) =>
        setImmediate(() => {
          start = now();
          resolve();
        }),
      ),
  };
}

/**
 * The longest control-plane work holds the event loop the proxies serve on before requests get a
 * turn (issue #13: no request waits more than ~50 ms for config work). Short, because a request
 * crosses about ten proxy legs of this loop and waits for the slice in progress at each step of each
 * (docs/performance.md "Control-plane latency").
 */
export const SLICE_MS = 1;

/** A slicer of SLICE_MS on the monotonic clock, for work on the serving event loop. */
export function servingLoopSlicer(clock: Clock = systemClock): Slicer {
  return timeSlicer(() => clock.monotonic(), SLICE_MS);
}

/** Resolves in a later event-loop turn (after pending I/O callbacks): ends the current block of work. */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

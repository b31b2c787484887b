// Compiles are generators that yield between small units of work (a VirtualService, a service, a
// virtual host), so the same code runs straight through for offline callers and in slices on a
// running mesh, where the proxies share the event loop (snapshot-cache.ts compileSliced).

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

// The reflector's retry back-off (kubernetes staging/src/k8s.io/client-go/tools/cache/reflector.go:
// NewExponentialBackoffManager(800ms, 30s, 2min, 2.0, 1.0)): 0.8 s doubling to a 30 s cap, each
// delay stretched by up to 100% jitter, and reset once 2 minutes pass without a failure.
import type { Clock, Random } from '../runtime/index.js';

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  resetAfterMs?: number;
  factor?: number;
  jitter?: number;
}

export class Backoff {
  private delay: number;
  private lastFailure = -Infinity;
  private readonly o: Required<BackoffOptions>;

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
    options: BackoffOptions = {},
  ) {
    this.o = {
      initialMs: options.initialMs ?? 800,
      maxMs: options.maxMs ?? 30_000,
      resetAfterMs: options.resetAfterMs ?? 120_000,
      factor: options.factor ?? 2,
      jitter: options.jitter ?? 1,
    };
    this.delay = this.o.initialMs;
  }

  /** The wait before the next attempt after a failure. */
  next(): number {
    const now = this.clock.monotonic();
    if (now - this.lastFailure > this.o.resetAfterMs) this.delay = this.o.initialMs;
    this.lastFailure = now;
    const base = this.delay;
    this.delay = Math.min(this.delay * this.o.factor, this.o.maxMs);
    return Math.round(base * (1 + this.o.jitter * this.random.next()));
  }

  /** Success: the next failure starts again from the initial delay. */
  reset(): void {
    this.delay = this.o.initialMs;
    this.lastFailure = -Infinity;
  }
}

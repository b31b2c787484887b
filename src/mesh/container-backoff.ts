// The kubelet's restart back-off for a crashing container: 10 s doubling to 5 min, forgotten after
// the container has run 10 min without crashing (kubernetes pkg/kubelet/kubelet.go backOffPeriod and
// MaxContainerBackOff; k8s.io/client-go util/flowcontrol/backoff.go IsInBackOffSince / Next).
import { systemClock, type Clock } from '../runtime/clock.js';

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const KUBELET_BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000 };

export class ContainerBackoff {
  private readonly entries = new Map<string, { backoffMs: number; lastUpdate: number }>();

  constructor(
    private readonly policy: BackoffPolicy = KUBELET_BACKOFF,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * How long to wait before restarting a container that exited at finishedAt: 0 the first time (the
   * kubelet restarts at once, then remembers the back-off), else what is left of the current back-off.
   */
  delayMs(key: string, finishedAt: number): number {
    const e = this.entries.get(key);
    if (!e || finishedAt - e.lastUpdate > 2 * this.policy.maxMs) return 0;
    return Math.max(0, e.backoffMs - (this.clock.now() - finishedAt));
  }

  /** The current back-off of key (for the CrashLoopBackOff message), 0 when none. */
  currentMs(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** A restart happens now: the next back-off doubles (backoff.go Next), up to the maximum. */
  next(key: string): void {
    const now = this.clock.now();
    const e = this.entries.get(key);
    if (!e || now - e.lastUpdate > 2 * this.policy.maxMs)
      this.entries.set(key, { backoffMs: this.policy.initialMs, lastUpdate: now });
    else
      this.entries.set(key, {
        backoffMs: Math.min(e.backoffMs * 2, this.policy.maxMs),
        lastUpdate: now,
      });
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}

// Counts and histograms kept per time slot, so the graph can answer "rate and percentiles over the
// last N minutes" the way Kiali asks Prometheus (rate(...[5m]), histogram_quantile over a range)
// without a Prometheus: each series adds into the slot of the current (injected) clock time.
import { BUCKETS, bucketIndex } from './metrics.js';

/** Slot width: windows are exact to within one slot. */
export const SLOT_MS = 5_000;
/** The longest window kept (Kiali's duration menu: 1m .. 1h for a live graph). */
export const MAX_WINDOW_MS = 60 * 60_000;

interface Slot {
  index: number;
  count: number;
  /** Per-bucket (non-cumulative) counts, the +Inf overflow last; only for histogram series. */
  buckets?: Float64Array;
}

export interface WindowSum {
  count: number;
  buckets: Float64Array;
}

/** One series' recent history: a slot per SLOT_MS with traffic, the oldest dropped past MAX_WINDOW_MS. */
export class SlotRing {
  private readonly slots: Slot[] = [];

  /** Adds n events at monotonic time `at` (ms); `value` also lands in the histogram when given. */
  add(at: number, n: number, value?: number): void {
    const index = Math.floor(at / SLOT_MS);
    let last = this.slots[this.slots.length - 1];
    if (!last || last.index !== index) {
      last = { index, count: 0 };
      this.slots.push(last);
      const oldest = index - Math.ceil(MAX_WINDOW_MS / SLOT_MS) - 1;
      while ((this.slots[0]?.index ?? index) < oldest) this.slots.shift();
    }
    last.count += n;
    if (value !== undefined) {
      last.buckets ??= new Float64Array(BUCKETS.length + 1);
      const b = bucketIndex(value);
      last.buckets[b] = (last.buckets[b] ?? 0) + n;
    }
  }

  /** Events in the slots that overlap [from, to) (monotonic ms), their histograms summed into `into`. */
  sum(from: number, to: number, into?: WindowSum): WindowSum {
    const out = into ?? { count: 0, buckets: new Float64Array(BUCKETS.length + 1) };
    const first = Math.floor(from / SLOT_MS);
    const last = Math.floor(to / SLOT_MS);
    for (let i = this.slots.length - 1; i >= 0; i--) {
      const s = this.slots[i];
      if (!s || s.index < first) break;
      if (s.index > last) continue;
      out.count += s.count;
      if (s.buckets)
        for (let b = 0; b < s.buckets.length; b++)
          out.buckets[b] = (out.buckets[b] ?? 0) + (s.buckets[b] ?? 0);
    }
    return out;
  }
}

/**
 * The span a window really covers: from the start of the first slot it reads (or the moment
 * recording began, if later) to now, in seconds; rates divide by this.
 */
export function windowSpan(
  now: number,
  windowMs: number,
  startedAt: number,
): { from: number; seconds: number } {
  const w = Math.min(Math.max(windowMs, SLOT_MS), MAX_WINDOW_MS);
  const from = Math.max(Math.floor((now - w) / SLOT_MS) * SLOT_MS, startedAt);
  return { from, seconds: Math.max(now - from, 1000) / 1000 };
}

// fortio's Counter and Histogram (fortio/fortio stats/stats.go): the same buckets, percentile
// interpolation and printed lines, so results read as fortio's do.
import { formatG } from './go-format.js';

/** stats.go histogramBucketValues (scaled by the divider, 0.001 = milliseconds by default). */
const BUCKETS = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 18, 20, 25, 30, 35, 40, 45, 50, 60, 70, 80, 90,
  100, 120, 140, 160, 180, 200, 250, 300, 350, 400, 450, 500, 600, 700, 800, 900, 1000, 2000, 3000,
  4000, 5000, 7500, 10000, 20000, 30000, 40000, 50000, 75000, 100000,
];
const NUM_VALUES = BUCKETS.length;
const NUM_BUCKETS = NUM_VALUES + 1;

export class Counter {
  count = 0;
  min = 0;
  max = 0;
  sum = 0;
  private sumOfSquares = 0;

  record(v: number): void {
    if (this.count === 0) {
      this.min = v;
      this.max = v;
    } else if (v < this.min) this.min = v;
    else if (v > this.max) this.max = v;
    this.count++;
    this.sum += v;
    this.sumOfSquares += v * v;
  }

  avg(): number {
    return this.sum / this.count;
  }

  stdDev(): number {
    const n = this.count;
    return Math.sqrt(Math.max(0, (this.sumOfSquares - (this.sum * this.sum) / n) / n));
  }

  /** Counter.Print */
  line(msg: string): string {
    return `${msg} : count ${this.count} avg ${formatG(this.avg(), 8)} +/- ${formatG(this.stdDev(), 4)} min ${formatG(this.min)} max ${formatG(this.max)} sum ${formatG(this.sum, 9)}`;
  }
}

export interface Bucket {
  Start: number;
  End: number;
  Percent: number;
  Count: number;
}

export interface Percentile {
  Percentile: number;
  Value: number;
}

export interface HistogramData {
  Count: number;
  Min: number;
  Max: number;
  Sum: number;
  Avg: number;
  StdDev: number;
  Data: Bucket[];
  Percentiles?: Percentile[];
}

export class Histogram extends Counter {
  readonly hdata = new Array<number>(NUM_BUCKETS).fill(0);

  constructor(
    readonly offset = 0,
    readonly divider = 0.001,
  ) {
    super();
  }

  override record(v: number): void {
    super.record(v);
    const scaled = (v - this.offset) / this.divider;
    let idx: number;
    if (scaled <= BUCKETS[0]!) idx = 0;
    else if (scaled > BUCKETS[NUM_VALUES - 1]!) idx = NUM_BUCKETS - 1;
    else {
      // intervals are ]prev, cur]: a value exactly on a boundary belongs to the lower bucket
      let sv = Math.trunc(scaled);
      if (scaled - sv < 1e-12) sv--;
      idx = BUCKETS.findIndex((b) => b > sv);
      if (idx < 0) idx = NUM_VALUES;
    }
    this.hdata[idx] = (this.hdata[idx] ?? 0) + 1;
  }

  /** Histogram.Export */
  export(percentiles: readonly number[] = []): HistogramData {
    const res: HistogramData = {
      Count: this.count,
      Min: this.min,
      Max: this.max,
      Sum: this.sum,
      Avg: this.count ? this.avg() : 0,
      StdDev: this.count ? this.stdDev() : 0,
      Data: [],
    };
    let lastIdx = -1;
    for (let i = NUM_BUCKETS - 1; i >= 0; i--) {
      if ((this.hdata[i] ?? 0) > 0) {
        lastIdx = i;
        break;
      }
    }
    if (lastIdx === -1) return res;
    let prev = BUCKETS[0]!;
    let total = 0;
    for (let i = 0; i <= lastIdx; i++) {
      const n = this.hdata[i] ?? 0;
      if (n === 0) {
        if (i < NUM_VALUES) prev = BUCKETS[i]!;
        continue;
      }
      total += n;
      const b: Bucket = {
        Start: res.Data.length === 0 ? this.min : this.divider * prev + this.offset,
        End: 0,
        Percent: (100 * total) / this.count,
        Count: n,
      };
      if (i < NUM_VALUES) {
        b.End = this.divider * BUCKETS[i]! + this.offset;
        prev = BUCKETS[i]!;
      } else {
        b.Start = this.divider * prev + this.offset;
        b.End = this.max;
      }
      res.Data.push(b);
    }
    res.Data[res.Data.length - 1]!.End = this.max;
    if (percentiles.length > 0)
      res.Percentiles = percentiles.map((p) => ({ Percentile: p, Value: calcPercentile(res, p) }));
    return res;
  }
}

/** HistogramData.CalcPercentile: linear interpolation inside the bucket. */
export function calcPercentile(e: HistogramData, percentile: number): number {
  if (e.Data.length === 0) return 0;
  if (percentile >= 100) return e.Max;
  let pp = 100 / e.Count;
  if (percentile <= pp) return e.Min;
  for (const cur of e.Data) {
    if (percentile <= cur.Percent)
      return cur.Start + ((percentile - pp) / (cur.Percent - pp)) * (cur.End - cur.Start);
    pp = cur.Percent;
  }
  return e.Max;
}

/** HistogramData.Print */
export function histogramLines(e: HistogramData, msg: string): string[] {
  if (e.Data.length === 0) return [`${msg} : no data`];
  const lines = [
    `${msg} : count ${e.Count} avg ${formatG(e.Avg, 8)} +/- ${formatG(e.StdDev, 4)} min ${formatG(e.Min)} max ${formatG(e.Max)} sum ${formatG(e.Sum, 9)}`,
    '# range, mid point, percentile, count',
  ];
  e.Data.forEach((b, i) => {
    lines.push(
      `${i === 0 ? '>=' : '>'} ${formatG(b.Start, 6)} <= ${formatG(b.End, 6)} , ${formatG((b.Start + b.End) / 2, 6)} , ${b.Percent.toFixed(2)}, ${b.Count}`,
    );
  });
  for (const p of e.Percentiles ?? [])
    lines.push(`# target ${formatG(p.Percentile)}% ${formatG(p.Value, 6)}`);
  return lines;
}

// Randomness is injected so weighted picks, fault percentages and jitter are exact in tests.

export interface Random {
  /** A float in [0, 1). */
  next(): number;
}

export const systemRandom: Random = { next: () => Math.random() };

/** Deterministic generator (mulberry32) for tests and reproducible load runs. */
export class SeededRandom implements Random {
  private state: number;
  constructor(seed = 1) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** Returns the given values in turn, then repeats the last one. */
export class SequenceRandom implements Random {
  private i = 0;
  constructor(private readonly values: readonly number[]) {}
  next(): number {
    const v = this.values[Math.min(this.i, this.values.length - 1)] ?? 0;
    this.i++;
    return v;
  }
}

// Tolerances for weighted splits: exact binomial bounds, so a share check fails by chance at most
// once in a million runs instead of a few percent of runs (a flaky test is a bug).
import assert from 'node:assert/strict';

/**
 * The central interval [lo, hi] of Binomial(n, p) that holds all but at most `alpha` of the
 * probability (each tail <= alpha/2), from the exact probability mass function: a count outside it
 * happens by chance less than once in 1/alpha runs.
 */
export function binomialInterval(n: number, p: number, alpha: number): [number, number] {
  // log C(n, k) p^k (1-p)^(n-k), summed in probability space from each end.
  const logFact: number[] = [0];
  for (let i = 1; i <= n; i++) logFact[i] = logFact[i - 1]! + Math.log(i);
  const pmf = (k: number) =>
    Math.exp(
      logFact[n]! - logFact[k]! - logFact[n - k]! + k * Math.log(p) + (n - k) * Math.log(1 - p),
    );
  // P(X < lo) <= alpha/2 and P(X > hi) <= alpha/2, each as large as allowed.
  let lo = 0;
  for (let tail = 0; lo < n && tail + pmf(lo) <= alpha / 2; lo++) tail += pmf(lo);
  let hi = n;
  for (let tail = 0; hi > 0 && tail + pmf(hi) <= alpha / 2; hi--) tail += pmf(hi);
  return [lo, hi];
}

/** Asserts `hits` of `n` draws at probability `p` lie within the 1e-6 two-sided binomial bound. */
export function assertBinomial(hits: number, n: number, p: number, what: string): void {
  const [lo, hi] = binomialInterval(n, p, 1e-6);
  assert.ok(hits >= lo && hits <= hi, `${what}: ${hits} of ${n}, expected ${lo}..${hi} at p=${p}`);
}

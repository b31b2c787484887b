// How Envoy spreads load over priority levels: each level's health is min(100, overprovisioning
// factor 1.4 x healthy / hosts), levels take load in order until 100 is given out, panic per level,
// total panic by host counts (envoyproxy/envoy source/extensions/load_balancing_policies/common/
// load_balancer_impl.cc recalculatePerPriorityState, distributeLoad, recalculatePerPriorityPanic,
// recalculateLoadInTotalPanic, choosePriority). Pure functions over counts, so tests state exact loads.

/** ClusterLoadAssignment.Policy overprovisioning_factor default (Istio does not set it). */
export const OVERPROVISIONING_FACTOR = 140;

export interface PriorityCounts {
  /** Hosts in the level. */
  total: number;
  /** Hosts not ejected. */
  healthy: number;
}

export interface PriorityLoad {
  /** Percent of requests each level gets; sums to 100. */
  load: number[];
  /** Level in panic: its picks use every host, ejected or not. */
  panic: boolean[];
  /** Level health (0..100) before normalisation, for the retry priority plugin. */
  health: number[];
}

/** Level health: min(100, 140 x healthy / total); 0 for an empty level. */
export function priorityHealth(c: PriorityCounts): number {
  if (c.total <= 0) return 0;
  return Math.min(100, Math.floor((OVERPROVISIONING_FACTOR * c.healthy) / c.total));
}

/** Assigns 100 over the levels by health; the rounding remainder goes to the first available level. */
function distribute(health: readonly number[]): number[] {
  const normalized = Math.min(
    100,
    health.reduce((a, b) => a + b, 0),
  );
  const load = health.map(() => 0);
  if (normalized === 0) return load;
  let left = 100;
  let first = -1;
  for (let i = 0; i < health.length; i++) {
    const h = health[i] ?? 0;
    if (first < 0 && h > 0) first = i;
    const share = Math.min(left, Math.floor((h * 100) / normalized));
    load[i] = share;
    left -= share;
  }
  if (left > 0 && first >= 0) load[first] = (load[first] ?? 0) + left;
  return load;
}

/**
 * Loads and panic flags for the levels. `panicThreshold` is Envoy's healthy_panic_threshold (Istio sets
 * it to outlierDetection.minHealthPercent, 0 = panic disabled).
 */
export function priorityLoad(
  levels: readonly PriorityCounts[],
  panicThreshold: number,
): PriorityLoad {
  const health = levels.map(priorityHealth);
  const load = distribute(health);
  const normalized = Math.min(
    100,
    health.reduce((a, b) => a + b, 0),
  );
  const panic = levels.map(() => false);
  if (levels.length === 0) return { load, panic, health };
  // Panic disabled and nothing healthy: all load on P0, where no host will be found (503 UH).
  if (panicThreshold === 0 && normalized === 0) {
    load.fill(0);
    load[0] = 100;
    return { load, panic, health };
  }
  let totalPanic = true;
  for (let i = 0; i < levels.length; i++) {
    const c = levels[i]!;
    // isHostSetInPanic: 100 x healthy / hosts below the threshold; never while total health is 100.
    const healthyPct = c.total === 0 ? 0 : (100 * c.healthy) / c.total;
    panic[i] = normalized === 100 ? false : healthyPct < panicThreshold;
    totalPanic = totalPanic && panic[i]!;
  }
  if (totalPanic) {
    // recalculateLoadInTotalPanic: by host counts regardless of health.
    const hosts = levels.reduce((a, c) => a + c.total, 0);
    load.fill(0);
    if (hosts === 0) {
      load[0] = 100;
      return { load, panic, health };
    }
    let left = 100;
    let firstNonEmpty = -1;
    for (let i = 0; i < levels.length; i++) {
      const n = levels[i]!.total;
      if (firstNonEmpty < 0 && n > 0) firstNonEmpty = i;
      const share = Math.floor((100 * n) / hosts);
      load[i] = share;
      left -= share;
    }
    load[firstNonEmpty] = (load[firstNonEmpty] ?? 0) + left;
  }
  return { load, panic, health };
}

/**
 * envoy.retry_priorities.previous_priorities (envoyproxy/envoy source/extensions/retry/priority/
 * previous_priorities/previous_priorities.cc): levels already attempted get no load; when none is
 * left the exclusions are forgotten; undefined = use the unmodified load.
 */
export function loadExcluding(
  health: readonly number[],
  excluded: ReadonlySet<number>,
): number[] | undefined {
  const adjusted = health.map((h, i) => (excluded.has(i) ? 0 : h));
  const total = Math.min(
    100,
    adjusted.reduce((a, b) => a + b, 0),
  );
  if (total === 0) return undefined;
  const load = adjusted.map(() => 0);
  let left = 100;
  // The outer loop hands out rounding leftovers to the first levels with availability.
  while (left !== 0) {
    for (let i = 0; i < adjusted.length; i++) {
      const delta = Math.min(left, Math.floor(((adjusted[i] ?? 0) * 100) / total));
      load[i] = (load[i] ?? 0) + delta;
      left -= delta;
    }
  }
  return load;
}

/** choosePriority: `hash % 100 + 1` against the cumulative load. */
export function choosePriority(hash: number, load: readonly number[]): number {
  const h = (Math.floor(hash) % 100) + 1;
  let acc = 0;
  for (let i = 0; i < load.length; i++) {
    acc += load[i] ?? 0;
    if (h <= acc) return i;
  }
  return 0;
}

// Envoy weighted_clusters: a random value modulo the total weight walks the cumulative weights
// (envoyproxy/envoy source/common/router/config_impl.cc WeightedClusterEntry pickWeightedCluster).
import type { WeightedCluster } from '../../compile/snapshot.js';
import type { Random } from '../../runtime/random.js';

export function pickWeighted(
  clusters: readonly WeightedCluster[],
  totalWeight: number,
  random: Random,
): WeightedCluster | undefined {
  // One destination: no draw (Envoy route with a single cluster).
  if (clusters.length <= 1) return clusters[0];
  const draw = random.next();
  const total = totalWeight > 0 ? totalWeight : clusters.reduce((s, c) => s + c.weight, 0);
  const value = Math.floor(draw * total);
  let acc = 0;
  for (const c of clusters) {
    acc += c.weight;
    if (value < acc) return c;
  }
  return clusters[clusters.length - 1];
}

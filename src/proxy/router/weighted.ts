// Envoy weighted_clusters: a random value modulo the total weight walks the cumulative weights
// (envoyproxy/envoy source/common/router/config_impl.cc WeightedClusterEntry pickWeightedCluster).
import type { WeightedCluster } from '../../compile/snapshot.js';

export function pickWeighted(
  clusters: readonly WeightedCluster[],
  totalWeight: number,
  draw: number,
): WeightedCluster | undefined {
  if (clusters.length <= 1) return clusters[0];
  const total = totalWeight > 0 ? totalWeight : clusters.reduce((s, c) => s + c.weight, 0);
  const value = Math.floor(draw * total);
  let acc = 0;
  for (const c of clusters) {
    acc += c.weight;
    if (value < acc) return c;
  }
  return clusters[clusters.length - 1];
}

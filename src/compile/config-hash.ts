// A stable structural hash of a cluster without its endpoints: equal hashes mean per-cluster state
// (connection pools, circuit breakers, outlier ejections) can survive a snapshot swap.
import { createHash } from 'node:crypto';
import type { Cluster } from './snapshot.js';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort())
      out[k] = canonical((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

export function clusterConfigHash(c: Omit<Cluster, 'configHash' | 'endpoints'>): string {
  const { ...rest } = c as Record<string, unknown>;
  delete rest.endpoints;
  delete rest.configHash;
  return createHash('sha256')
    .update(JSON.stringify(canonical(rest)))
    .digest('hex')
    .slice(0, 16);
}

// Fault injection, Envoy fault filter as Istio configures it (istio/istio pilot/pkg/networking/core/route/route.go
// translateFault: percentages as FractionalPercent per MILLION): delay first, then abort, each with its own draw.
import type { Random } from '../../runtime/random.js';

/** True when an independent draw falls under `percentage` (0..100, 1e-4 resolution). */
export function faultDraw(random: Random, percentage: number): boolean {
  if (!(percentage > 0)) return false;
  const numerator = Math.round(percentage * 10_000);
  return Math.floor(random.next() * 1_000_000) < numerator;
}

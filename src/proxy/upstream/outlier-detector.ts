// Outlier detection, Envoy semantics as Istio configures it (istio/istio pilot/pkg/networking/core/
// cluster_traffic_policy.go applyOutlierDetection; envoyproxy/envoy source/common/upstream/outlier_detection_impl.cc):
// consecutive 5xx / gateway / local-origin counters reset on success; reaching a threshold ejects at
// once unless (ejected + 1) / hosts would exceed maxEjectionPercent (Envoy >= 1.27; nothing forces a
// first ejection since Istio never sets always_eject_one_host); ejection lasts base x times-ejected,
// capped at max(base, 300s); an interval sweep un-ejects expired hosts and decays the multiplier.
import type { OutlierDetectionPolicy } from '../../compile/snapshot.js';
import type { Clock, TimerHandle } from '../../runtime/clock.js';
import type { Host } from './host.js';
import type { ClusterStats } from './stats.js';

/** Envoy default max_ejection_time. */
const MAX_EJECTION_MS = 300_000;

export type HostResult =
  | { kind: 'status'; status: number }
  /** Local-origin failure: connect failure, timeout, reset. */
  | { kind: 'local' }
  | { kind: 'local-success' };

export class OutlierDetector {
  private timer: TimerHandle | undefined;
  constructor(
    public policy: OutlierDetectionPolicy,
    private readonly clock: Clock,
    private readonly hosts: () => readonly Host[],
    private readonly stats: ClusterStats,
  ) {
    this.schedule();
  }

  private schedule(): void {
    if (this.policy.intervalMs <= 0) return;
    this.timer = this.clock.setTimer(this.policy.intervalMs, () => {
      this.sweep();
      this.schedule();
    });
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** The interval sweep: un-eject hosts whose time is up; decay the multiplier of healthy hosts. */
  sweep(): void {
    const now = this.clock.monotonic();
    for (const h of this.hosts()) {
      if (h.ejected) {
        if (now >= h.ejectedUntil) {
          // unejectHost resets every consecutive counter, so a few new errors do not re-eject at once.
          h.ejected = false;
          h.consecutive5xx = 0;
          h.consecutiveGateway = 0;
          h.consecutiveLocal = 0;
          this.stats['outlier_detection.ejections_active']--;
        }
      } else if (h.ejectionCount > 0) {
        h.ejectionCount--;
      }
    }
  }

  putResult(h: Host, r: HostResult): void {
    const p = this.policy;
    if (r.kind === 'local-success') {
      h.consecutiveLocal = 0;
      return;
    }
    if (r.kind === 'local') {
      if (p.splitExternalLocalOriginErrors) {
        h.consecutiveLocal++;
        if (
          p.consecutiveLocalOriginFailures > 0 &&
          h.consecutiveLocal >= p.consecutiveLocalOriginFailures
        )
          this.eject(h, 'consecutive_local_origin_failure');
        return;
      }
      // Not split: a local failure counts as a 5xx and as a gateway error (Envoy maps it to 503).
      this.onStatus(h, 503);
      return;
    }
    if (p.splitExternalLocalOriginErrors) h.consecutiveLocal = 0;
    this.onStatus(h, r.status);
  }

  private onStatus(h: Host, status: number): void {
    const p = this.policy;
    if (status >= 500) {
      h.consecutive5xx++;
      if (status === 502 || status === 503 || status === 504) h.consecutiveGateway++;
      else h.consecutiveGateway = 0;
    } else {
      h.consecutive5xx = 0;
      h.consecutiveGateway = 0;
      return;
    }
    if (p.consecutive5xx > 0 && h.consecutive5xx >= p.consecutive5xx) {
      this.eject(h, 'consecutive_5xx');
    } else if (
      p.consecutiveGatewayErrors > 0 &&
      h.consecutiveGateway >= p.consecutiveGatewayErrors
    ) {
      this.eject(h, 'consecutive_gateway_failure');
    }
  }

  private eject(h: Host, reason: string): void {
    // onConsecutiveErrorWorker resets only the counter that fired, whether or not the host was ejected.
    if (reason === 'consecutive_5xx') h.consecutive5xx = 0;
    else if (reason === 'consecutive_gateway_failure') h.consecutiveGateway = 0;
    else h.consecutiveLocal = 0;
    if (h.ejected) return;
    const all = this.hosts();
    let ejected = 0;
    for (const x of all) if (x.ejected) ejected++;
    // envoyproxy/envoy source/common/upstream/outlier_detection_impl.cc ejectHost:
    // should_eject = 100 * (ejections_active + 1) / hosts <= max_ejection_percent; only
    // always_eject_one_host (never set by Istio) lets the first ejection through regardless.
    if (((ejected + 1) * 100) / all.length > this.policy.maxEjectionPercent) {
      this.stats['outlier_detection.ejections_overflow']++;
      return;
    }
    h.ejected = true;
    h.ejectionCount++;
    const base = this.policy.baseEjectionTimeMs;
    const duration = Math.min(base * h.ejectionCount, Math.max(base, MAX_EJECTION_MS));
    h.ejectedUntil = this.clock.monotonic() + duration;
    this.stats['outlier_detection.ejections_active']++;
    this.stats['outlier_detection.ejections_total']++;
    this.stats['outlier_detection.ejections_enforced_total']++;
    const counters = this.stats as unknown as Record<string, number>;
    const key = `outlier_detection.ejections_enforced_${reason}`;
    counters[key] = (counters[key] ?? 0) + 1;
  }
}

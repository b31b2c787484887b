// VirtualService retryRemoteLocalities as Istio configures it: Envoy's previous_priorities retry
// priority with update_frequency 2 (istio/istio pilot/pkg/networking/core/route/retry/retry.go
// buildPreviousPrioritiesConfig; envoyproxy/envoy source/extensions/retry/priority/
// previous_priorities/previous_priorities.cc). Every second attempted host, the priorities tried so
// far stop getting load; when no priority with availability is left the history is forgotten.

const UPDATE_FREQUENCY = 2;

export class PreviousPriorities {
  private attempted: number[] = [];
  private excluded = new Set<number>();

  /** onHostAttempted: the priority of the host an attempt went to. */
  onHostAttempted(priority: number): void {
    this.attempted.push(priority);
  }

  /**
   * determinePriorityLoad: the priorities to exclude for the next pick, given each level's health;
   * undefined = the unmodified load.
   */
  excludedFor(health: readonly number[]): ReadonlySet<number> | undefined {
    const n = this.attempted.length;
    if (n < UPDATE_FREQUENCY) return undefined;
    if (n % UPDATE_FREQUENCY === 0) {
      for (const p of this.attempted) this.excluded.add(p);
      const left = health.some((h, i) => h > 0 && !this.excluded.has(i));
      if (!left) {
        this.excluded = new Set();
        this.attempted = [];
        return undefined;
      }
    }
    return this.excluded.size > 0 ? this.excluded : undefined;
  }
}

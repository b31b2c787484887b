// Earliest-deadline-first scheduler, Envoy's weighted round robin for hosts and localities
// (envoyproxy/envoy source/common/upstream/edf_scheduler.h): each entry's deadline is now + 1/weight,
// the earliest is picked and re-added with its weight at that moment; equal deadlines go FIFO.

interface Entry<T> {
  deadline: number;
  order: number;
  item: T;
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.order < b.order);
}

export class EdfScheduler<T> {
  private now = 0;
  private order = 0;
  private readonly heap: Entry<T>[] = [];

  /** Inserts `item` with deadline now + 1/weight (weight > 0). */
  add(weight: number, item: T): void {
    const e = { deadline: this.now + 1 / weight, order: this.order++, item };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  /** Takes the earliest entry, advances time to its deadline, re-adds it with `weightOf(item)`. */
  pickAndAdd(weightOf: (item: T) => number): T | undefined {
    const h = this.heap;
    const top = h[0];
    if (!top) return undefined;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    this.now = top.deadline;
    this.add(weightOf(top.item), top.item);
    return top.item;
  }

  get size(): number {
    return this.heap.length;
  }
}

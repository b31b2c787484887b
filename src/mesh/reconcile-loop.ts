// One reconcile at a time, latest input wins: a request that arrives while a pass runs only marks the
// loop dirty, and one more pass follows with the newest input (as istiod debounces and queues pushes,
// istio/istio pilot/pkg/xds/discovery.go debounce + pushQueue), so no older config reaches a proxy
// after a newer one.
import { nextTurn } from '../runtime/steps.js';

export class ReconcileLoop<T> {
  private pending: T | undefined;
  private hasPending = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly pass: (input: T) => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Asks for a pass with input; returns once a pass that saw it (or a newer one) has finished. */
  request(input: T): Promise<void> {
    this.pending = input;
    this.hasPending = true;
    if (!this.running) this.running = this.drain();
    return this.running;
  }

  /** Resolves when no pass is running or queued. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    // Never inside the caller's stack: a store listener that asks for a pass has finished its commit
    // before the pass reads (and writes) the store; requests of the same turn become one pass, which
    // starts in a turn of its own (not after a large commit's work in the same block, issue #13).
    await nextTurn();
    try {
      while (this.hasPending) {
        const input = this.pending as T;
        this.hasPending = false;
        this.pending = undefined;
        try {
          await this.pass(input);
        } catch (err) {
          this.onError(err);
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}

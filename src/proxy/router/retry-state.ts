// Per-request retry state for a compiled RetryPolicy, Envoy router semantics
// (envoyproxy/envoy source/common/router/retry_state_impl.cc; istio-semantics.md §2.6 retryOn table).
import type { RetryPolicy } from '../../compile/snapshot.js';
import type { Random } from '../../runtime/random.js';

export type AttemptFailure = 'connect-failure' | 'reset' | 'per-try-timeout' | 'refused-stream';

// gRPC status codes named by retryOn tokens (Envoy RetryPolicy::RETRY_ON_GRPC_*).
const GRPC: Record<string, number> = {
  cancelled: 1,
  'deadline-exceeded': 4,
  'resource-exhausted': 8,
  internal: 13,
  unavailable: 14,
};

export class RetryState {
  retriesLeft: number;
  private readonly on: ReadonlySet<string>;
  private retryCount = 0;
  /** Retries actually scheduled (Envoy counts upstream_rq_retry_success after one). */
  get retriesDone(): number {
    return this.retryCount;
  }
  constructor(
    readonly policy: RetryPolicy,
    private readonly random: Random,
  ) {
    this.retriesLeft = policy.numRetries;
    this.on = new Set(policy.retryOn);
  }

  /** Returns a RetryState, or undefined when the policy does not retry (Envoy RetryStateImpl::create). */
  static create(policy: RetryPolicy | undefined, random: Random): RetryState | undefined {
    if (!policy || policy.numRetries <= 0 || policy.retryOn.length === 0) return undefined;
    return new RetryState(policy, random);
  }

  /** Whether this response would be retried under retryOn (ignoring how many retries are left). */
  retriableStatus(status: number, header: (name: string) => string | undefined): boolean {
    const on = this.on;
    // Never retry an upstream breaker's overflow (retry_state_impl.cc wouldRetryFromHeaders).
    if (header('x-envoy-overloaded') === 'true') return false;
    if (on.has('5xx') && status >= 500) return true;
    if (on.has('gateway-error') && (status === 502 || status === 503 || status === 504))
      return true;
    if (on.has('retriable-4xx') && status === 409) return true;
    if (on.has('retriable-status-codes') && this.policy.retriableStatusCodes.includes(status))
      return true;
    if (on.has('envoy-ratelimited') && header('x-envoy-ratelimited') !== undefined) return true;
    const grpc = header('grpc-status');
    if (grpc !== undefined) {
      const code = Number(grpc);
      for (const [tok, c] of Object.entries(GRPC)) if (on.has(tok) && c === code) return true;
    }
    return false;
  }

  /**
   * Whether a failure without a response is retried (retry_state_impl.cc wouldRetryFromReset). A
   * per-try timeout is a local reset after the request started: only 5xx, gateway-error and reset
   * retry it (router.cc onPerTryTimeoutCommon), so Istio's default conditions never do.
   */
  retriableFailure(f: AttemptFailure): boolean {
    const on = this.on;
    const broad = on.has('5xx') || on.has('gateway-error');
    switch (f) {
      case 'per-try-timeout':
        return broad || on.has('reset');
      case 'connect-failure':
        return (
          broad || on.has('connect-failure') || on.has('reset') || on.has('reset-before-request')
        );
      case 'refused-stream':
        return broad || on.has('refused-stream') || on.has('reset');
      case 'reset':
        return broad || on.has('reset');
    }
  }

  /** Fully jittered exponential backoff: [0, (2^n - 1) x base), capped at 10 x base (Envoy JitteredExponentialBackOffStrategy). */
  nextBackoffMs(): number {
    this.retryCount++;
    const base = this.policy.backoffBaseMs > 0 ? this.policy.backoffBaseMs : 25;
    const max = base * 10;
    const mult = 2 ** Math.min(this.retryCount, 30) - 1;
    const ceiling = Math.min(mult * base, max);
    return Math.min(Math.floor(this.random.next() * ceiling), max);
  }
}

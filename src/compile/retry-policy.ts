// HTTPRetry -> Envoy retry policy (istio/istio pilot/pkg/networking/core/route/retry/retry.go
// DefaultPolicy, ConvertPolicy, parseRetryOn). The default no longer lists 503 as a retriable status
// (features.Exclude503FromDefaultRetries, on by default).
import type { HTTPRetry } from '../config/istio-types.js';
import { durationMs } from '../units/index.js';
import type { RetryPolicy } from './snapshot.js';

const DEFAULT_RETRY_ON = [
  'connect-failure',
  'refused-stream',
  'unavailable',
  'cancelled',
  'retriable-status-codes',
];
// Envoy router: base backoff interval 25ms.
const DEFAULT_BACKOFF_MS = 25;

function defaultPolicy(hashPolicy: boolean): RetryPolicy {
  return {
    numRetries: 2,
    retryOn: DEFAULT_RETRY_ON,
    retriableStatusCodes: [],
    backoffBaseMs: DEFAULT_BACKOFF_MS,
    // Consistent hashing keeps retries on the same host: no previous_hosts predicate.
    retryIgnorePreviousHosts: !hashPolicy,
  };
}

/** Whether a compiled policy is Istio's default one (no `retries` set): what the graph's retries badge skips. */
export function isDefaultRetryPolicy(p: RetryPolicy): boolean {
  const d = defaultPolicy(!p.retryIgnorePreviousHosts);
  return (
    p.numRetries === d.numRetries &&
    p.retryOn.join(',') === d.retryOn.join(',') &&
    p.retriableStatusCodes.length === 0 &&
    p.perTryTimeoutMs === undefined &&
    p.backoffBaseMs === d.backoffBaseMs
  );
}

function isHttpStatus(n: number): boolean {
  return Number.isInteger(n) && n >= 100 && n <= 599;
}

/** `undefined` in -> the default policy (or the mesh's); `attempts <= 0` -> no retries. */
export function convertRetryPolicy(
  input: HTTPRetry | undefined,
  meshDefault: HTTPRetry | undefined,
  hashPolicy: boolean,
): RetryPolicy | undefined {
  const policy = input ?? meshDefault;
  const out = defaultPolicy(hashPolicy);
  if (!policy) return out;
  if (!policy.attempts || policy.attempts <= 0) return undefined;
  out.numRetries = policy.attempts;
  if (policy.retryOn) {
    const tokens: string[] = [];
    const codes: number[] = [];
    for (const raw of policy.retryOn.split(',')) {
      const part = raw.trim();
      if (!part) continue;
      const n = Number(part);
      if (/^\d+$/.test(part) && isHttpStatus(n)) codes.push(n);
      else tokens.push(part);
    }
    if (codes.length > 0 && !tokens.includes('retriable-status-codes'))
      tokens.push('retriable-status-codes');
    out.retryOn = tokens;
    out.retriableStatusCodes = codes;
  }
  const perTry = durationMs(policy.perTryTimeout);
  if (perTry !== undefined) out.perTryTimeoutMs = perTry;
  if (typeof policy.retryIgnorePreviousHosts === 'boolean')
    out.retryIgnorePreviousHosts = policy.retryIgnorePreviousHosts;
  // retry.go ConvertPolicy: retryRemoteLocalities -> envoy.retry_priorities.previous_priorities.
  if (policy.retryRemoteLocalities === true) out.retryRemoteLocalities = true;
  const backoff = durationMs(policy.backoff);
  if (backoff !== undefined) out.backoffBaseMs = backoff;
  return out;
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SequenceRandom } from '../../runtime/random.js';
import { RetryState } from './retry-state.js';

const policy = (retryOn: string[], codes: number[] = []) => ({
  numRetries: 3,
  retryOn,
  retriableStatusCodes: codes,
  backoffBaseMs: 25,
  retryIgnorePreviousHosts: true,
});

test('no policy, zero attempts or no retryOn: no retry state', () => {
  const r = new SequenceRandom([0]);
  assert.equal(RetryState.create(undefined, r), undefined);
  assert.equal(RetryState.create({ ...policy(['5xx']), numRetries: 0 }, r), undefined);
});

test('fully jittered exponential backoff: [0, (2^n-1) x 25ms), capped at 250ms', () => {
  const s = RetryState.create(policy(['5xx']), new SequenceRandom([0.999999]))!;
  assert.deepEqual(
    [1, 2, 3, 4, 5].map(() => s.nextBackoffMs()),
    [24, 74, 174, 249, 249],
  );
  const z = RetryState.create(policy(['5xx']), new SequenceRandom([0]))!;
  assert.equal(z.nextBackoffMs(), 0);
});

test('retryOn tokens map to response conditions as in Envoy', () => {
  const none = () => undefined;
  const rs = (on: string[], codes: number[] = []) =>
    RetryState.create(policy(on, codes), new SequenceRandom([0]))!;
  assert.equal(rs(['5xx']).retriableStatus(500, none), true);
  assert.equal(rs(['gateway-error']).retriableStatus(500, none), false);
  assert.equal(rs(['gateway-error']).retriableStatus(503, none), true);
  assert.equal(rs(['retriable-4xx']).retriableStatus(409, none), true);
  assert.equal(rs(['retriable-status-codes'], [418]).retriableStatus(418, none), true);
  assert.equal(rs(['connect-failure']).retriableStatus(503, none), false);
  assert.equal(
    rs(['envoy-ratelimited']).retriableStatus(429, (n) =>
      n === 'x-envoy-ratelimited' ? '' : undefined,
    ),
    true,
  );
  assert.equal(
    rs(['unavailable']).retriableStatus(200, (n) => (n === 'grpc-status' ? '14' : undefined)),
    true,
  );
  assert.equal(
    rs(['cancelled']).retriableStatus(200, (n) => (n === 'grpc-status' ? '14' : undefined)),
    false,
  );
});

test('per-try timeouts are retried only under 5xx or gateway-error; connect failures under connect-failure', () => {
  const rs = (on: string[]) => RetryState.create(policy(on), new SequenceRandom([0]))!;
  assert.equal(
    rs(['connect-failure', 'refused-stream']).retriableFailure('per-try-timeout'),
    false,
  );
  assert.equal(rs(['gateway-error']).retriableFailure('per-try-timeout'), true);
  assert.equal(rs(['connect-failure']).retriableFailure('connect-failure'), true);
  assert.equal(rs(['connect-failure']).retriableFailure('reset'), false);
  assert.equal(rs(['reset']).retriableFailure('reset'), true);
});

test('reset retries a per-try timeout; an x-envoy-overloaded response is never retried', () => {
  const rs = (on: string[]) => RetryState.create(policy(on), new SequenceRandom([0]))!;
  assert.equal(rs(['reset']).retriableFailure('per-try-timeout'), true);
  assert.equal(rs(['reset']).retriableFailure('connect-failure'), true);
  const overloaded = (n: string) => (n === 'x-envoy-overloaded' ? 'true' : undefined);
  assert.equal(rs(['5xx']).retriableStatus(503, overloaded), false);
  assert.equal(
    rs(['5xx']).retriableStatus(503, () => undefined),
    true,
  );
});

// The graph's VirtualService/DestinationRule badges come from what the compiler gave the proxies:
// Bookinfo with reviews shifted 50/50 (timeout, retries), details mirrored behind a circuit
// breaker, ratings aborted by a fault, compiled for productpage and reviews' sidecars.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trafficConfigOf } from '../src/telemetry/index.js';
import { compileFrom } from './helpers/compile.js';
import { fixture } from './helpers/shared.js';

const demo = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '../../src/mesh/demos/bookinfo.yaml'),
  'utf8',
)
  .split('\n---\n')
  // The fixture brings its own details DestinationRule (the demo's has subsets only).
  .filter((doc) => !/kind: DestinationRule\nmetadata: \{name: details\}/.test(doc))
  .join('\n---\n');
const policies = readFileSync(fixture('mesh', 'graph-traffic-policies.yaml'), 'utf8');
const abort = readFileSync(fixture('mesh', 'ratings-abort-all.yaml'), 'utf8');

const REVIEWS = 'reviews.default.svc.cluster.local';
const DETAILS = 'details.default.svc.cluster.local';
const RATINGS = 'ratings.default.svc.cluster.local';

test('badges per destination service from the compiled snapshots', () => {
  const texts = [demo, policies, abort];
  const snaps = ['productpage-v1', 'reviews-v2'].map((w) => compileFrom(texts, w).snapshot);
  const cfg = trafficConfigOf(snaps);
  const reviews = cfg[REVIEWS];
  assert.ok(reviews, Object.keys(cfg).join(', '));
  assert.deepEqual(reviews.virtualServices, ['reviews.default']);
  assert.deepEqual(reviews.destinationRules, ['reviews.default']);
  assert.deepEqual(reviews.badges.trafficShifting, ['v2 50%, v3 50%']);
  assert.deepEqual(reviews.badges.requestTimeout, ['timeout 5s']);
  assert.deepEqual(reviews.badges.retries, ['3 attempts, 2s per try']);
  assert.equal(reviews.badges.circuitBreaker, undefined);
  assert.equal(reviews.badges.faultInjection, undefined);

  const details = cfg[DETAILS];
  assert.ok(details);
  assert.deepEqual(details.destinationRules, ['details.default']);
  assert.deepEqual(details.badges.mirroring, [`mirror 100% to ${DETAILS}`]);
  assert.ok(
    details.badges.circuitBreaker?.some((b) =>
      /http1MaxPendingRequests 100, maxRequestsPerConnection 10, outlierDetection 5 × 5xx \/ 10s, eject 30s/.test(
        b,
      ),
    ),
    JSON.stringify(details.badges.circuitBreaker),
  );
  assert.equal(details.badges.requestTimeout, undefined);

  // Compiled for reviews' sidecar (the caller of ratings): the abort fault.
  assert.deepEqual(cfg[RATINGS]?.badges.faultInjection, ['abort 100% → 500']);
  // Istio's default retry policy (no `retries` in the VirtualService) is no badge.
  assert.equal(cfg[RATINGS]?.badges.retries, undefined);
  // productpage: only the gateway's bookinfo VirtualService routes to it, compiled for neither.
  assert.equal(cfg['productpage.default.svc.cluster.local']?.badges.virtualService, undefined);
});

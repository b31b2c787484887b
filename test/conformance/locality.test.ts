// Conformance: a real proxy over real sockets choosing hosts across Envoy priority levels, as Istio's
// locality failover lays them out (istio/istio pilot/pkg/networking/core/loadbalancer/loadbalancer.go)
// and Envoy balances them (envoyproxy/envoy source/extensions/load_balancing_policies/common/
// load_balancer_impl.cc), plus VirtualService retryRemoteLocalities (Envoy previous_priorities,
// update_frequency 2: istio/istio pilot/pkg/networking/core/route/retry/retry.go).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Cluster, RetryPolicy } from '../../src/compile/snapshot.js';
import { ManualClock } from '../../src/runtime/clock.js';
import { SeededRandom } from '../../src/runtime/random.js';
import { createProxy } from '../../src/proxy/index.js';
import { startEcho, type EchoBackend } from '../helpers/echo-backend.js';
import {
  cluster,
  endpoint,
  forward,
  outbound,
  route,
  routeTable,
  snapshot,
  vhost,
} from '../helpers/snapshot-builder.js';
import { send } from './runner.js';

const H = 'web.default.svc.cluster.local';
const C = outbound(80, '', H);
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function echo(name: string, status = 200): Promise<EchoBackend> {
  const b = await startEcho(name);
  if (status !== 200)
    b.behaviour = (_q, res) => (res.writeHead(status, { 'content-length': '0' }).end(), true);
  cleanups.push(() => b.close());
  return b;
}

const od: NonNullable<Cluster['outlierDetection']> = {
  consecutive5xx: 1,
  consecutiveGatewayErrors: 0,
  splitExternalLocalOriginErrors: false,
  consecutiveLocalOriginFailures: 5,
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionPercent: 100,
  minHealthPercent: 0,
};

async function setup(
  backends: { b: EchoBackend; priority: number }[],
  retry?: Partial<RetryPolicy>,
  outlier: NonNullable<Cluster['outlierDetection']> = od,
) {
  // Retries need real backoff timers; without retries a manual clock keeps ejections in place.
  const proxy = createProxy({
    name: 'locality',
    ...(retry ? {} : { clock: new ManualClock() }),
    random: new SeededRandom(3),
  });
  const eps = backends.map(({ b, priority }) => ({
    ...endpoint('127.0.0.1', b.port),
    ...(priority > 0 ? { priority } : {}),
  }));
  const action = retry
    ? {
        retry: {
          numRetries: 3,
          retryOn: ['5xx'],
          retriableStatusCodes: [],
          backoffBaseMs: 1,
          retryIgnorePreviousHosts: false,
          ...retry,
        },
      }
    : {};
  proxy.update(
    snapshot({
      outbound: {
        80: routeTable('80', [vhost('web', ['web:80'], [route('r', forward(C, action))])]),
      },
      clusters: [cluster(C, eps, { lbPolicy: 'ROUND_ROBIN', outlierDetection: outlier })],
    }),
  );
  const { port } = await proxy.listen('virtualOutbound', { host: '127.0.0.1', port: 0 });
  cleanups.push(() => proxy.close(50));
  return { get: () => send(port, { authority: 'web:80', path: '/', headers: {} }) };
}

test('priority 0 takes all traffic while healthy; after its host is ejected, priority 1 takes it', async () => {
  const near = await echo('near', 500);
  const far = await echo('far');
  const t = await setup([
    { b: near, priority: 0 },
    { b: far, priority: 1 },
  ]);
  // consecutive5xx 1 and maxEjectionPercent 100: the first 500 ejects `near`.
  assert.equal((await t.get()).status, 500);
  for (let i = 0; i < 5; i++) assert.equal((await t.get()).headers['x-backend'], 'far');
});

// Ejection off (consecutive5xx 0) so only the retry priority plugin moves the attempts.
const noEjection = { ...od, consecutive5xx: 0 };

test('without retryRemoteLocalities every retry stays in priority 0', async () => {
  const near = await echo('near-stay', 503);
  const far = await echo('far-stay');
  const t = await setup(
    [
      { b: near, priority: 0 },
      { b: far, priority: 1 },
    ],
    {},
    noEjection,
  );
  const r = await t.get();
  assert.equal(r.status, 503);
  assert.equal(near.received.length, 4);
  assert.equal(far.received.length, 0);
});

test('retryRemoteLocalities: from the third attempt the priority already tried gets no load', async () => {
  const near = await echo('near-rl', 503);
  const far = await echo('far-rl');
  const t = await setup(
    [
      { b: near, priority: 0 },
      { b: far, priority: 1 },
    ],
    { retryRemoteLocalities: true },
    noEjection,
  );
  const r = await t.get();
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-backend'], 'far-rl');
  assert.equal(near.received.length, 2);
});

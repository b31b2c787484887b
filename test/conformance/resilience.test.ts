// Conformance: circuit breaking (UO), retries (URX, backoff, previous hosts), connect failure (UF),
// per-try and route timeouts on a manual clock (UT), fault delay/abort (DI/FI), mirroring, outlier ejection.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, test } from 'node:test';
import type { Cluster, RetryPolicy } from '../../src/compile/snapshot.js';
import { ManualClock } from '../../src/runtime/clock.js';
import { SequenceRandom, type Random } from '../../src/runtime/random.js';
import { createProxy } from '../../src/proxy/index.js';
import { deadPort, startEcho, type EchoBackend } from '../helpers/echo-backend.js';
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

const H = 'httpbin.default.svc.cluster.local';
const C = outbound(8000, '', H);
const MIRROR = outbound(8000, 'v2', H);
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const unlimited = cluster('x', []).connectionPool;

async function setup(opts: {
  backends: EchoBackend[];
  extraEndpoints?: { address: string; port: number }[];
  cluster?: Partial<Cluster>;
  action?: Parameters<typeof forward>[1];
  fault?: Parameters<typeof route>[3];
  clock?: ManualClock;
  random?: Random;
  mirrorBackends?: { address: string; port: number }[];
}) {
  const logs: Record<string, unknown>[] = [];
  const proxy = createProxy({
    name: 'resilience',
    clock: opts.clock,
    random: opts.random ?? new SequenceRandom([0]),
    accessLog: {
      encoding: 'JSON',
      sink: (l) => logs.push(JSON.parse(l) as Record<string, unknown>),
    },
  });
  const eps = [
    ...opts.backends.map((b) => endpoint('127.0.0.1', b.port)),
    ...(opts.extraEndpoints ?? []).map((e) => endpoint(e.address, e.port)),
  ];
  const clusters = [cluster(C, eps, opts.cluster)];
  if (opts.mirrorBackends)
    clusters.push(
      cluster(
        MIRROR,
        opts.mirrorBackends.map((e) => endpoint(e.address, e.port)),
      ),
    );
  proxy.update(
    snapshot({
      outbound: {
        8000: routeTable('8000', [
          vhost('httpbin', ['httpbin:8000'], [route('r', forward(C, opts.action), {}, opts.fault)]),
        ]),
      },
      clusters,
    }),
  );
  const { port } = await proxy.listen('virtualOutbound', { host: '127.0.0.1', port: 0 });
  cleanups.push(() => proxy.close(50));
  const get = (headers: Record<string, string> = {}) =>
    send(port, { authority: 'httpbin:8000', path: '/get', headers });
  const lastLog = async () => {
    for (let i = 0; i < 50 && logs.length === 0; i++) await new Promise((r) => setImmediate(r));
    return logs[logs.length - 1] ?? {};
  };
  const stat = (name: string, c = C) => proxy.stats().get(`cluster.${c}.${name}`) ?? 0;
  return { proxy, port, get, logs, lastLog, stat };
}

async function echo(name: string): Promise<EchoBackend> {
  const b = await startEcho(name);
  cleanups.push(() => b.close());
  return b;
}

/** A backend that holds every response until release() is called. */
async function staller(name: string) {
  const held: ServerResponse[] = [];
  const b = await echo(name);
  b.behaviour = (_req, res) => {
    held.push(res);
    return true;
  };
  return {
    b,
    held,
    release() {
      for (const r of held.splice(0)) r.writeHead(200, { 'content-length': '2' }).end('ok');
    },
  };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  assert.ok(cond(), 'condition not reached');
}

const retry = (p: Partial<RetryPolicy>): RetryPolicy => ({
  numRetries: 2,
  retryOn: ['5xx'],
  retriableStatusCodes: [],
  backoffBaseMs: 1,
  retryIgnorePreviousHosts: true,
  ...p,
});

test('circuit breaker: requests beyond http2MaxRequests get 503 UO with x-envoy-overloaded', async () => {
  const s = await staller('slow');
  const t = await setup({
    backends: [s.b],
    cluster: { connectionPool: { ...unlimited, maxRequests: 1 } },
  });
  const first = t.get();
  await until(() => s.held.length === 1);
  const [r2, r3] = await Promise.all([t.get(), t.get()]);
  for (const r of [r2, r3]) {
    assert.equal(r.status, 503);
    assert.equal(r.headers['x-envoy-overloaded'], 'true');
  }
  assert.equal((await t.lastLog()).response_flags, 'UO');
  s.release();
  assert.equal((await first).status, 200);
  assert.equal(t.stat('upstream_rq_pending_overflow'), 2);
});

test('circuit breaker: maxConnections 1 queues one pending request, the next overflows', async () => {
  const s = await staller('slow2');
  const t = await setup({
    backends: [s.b],
    cluster: { connectionPool: { ...unlimited, maxConnections: 1, maxPendingRequests: 1 } },
  });
  const first = t.get();
  await until(() => s.held.length === 1);
  const second = t.get();
  await until(() => t.stat('upstream_rq_pending_active') === 1);
  const third = await t.get();
  assert.equal(third.status, 503);
  s.release();
  assert.equal((await first).status, 200);
  await until(() => s.held.length === 1);
  s.release();
  assert.equal((await second).status, 200);
  assert.equal(t.stat('upstream_rq_pending_overflow'), 1);
});

test('retries: 5xx retried to another host, counted; exhausted retries return the last response with URX', async () => {
  const bad = await echo('bad');
  bad.behaviour = (_q, res) => (res.writeHead(503, { 'content-length': '0' }).end(), true);
  const good = await echo('good');
  const t = await setup({
    backends: [bad, good],
    action: { retry: retry({}) },
    random: new SequenceRandom([0, 0, 0]),
  });
  const r = await t.get();
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-backend'], 'good');
  assert.equal(good.received[0]?.headers['x-envoy-attempt-count'], '2');
  assert.equal(t.stat('upstream_rq_retry'), 1);
  const t2 = await setup({ backends: [bad], action: { retry: retry({ numRetries: 2 }) } });
  const r2 = await t2.get();
  assert.equal(r2.status, 503);
  assert.equal((await t2.lastLog()).response_flags, 'URX');
  assert.equal(t2.stat('upstream_rq_retry'), 2);
  assert.equal(bad.received.length, 1 + 1 + 2);
});

test('connect failure: 503 UF; with Istio default retry policy UF,URX after 2 retries', async () => {
  const port = await deadPort();
  const t = await setup({ backends: [], extraEndpoints: [{ address: '127.0.0.1', port }] });
  const r = await t.get();
  assert.equal(r.status, 503);
  assert.match(
    r.body,
    // envoyproxy/envoy source/common/router/router.cc onUpstreamReset (Envoy 1.36, Istio 1.28).
    /^upstream connect error or disconnect\/reset before headers\. reset reason: remote connection failure, transport failure reason: delayed connect error: Connection refused$/,
  );
  assert.equal((await t.lastLog()).response_flags, 'UF');
  const istioDefault = retry({
    retryOn: [
      'connect-failure',
      'refused-stream',
      'unavailable',
      'cancelled',
      'retriable-status-codes',
    ],
    backoffBaseMs: 25,
  });
  const t2 = await setup({
    backends: [],
    extraEndpoints: [{ address: '127.0.0.1', port }],
    action: { retry: istioDefault },
  });
  const r2 = await t2.get();
  assert.equal(r2.status, 503);
  const log = await t2.lastLog();
  assert.equal(log.response_flags, 'UF,URX');
  assert.equal(
    log.response_code_details,
    'upstream_reset_before_response_started{remote_connection_failure|delayed_connect_error:_Connection_refused}',
  );
  assert.equal(log.upstream_transport_failure_reason, 'delayed_connect_error:_Connection_refused');
  // After retries the body says so (router.cc: is_retry_ -> "retried and the latest ").
  assert.equal(
    r2.body,
    'upstream connect error or disconnect/reset before headers. retried and the latest reset reason: remote connection failure, transport failure reason: delayed connect error: Connection refused',
  );
  // No connection was made: %UPSTREAM_LOCAL_ADDRESS% stays empty.
  assert.equal(log.upstream_local_address, null);
  assert.equal(t2.stat('upstream_rq_retry'), 2);
});

test('route timeout spans retries: perTry 2s x 3 attempts under timeout 3s fails at 3s with UT', async () => {
  const clock = new ManualClock();
  const s = await staller('never');
  const t = await setup({
    backends: [s.b],
    clock,
    action: {
      timeoutMs: 3000,
      retry: retry({ numRetries: 3, perTryTimeoutMs: 2000, retryOn: ['5xx', 'gateway-error'] }),
    },
  });
  const p = t.get();
  await until(() => s.held.length === 1);
  clock.advance(2000); // per-try timeout -> retry after a 0 ms backoff (draw 0)
  clock.advance(0);
  await until(() => s.held.length === 2);
  clock.advance(1000); // route timeout at t=3000
  const r = await p;
  assert.equal(r.status, 504);
  assert.equal(r.body, 'upstream request timeout');
  const log = await t.lastLog();
  assert.equal(log.response_flags, 'UT');
  assert.equal(log.response_code_details, 'upstream_response_timeout');
  assert.equal(t.stat('upstream_rq_per_try_timeout'), 1);
  assert.equal(t.stat('upstream_rq_timeout'), 1);
  s.held.forEach((r) => r.destroy());
});

test('a per-try timeout is not retried without 5xx/gateway-error in retryOn', async () => {
  const clock = new ManualClock();
  const s = await staller('never2');
  const t = await setup({
    backends: [s.b],
    clock,
    action: {
      timeoutMs: 3000,
      retry: retry({
        numRetries: 3,
        perTryTimeoutMs: 2000,
        retryOn: ['connect-failure', 'refused-stream'],
      }),
    },
  });
  const p = t.get();
  await until(() => s.held.length === 1);
  clock.advance(2000);
  const r = await p;
  assert.equal(r.status, 504);
  assert.equal((await t.lastLog()).response_flags, 'UT');
  assert.equal(s.held.length, 1);
  s.held.forEach((r) => r.destroy());
});

test('fault: delay then abort with independent draws (DI,FI); abort skips the upstream', async () => {
  const b = await echo('fault');
  const clock = new ManualClock();
  // draws: delay 0.1 (< 50%), abort 0.9 (>= 50%) -> delayed only; then 0.9 / 0.1 -> aborted only.
  const t = await setup({
    backends: [b],
    clock,
    random: new SequenceRandom([0.1, 0.9, 0.9, 0.1]),
    fault: {
      fault: {
        delay: { delayMs: 7000, percentage: 50 },
        abort: { httpStatus: 418, percentage: 50 },
      },
    },
  });
  const p = t.get();
  // The fault's delay timer is armed (connection timers on the same clock have other delays).
  await until(() => clock.pendingDelays().includes(7000));
  assert.equal(b.received.length, 0);
  clock.advance(7000);
  const r = await p;
  assert.equal(r.status, 200);
  assert.equal((await t.lastLog()).response_flags, 'DI');
  const r2 = await t.get();
  assert.equal(r2.status, 418);
  assert.equal(r2.body, 'fault filter abort');
  const log = await t.lastLog();
  assert.equal(log.response_flags, 'FI');
  assert.equal(log.response_code_details, 'fault_filter_abort');
  assert.equal(b.received.length, 1);
});

test('mirror: the mirror receives a copy, the client sees the primary; a dead mirror changes nothing', async () => {
  const v1 = await echo('v1');
  const v2 = await echo('v2');
  const t = await setup({
    backends: [v1],
    mirrorBackends: [{ address: '127.0.0.1', port: v2.port }],
    action: { mirrors: [{ clusterName: MIRROR, percentage: 100 }] },
  });
  const r = await t.get();
  assert.equal(r.headers['x-backend'], 'v1');
  await until(() => v2.received.length === 1);
  assert.equal(v2.received[0]?.headers.host, 'httpbin:8000');
  const dead = await deadPort();
  const t2 = await setup({
    backends: [v1],
    mirrorBackends: [{ address: '127.0.0.1', port: dead }],
    action: { mirrors: [{ clusterName: MIRROR, percentage: 100 }] },
  });
  for (let i = 0; i < 3; i++) assert.equal((await t2.get()).status, 200);
});

test('mirror: -shadow host suffix when the mesh asks for it', async () => {
  const { shadowAuthority } = await import('../../src/proxy/router/mirror.js');
  assert.equal(shadowAuthority('httpbin:8000'), 'httpbin-shadow:8000');
  assert.equal(shadowAuthority('httpbin'), 'httpbin-shadow');
});

test('outlier detection: a host with consecutive 5xx is ejected and returns after the ejection time', async () => {
  const clock = new ManualClock();
  const bad = await echo('bad-od');
  bad.behaviour = (_q, res) => (res.writeHead(500, { 'content-length': '0' }).end(), true);
  const good = await echo('good-od');
  const t = await setup({
    backends: [bad, good],
    clock,
    random: new SequenceRandom([0]),
    cluster: {
      lbPolicy: 'ROUND_ROBIN',
      outlierDetection: {
        consecutive5xx: 1,
        consecutiveGatewayErrors: 0,
        splitExternalLocalOriginErrors: false,
        consecutiveLocalOriginFailures: 0,
        intervalMs: 1000,
        baseEjectionTimeMs: 30_000,
        maxEjectionPercent: 100,
        minHealthPercent: 0,
      },
    },
  });
  assert.equal((await t.get()).status, 500);
  assert.equal(t.stat('outlier_detection.ejections_active'), 1);
  assert.deepEqual(
    t.proxy.endpoints().map((e) => e.outlierCheck),
    ['FAILED', 'OK'],
  );
  for (let i = 0; i < 4; i++) assert.equal((await t.get()).headers['x-backend'], 'good-od');
  clock.advance(31_000);
  assert.equal(t.stat('outlier_detection.ejections_active'), 0);
  const seen = new Set<string>();
  for (let i = 0; i < 2; i++) seen.add(String((await t.get()).status));
  assert.ok(seen.has('500'));
});

test('a small request body is buffered so a retry and a mirror replay it', async () => {
  const bad = await echo('bad-body');
  bad.behaviour = (_q, res) => (res.writeHead(503, { 'content-length': '0' }).end(), true);
  const good = await echo('good-body');
  const shadow = await echo('shadow-body');
  const t = await setup({
    backends: [bad, good],
    mirrorBackends: [{ address: '127.0.0.1', port: shadow.port }],
    action: { retry: retry({}), mirrors: [{ clusterName: MIRROR, percentage: 100 }] },
  });
  const { request } = await import('node:http');
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: t.port,
        method: 'POST',
        path: '/post',
        headers: { host: 'httpbin:8000', 'content-type': 'text/plain' },
      },
      (r) => {
        let b = '';
        r.on('data', (c: Buffer) => (b += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body: b }));
      },
    );
    req.on('error', reject);
    req.end('hello body');
  });
  assert.equal(res.status, 200);
  assert.equal((JSON.parse(res.body) as { bodyLength: number }).bodyLength, 10);
  assert.equal(bad.received[0]?.bodyLength, 10);
  await until(() => shadow.received.length === 1);
  assert.equal(shadow.received[0]?.bodyLength, 10);
});

test('retries: maxRetries overflow skips the retry with UO (upstream_rq_retry_overflow); a later good answer counts retry_success', async () => {
  const clock = new ManualClock();
  const bad = await echo('bad-overflow');
  bad.behaviour = (_q, res) => (res.writeHead(503, { 'content-length': '0' }).end(), true);
  const t = await setup({
    backends: [bad],
    clock,
    cluster: { connectionPool: { ...unlimited, maxRetries: 1 } },
    action: { retry: retry({ numRetries: 1 }) },
  });
  // The first request waits in its retry backoff (manual clock), holding the one retry slot.
  const first = t.get();
  await until(() => t.stat('upstream_rq_retry') === 1);
  const second = await t.get();
  assert.equal(second.status, 503);
  assert.equal((await t.lastLog()).response_flags, 'UO');
  assert.equal(t.stat('upstream_rq_retry_overflow'), 1);
  clock.advance(0);
  assert.equal((await first).status, 503);
  assert.equal((await t.lastLog()).response_flags, 'URX');
  assert.equal(t.stat('upstream_rq_retry_limit_exceeded'), 1);
  assert.equal(t.stat('upstream_rq_retry_backoff_exponential'), 1);

  const good = await echo('good-after-retry');
  let n = 0;
  good.behaviour = (_q, res) =>
    n++ === 0 ? (res.writeHead(503, { 'content-length': '0' }).end(), true) : false;
  const t2 = await setup({ backends: [good], action: { retry: retry({ numRetries: 2 }) } });
  assert.equal((await t2.get()).status, 200);
  assert.equal(t2.stat('upstream_rq_retry'), 1);
  assert.equal(t2.stat('upstream_rq_retry_success'), 1);
});

test('retries: an upstream 503 with x-envoy-overloaded (a breaker further on) is never retried', async () => {
  const b = await echo('overloaded');
  b.behaviour = (_q, res) => (
    res.writeHead(503, { 'content-length': '0', 'x-envoy-overloaded': 'true' }).end(),
    true
  );
  const t = await setup({ backends: [b], action: { retry: retry({ numRetries: 2 }) } });
  const r = await t.get();
  assert.equal(r.status, 503);
  assert.equal(b.received.length, 1);
  assert.equal(t.stat('upstream_rq_retry'), 0);
});

// Istio traffic features a real proxyless gRPC client (@grpc/grpc-js-xds) applies from what
// `switchyard control-plane` serves it, one service per feature: weighted split and header routing
// (gRFC A28), fault abort and delay (A33), route timeout (A31), retries (A44), ring-hash stickiness
// (A42), circuit breaking by max_requests (A32), and a change pushed while calls flow. istiod builds
// the same resources for proxyless clients (istio/istio pilot/pkg/networking/grpcgen).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  binomialInterval,
  errors,
  FAIL_FIRST,
  HOLD,
  startClient,
  startControlPlane,
  startEchoServer,
  until,
  type ClientHandle,
  type ControlPlane,
  type EchoServer,
} from './helpers/xds-grpc-support.js';

const PORT = 7070;
const host = (name: string) => `${name}.default.svc.cluster.local`;
const target = (name: string) => `xds:///${host(name)}:${PORT}`;
/** Chance that any statistical assertion here fails by bad luck: under one in a million. */
const ALPHA = 1e-6;

function serviceEntry(name: string): string {
  return `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${name}, namespace: default }
spec:
  hosts: [${host(name)}]
  location: MESH_INTERNAL
  ports: [{ number: ${PORT}, name: grpc, protocol: GRPC }]
  resolution: STATIC
  workloadSelector: { labels: { app: echo } }
---`;
}

const SUBSETS = ['v1', 'v2', 'v3']
  .map((v) => `{ name: ${v}, labels: { version: ${v} } }`)
  .join(', ');

/** The mesh: three echo workloads behind one ServiceEntry per feature; `flowMoved` is the pushed change. */
function mesh(servers: EchoServer[], flowMoved: boolean): string {
  const entries = servers
    .map(
      (s) => `
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: echo-${s.name}, namespace: default }
spec: { address: 127.0.0.1, labels: { app: echo, version: ${s.name} }, ports: { grpc: ${s.port} } }
---`,
    )
    .join('');
  return `${entries}
${['split', 'fault', 'timeout', 'retry', 'hash', 'breaker', 'flow'].map(serviceEntry).join('')}
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: split, namespace: default }
spec: { host: ${host('split')}, subsets: [${SUBSETS}] }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: split, namespace: default }
spec:
  hosts: [${host('split')}]
  http:
    - match: [{ headers: { x-user: { exact: canary } } }]
      route: [{ destination: { host: ${host('split')}, subset: v2 } }]
    - match: [{ headers: { x-group: { prefix: beta- } } }]
      route: [{ destination: { host: ${host('split')}, subset: v3 } }]
    - route:
        - { destination: { host: ${host('split')}, subset: v1 }, weight: 80 }
        - { destination: { host: ${host('split')}, subset: v2 }, weight: 20 }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: fault, namespace: default }
spec: { host: ${host('fault')}, subsets: [${SUBSETS}] }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: fault, namespace: default }
spec:
  hosts: [${host('fault')}]
  http:
    - match: [{ headers: { x-fault: { exact: abort } } }]
      fault: { abort: { httpStatus: 503, percentage: { value: 100 } } }
      route: [{ destination: { host: ${host('fault')}, subset: v1 } }]
    - match: [{ headers: { x-fault: { exact: grpc } } }]
      fault: { abort: { grpcStatus: PERMISSION_DENIED, percentage: { value: 100 } } }
      route: [{ destination: { host: ${host('fault')}, subset: v1 } }]
    - match: [{ headers: { x-fault: { exact: half } } }]
      fault: { abort: { httpStatus: 503, percentage: { value: 50 } } }
      retries: { attempts: 0 }
      route: [{ destination: { host: ${host('fault')}, subset: v1 } }]
    - match: [{ headers: { x-fault: { exact: delay } } }]
      fault: { delay: { fixedDelay: 300ms, percentage: { value: 100 } } }
      route: [{ destination: { host: ${host('fault')}, subset: v1 } }]
    - match: [{ headers: { x-fault: { exact: stall } } }]
      fault: { delay: { fixedDelay: 3600s, percentage: { value: 100 } } }
      route: [{ destination: { host: ${host('fault')}, subset: v1 } }]
    - route: [{ destination: { host: ${host('fault')}, subset: v1 } }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: timeout, namespace: default }
spec: { host: ${host('timeout')}, subsets: [${SUBSETS}] }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: timeout, namespace: default }
spec:
  hosts: [${host('timeout')}]
  http:
    - route: [{ destination: { host: ${host('timeout')}, subset: v1 } }]
      timeout: 0.5s
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: retry, namespace: default }
spec: { host: ${host('retry')}, subsets: [${SUBSETS}] }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: retry, namespace: default }
spec:
  hosts: [${host('retry')}]
  http:
    - match: [{ headers: { x-retry: { exact: none } } }]
      retries: { attempts: 0 }
      route: [{ destination: { host: ${host('retry')}, subset: v1 } }]
    - match: [{ headers: { x-retry: { exact: mesh-default } } }]
      route: [{ destination: { host: ${host('retry')}, subset: v1 } }]
    - retries: { attempts: 3, retryOn: unavailable }
      route: [{ destination: { host: ${host('retry')}, subset: v1 } }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: hash, namespace: default }
spec:
  host: ${host('hash')}
  trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: x-user } } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: breaker, namespace: default }
spec:
  host: ${host('breaker')}
  trafficPolicy: { connectionPool: { http: { http2MaxRequests: 2 } } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: flow, namespace: default }
spec:
  host: ${host('flow')}
  subsets:
    - { name: v1, labels: { version: v1 } }${
      flowMoved
        ? `
    - { name: v2, labels: { version: v2 } }`
        : ''
    }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: flow, namespace: default }
spec:
  hosts: [${host('flow')}]
  http:
    - route: [{ destination: { host: ${host('flow')}, subset: ${flowMoved ? 'v2' : 'v1'} } }]
`;
}

describe('grpc-js-xds applies what the control plane serves', () => {
  let dir = '';
  let file = '';
  let servers: EchoServer[] = [];
  let cp: ControlPlane | undefined;
  let client: ClientHandle;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-xds-scenarios-'));
    servers = await Promise.all(['v1', 'v2', 'v3'].map(startEchoServer));
    file = join(dir, 'mesh.yaml');
    writeFileSync(file, mesh(servers, false));
    cp = await startControlPlane(file);
    client = startClient(cp.port, target('split'));
  });

  after(() => {
    client?.stop();
    cp?.proc.kill();
    for (const s of servers) s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const server = (name: string) => servers.find((s) => s.name === name)!;
  const log = () => cp?.log.join('\n') ?? '';

  test('weighted 80/20 split over 400 calls, within the binomial bounds (A28)', async () => {
    // The first call waits for LDS -> RDS -> CDS -> EDS; it fails fast if any of them is missing.
    assert.equal(errors(await client.count(1)), 0, log());
    const n = 400;
    const split = await client.count(n);
    assert.equal((split.v1 ?? 0) + (split.v2 ?? 0), n, JSON.stringify(split));
    const [lo, hi] = binomialInterval(n, 0.8, ALPHA);
    assert.ok(lo > 270 && hi < 370, `bounds ${lo}..${hi}`);
    assert.ok(
      (split.v1 ?? 0) >= lo && (split.v1 ?? 0) <= hi,
      `${JSON.stringify(split)} ${lo}..${hi}`,
    );
  });

  test('header matches route exact and prefix values to their subsets (A28)', async () => {
    assert.deepEqual(await client.count(20, { 'x-user': 'canary' }), { v2: 20 });
    assert.deepEqual(await client.count(20, { 'x-group': 'beta-testers' }), { v3: 20 });
    // Not a prefix match: the weighted default route, so v3 never answers.
    const other = await client.count(20, { 'x-group': 'alpha-beta-' });
    assert.equal((other.v1 ?? 0) + (other.v2 ?? 0), 20, JSON.stringify(other));
  });

  test('fault abort: httpStatus 503 -> UNAVAILABLE, grpcStatus as given, 50% within bounds (A33)', async () => {
    const t = target('fault');
    const before = server('v1').received;
    assert.deepEqual(
      (await client.run({ target: t, calls: 10, metadata: { 'x-fault': 'abort' } })).counts,
      { 'error:UNAVAILABLE': 10 },
    );
    assert.deepEqual(
      (await client.run({ target: t, calls: 10, metadata: { 'x-fault': 'grpc' } })).counts,
      { 'error:PERMISSION_DENIED': 10 },
    );
    assert.equal(server('v1').received, before, 'aborted calls never reach the server');
    const n = 300;
    const half = (await client.run({ target: t, calls: n, metadata: { 'x-fault': 'half' } }))
      .counts;
    const [lo, hi] = binomialInterval(n, 0.5, ALPHA);
    const aborted = half['error:UNAVAILABLE'] ?? 0;
    assert.equal(aborted + (half.v1 ?? 0), n, JSON.stringify(half));
    assert.ok(aborted >= lo && aborted <= hi, `${JSON.stringify(half)} ${lo}..${hi}`);
    assert.deepEqual((await client.run({ target: t, calls: 5 })).counts, { v1: 5 });
  });

  test('fault delay: every call waits the fixed delay; a delay past the deadline never reaches the server (A33)', async () => {
    const t = target('fault');
    const delayed = await client.run({ target: t, calls: 3, metadata: { 'x-fault': 'delay' } });
    assert.deepEqual(delayed.counts, { v1: 3 });
    // A lower bound only: the filter holds each call for at least 300 ms (timers may round by 1 ms).
    assert.ok(delayed.minMs >= 299, `fastest delayed call ${delayed.minMs} ms`);
    const before = server('v1').received;
    const stalled = await client.run({
      target: t,
      calls: 2,
      deadlineMs: 300,
      metadata: { 'x-fault': 'stall' },
    });
    assert.deepEqual(stalled.counts, { 'error:DEADLINE_EXCEEDED': 2 });
    assert.equal(server('v1').received, before);
  });

  test('route timeout ends a call the server holds, though the caller would wait an hour (A31)', async () => {
    const held = server('v1').held();
    const r = await client.run({
      target: target('timeout'),
      calls: 1,
      deadlineMs: 3_600_000,
      metadata: { [HOLD]: '1' },
    });
    assert.deepEqual(r.counts, { 'error:DEADLINE_EXCEEDED': 1 });
    assert.equal(server('v1').held(), held + 1, 'the call reached the server and was held');
    server('v1').release();
    assert.deepEqual((await client.run({ target: target('timeout'), calls: 3 })).counts, {
      v1: 3,
    });
  });

  test('retries: attempts 3 on unavailable, Istio default 2, none with attempts 0 (A44)', async () => {
    const t = target('retry');
    const v1 = server('v1');
    // attempts: 3 -> 4 tries: the first three fail, the fourth answers.
    assert.deepEqual(
      (await client.run({ target: t, calls: 1, metadata: { [FAIL_FIRST]: 'a:3' } })).counts,
      { v1: 1 },
    );
    assert.equal(v1.attempts('a'), 4);
    // Five failures outlast 4 tries.
    assert.deepEqual(
      (await client.run({ target: t, calls: 1, metadata: { [FAIL_FIRST]: 'b:5' } })).counts,
      { 'error:UNAVAILABLE': 1 },
    );
    assert.equal(v1.attempts('b'), 4);
    // No retries in the VirtualService: Istio's default (2 retries on unavailable,cancelled,...).
    assert.deepEqual(
      (
        await client.run({
          target: t,
          calls: 1,
          metadata: { [FAIL_FIRST]: 'c:2', 'x-retry': 'mesh-default' },
        })
      ).counts,
      { v1: 1 },
    );
    assert.equal(v1.attempts('c'), 3);
    // attempts: 0 -> no retry policy at all.
    assert.deepEqual(
      (
        await client.run({
          target: t,
          calls: 1,
          metadata: { [FAIL_FIRST]: 'd:1', 'x-retry': 'none' },
        })
      ).counts,
      { 'error:UNAVAILABLE': 1 },
    );
    assert.equal(v1.attempts('d'), 1);
  });

  test('ring hash on a header: each user sticks to one backend, users spread over several (A42)', async () => {
    const users = 30;
    const seen = new Set<string>();
    for (let u = 0; u < users; u++) {
      const counts = (
        await client.run({ target: target('hash'), calls: 5, metadata: { 'x-user': `user-${u}` } })
      ).counts;
      assert.equal(Object.keys(counts).length, 1, `user-${u}: ${JSON.stringify(counts)}`);
      assert.equal(errors(counts), 0, JSON.stringify(counts));
      seen.add(Object.keys(counts)[0]!);
    }
    // 30 users all hashing to one of three equally weighted backends: chance 3 * 3^-30 < 1e-13.
    assert.ok(seen.size > 1, [...seen].join(' '));
  });

  test('circuit breaking: http2MaxRequests 2 -> the third concurrent call is dropped (A32)', async () => {
    const calls = 6;
    // Connected first: the picks below find ready subchannels and count each call as it starts.
    const warm = await client.run({ target: target('breaker'), calls: 3 });
    assert.equal(errors(warm.counts), 0, JSON.stringify(warm.counts));
    let failed = 0;
    const held = () => servers.reduce((s, x) => s + x.held(), 0);
    const result = client.run(
      // grpc-js counts a call once it is started on a subchannel, a few microtasks after its pick:
      // calls picked in the same tick would all pass, so each starts a moment after the previous.
      {
        target: target('breaker'),
        calls,
        concurrent: true,
        staggerMs: 20,
        metadata: { [HOLD]: '1' },
      },
      (answer) => {
        if (answer.startsWith('error')) failed++;
      },
    );
    // Every call either reached a server (held there) or was refused by the client.
    await until(() => failed + held() >= calls);
    assert.equal(held(), 2, `held ${held()}, failed ${failed}`);
    for (const s of servers) s.release();
    const counts = (await result).counts;
    assert.equal(counts['error:UNAVAILABLE'], calls - 2, JSON.stringify(counts));
  });

  test('a change pushed while calls flow (a new subset cluster, then the route to it): 0 failed calls', async () => {
    let v1 = 0;
    const run = client.run(
      { target: target('flow'), calls: 100_000, untilSeen: { v2: 50 } },
      (answer) => {
        if (answer === 'v1') v1++;
      },
    );
    await until(() => v1 >= 50);
    writeFileSync(file, mesh(servers, true));
    const counts = (await run).counts;
    assert.equal(errors(counts), 0, JSON.stringify(counts));
    assert.ok((counts.v1 ?? 0) >= 50 && (counts.v2 ?? 0) >= 50, JSON.stringify(counts));
    assert.deepEqual(Object.keys(counts).sort(), ['v1', 'v2']);
  });
});

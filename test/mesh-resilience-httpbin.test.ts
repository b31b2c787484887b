// Issue 6 acceptance on an httpbin mesh (Istio's mirroring task: httpbin v1 and v2 behind one
// Service): retries against a route timeout, Istio's default retry conditions and a per-try timeout,
// 100% mirroring to v2 that survives a dead v2, and an outlier ejection seen in proxy-config endpoints.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from './helpers/shared.js';
import { get, startMesh, type RunningMesh } from './helpers/mesh.js';
import { MeshClient } from '../src/workloads/mesh-client.js';

let mesh: RunningMesh;
let client: MeshClient;

const V1 = 'outbound|8000|v1|httpbin.default.svc.cluster.local';

interface ProxyItem {
  name: string;
  workload: string;
  outbound?: string;
  pid?: number;
  ready?: boolean;
}

async function proxies(): Promise<ProxyItem[]> {
  return (JSON.parse((await get(`${mesh.admin}/proxies`)).body) as { items: ProxyItem[] }).items;
}

before(async () => {
  mesh = await startMesh([
    '-f',
    fixture('resilience', 'httpbin-v1-v2.yaml'),
    '-f',
    fixture('resilience', 'sleep.yaml'),
  ]);
  const sleep = (await proxies()).find((p) => p.workload === 'sleep');
  assert.ok(sleep?.outbound, 'the sleep client has a sidecar');
  client = new MeshClient({ proxy: sleep.outbound });
});

after(async () => {
  await mesh?.stop();
});

async function logs(proxy: string): Promise<string[]> {
  return (await get(`${mesh.admin}/logs?proxy=${proxy}&tail=1000`)).body
    .split('\n')
    .filter((l) => l !== '');
}

async function stat(proxy: string, name: string): Promise<number> {
  const body = (await get(`${mesh.admin}/stats?proxy=${proxy}`)).body;
  const line = body.split('\n').find((l) => l.startsWith(`${name}: `));
  return Number(line?.slice(name.length + 2) ?? 0);
}

async function timed(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ ms: number; status: number; body: string }> {
  const start = Date.now();
  const res = await client.request(url, { headers, timeoutMs: 20_000 });
  return { ms: Date.now() - start, status: res.status, body: res.body.toString('utf8') };
}

test('retries vs timeout, and mirroring to v2 while the client sees only v1', async () => {
  const mirrored = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const r = await timed(`http://httpbin:8000/headers?i=${i}`);
      assert.equal(r.status, 200);
    }
  };
  // All three at once: both retry cases take seconds of waiting on an upstream that never answers in time.
  const [withRetryOn, defaults] = await Promise.all([
    timed('http://httpbin:8000/delay/10'),
    timed('http://httpbin:8000/delay/10', { 'x-case': 'default-retry-on' }),
    mirrored(10),
  ]);

  // attempts 3, perTryTimeout 2s, retryOn 5xx,gateway-error, timeout 3s: the route timeout ends it
  // during the second try (~3s), it does not get 3 x 2s.
  assert.equal(withRetryOn.status, 504);
  assert.equal(withRetryOn.body, 'upstream request timeout');
  assert.ok(withRetryOn.ms >= 3000, `failed after ${withRetryOn.ms} ms, before the 3s timeout`);
  assert.ok(
    withRetryOn.ms < 6000,
    `failed after ${withRetryOn.ms} ms: retries outlived the timeout`,
  );
  // Istio's default retryOn (connect-failure,refused-stream,unavailable,cancelled,
  // retriable-status-codes) does not retry a per-try timeout: 504 UT after ~2s.
  assert.equal(defaults.status, 504);
  assert.ok(defaults.ms >= 2000, `failed after ${defaults.ms} ms, before the 2s per-try timeout`);

  const sleepLog = await logs('sleep');
  const delays = sleepLog.filter((l) => l.includes('/delay/10'));
  assert.ok(
    delays.some((l) => / 504 UT upstream_response_timeout /.test(l)),
    `route timeout logged:\n${delays.join('\n')}`,
  );
  assert.ok(
    delays.some((l) => / 504 UT upstream_per_try_timeout /.test(l)),
    `per-try timeout logged:\n${delays.join('\n')}`,
  );
  assert.equal(await stat('sleep', `cluster.${V1}.upstream_rq_retry`), 1, 'one retry in all');
  assert.equal(await stat('sleep', `cluster.${V1}.upstream_rq_per_try_timeout`), 2);
  assert.equal(await stat('sleep', `cluster.${V1}.upstream_rq_timeout`), 1);

  // Mirror: the client's calls all went to v1, and v2's sidecar saw every one of them.
  const toV1 = sleepLog.filter((l) => l.includes('/headers?i='));
  assert.equal(toV1.length, 10);
  assert.ok(
    toV1.every((l) => / 200 /.test(l) && l.includes(V1)),
    `client calls:\n${toV1.join('\n')}`,
  );
  const seenByV2 = (await logs('httpbin-v2')).filter((l) => l.includes('/headers?i='));
  assert.equal(seenByV2.length, 10, 'v2 saw every request');
  assert.ok(
    seenByV2.every((l) => l.includes('inbound|80||')),
    seenByV2.join('\n'),
  );
  const seenByV1 = (await logs('httpbin-v1')).filter((l) => l.includes('/headers?i='));
  assert.equal(seenByV1.length, 10, 'v1 answered every request');

  // A dead v2 changes nothing for the client.
  const v2 = (await proxies()).find((p) => p.workload === 'httpbin-v2');
  assert.ok(v2?.pid, 'httpbin-v2 has a process');
  process.kill(v2.pid, 'SIGKILL');
  for (let i = 0; i < 10; i++) {
    const r = await timed(`http://httpbin:8000/get?dead=${i}`);
    assert.equal(r.status, 200, 'the primary is untouched by a dead mirror');
  }
});

test("mesh defaultHttpRetryPolicy (istio ConfigMap) replaces Istio's default retries on routes without retries", async () => {
  const meshConfig = `apiVersion: v1
kind: ConfigMap
metadata:
  name: istio
  namespace: istio-system
data:
  mesh: |
    defaultHttpRetryPolicy:
      attempts: 1
      retryOn: gateway-error
`;
  const r = mesh.cli(['apply', '-f', '-'], meshConfig);
  assert.equal(r.status, 0, r.stderr);
  const retried = await stat('sleep', `cluster.${V1}.upstream_rq_retry`);
  assert.equal((await timed('http://httpbin:8000/status/500')).status, 500);
  assert.equal(
    await stat('sleep', `cluster.${V1}.upstream_rq_retry`),
    retried,
    '500 is no gateway error',
  );
  assert.equal((await timed('http://httpbin:8000/status/502')).status, 502);
  assert.equal(
    await stat('sleep', `cluster.${V1}.upstream_rq_retry`),
    retried + 1,
    '502 retried once',
  );
  const last = (await logs('sleep')).filter((l) => l.includes('/status/502')).pop() ?? '';
  assert.match(last, / 502 URX via_upstream /);
  const removed = mesh.cli(['delete', 'configmap', 'istio', '-n', 'istio-system']);
  assert.equal(removed.status, 0, removed.stderr);
});

test('outlier detection: an ejected host shows OUTLIER CHECK FAILED in proxy-config endpoints', async () => {
  const dr = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: httpbin
spec:
  host: httpbin
  trafficPolicy:
    outlierDetection:
      consecutive5xxErrors: 1
      interval: 1s
      baseEjectionTime: 30s
      maxEjectionPercent: 100
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
`;
  const r = mesh.cli(['apply', '-f', '-'], dr);
  assert.equal(r.status, 0, r.stderr);
  const before = mesh.cli(['proxy-config', 'endpoints', 'sleep', '--cluster', V1]);
  assert.match(before.stdout, /HEALTHY\s+OK\s+outbound\|8000\|v1\|httpbin/);
  const bad = await timed('http://httpbin:8000/status/500');
  assert.equal(bad.status, 500);
  const after = mesh.cli(['proxy-config', 'endpoints', 'sleep', '--cluster', V1]);
  assert.equal(after.status, 0, after.stderr);
  assert.match(after.stdout, /^ENDPOINT\s+STATUS\s+OUTLIER CHECK\s+CLUSTER$/m);
  assert.match(after.stdout, /HEALTHY\s+FAILED\s+outbound\|8000\|v1\|httpbin/, after.stdout);
  // With every host ejected the cluster has no healthy upstream: 503 UH.
  const next = await timed('http://httpbin:8000/get');
  assert.equal(next.status, 503);
  assert.equal(await stat('sleep', `cluster.${V1}.outlier_detection.ejections_active`), 1);
});

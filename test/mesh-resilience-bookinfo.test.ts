// Issue 6 acceptance on the Bookinfo mesh, from Istio's tasks: fault injection (delay for everyone,
// a longer delay for jason that trips productpage's own timeout and retry, a 50% abort) and the
// circuit breaker on reviews driven by `switchyard load --from sleep`. One mesh for all of them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from './helpers/shared.js';
import { get, send, startMesh, type RunningMesh } from './helpers/mesh.js';
import { MeshClient } from '../src/workloads/mesh-client.js';

let mesh: RunningMesh;
let client: MeshClient;

const REVIEWS_FALLBACK = 'Sorry, product reviews are currently unavailable for this book.';
const REVIEWS_CLUSTER = 'outbound|9080||reviews.default.svc.cluster.local';

before(async () => {
  mesh = await startMesh(['--demo', 'bookinfo', '-f', fixture('resilience', 'sleep.yaml')]);
  const items = (
    JSON.parse((await get(`${mesh.admin}/proxies`)).body) as {
      items: { workload: string; outbound?: string }[];
    }
  ).items;
  const sleep = items.find((p) => p.workload === 'sleep');
  assert.ok(sleep?.outbound, 'the sleep client has a sidecar');
  // What `curl` inside the sleep pod does: every call goes through its sidecar.
  client = new MeshClient({ proxy: sleep.outbound });
});

after(async () => {
  await mesh?.stop();
});

function apply(name: string): void {
  const r = mesh.cli(['apply', '-f', fixture('resilience', name)]);
  assert.equal(r.status, 0, r.stderr);
}

async function timedCall(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ ms: number; status: number }> {
  const start = Date.now();
  const res = await client.request(url, { headers, timeoutMs: 20_000 });
  return { ms: Date.now() - start, status: res.status };
}

async function logs(proxy: string): Promise<string[]> {
  return (await get(`${mesh.admin}/logs?proxy=${proxy}&tail=1000`)).body.split('\n');
}

async function loginJason(): Promise<string> {
  const login = await send(
    'POST',
    `${mesh.gateway}/login`,
    { 'content-type': 'application/x-www-form-urlencoded' },
    'username=jason&passwd=jason',
  );
  const setCookie = login.headers['set-cookie'];
  return (Array.isArray(setCookie) ? setCookie : [setCookie ?? ''])
    .map((c) => c.split(';')[0])
    .join('; ');
}

test('delay: 3s on ratings for everyone; 7s for jason shows the reviews fallback after productpage timeout and retry', async () => {
  const baseline = await timedCall('http://ratings:9080/ratings/0');
  assert.equal(baseline.status, 200);
  const cookie = await loginJason();
  assert.ok(cookie.includes('session'), 'jason logged in');

  const r = mesh.cli([
    'apply',
    '-f',
    fixture('resilience', 'ratings-delays.yaml'),
    '-f',
    fixture('mesh', 'reviews-jason-v2.yaml'),
  ]);
  assert.equal(r.status, 0, r.stderr);

  // Both at once: the sleep client's call to ratings, and jason's page (reviews v2 -> ratings).
  const pageStart = Date.now();
  const [delayed, page] = await Promise.all([
    timedCall('http://ratings:9080/ratings/0'),
    get(`${mesh.gateway}/productpage`, { cookie }),
  ]);
  const pageMs = Date.now() - pageStart;

  assert.equal(delayed.status, 200);
  assert.ok(delayed.ms >= 3000, `the call took ${delayed.ms} ms, not 3s more than ${baseline.ms}`);
  const line = (await logs('sleep')).find((l) => l.includes('/ratings/0') && / 200 DI /.test(l));
  assert.ok(line, 'the sleep sidecar logged the delayed call with flag DI');

  assert.equal(page.status, 200, 'productpage itself answers');
  assert.ok(page.body.includes(REVIEWS_FALLBACK), 'jason sees the reviews fallback');
  // productpage's requests.get(timeout=3) to reviews, tried twice: ~6s (Istio's fault-injection task).
  assert.ok(pageMs >= 5900, `jason's page took ${pageMs} ms: productpage gives up after 2 x 3s`);
  // productpage hung up on reviews v2 twice (DC in its sidecar's log, written as the socket closes).
  let toReviews: string[] = [];
  for (let i = 0; i < 50 && toReviews.length < 2; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 100));
    toReviews = (await logs('productpage')).filter(
      (l) => l.includes('outbound|9080|v2|reviews.default.svc.cluster.local') && / DC /.test(l),
    );
  }
  assert.equal(toReviews.length, 2, 'productpage called reviews v2 twice and gave up on both');
});

test('abort: 50% httpStatus 503 on ratings fails 50% +- 8% of 400 requests (load --from sleep)', () => {
  apply('ratings-abort-50.yaml');
  const r = mesh.cli([
    'load',
    '--from',
    'sleep',
    '-c',
    '8',
    '-qps',
    '0',
    '-n',
    '400',
    'http://ratings:9080/ratings/0',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const count = (code: number): number =>
    Number(new RegExp(`^Code ${code} : (\\d+) `, 'm').exec(r.stdout)?.[1] ?? 0);
  const failed = count(503);
  assert.equal(failed + count(200), 400, r.stdout);
  assert.ok(failed >= 168 && failed <= 232, `${failed} of 400 aborted (expected 200 +- 32)`);
});

test('circuit breaker: load -c 3 -qps 0 -n 30 on reviews reports Code 200 and Code 503; the overflow counter rises', async () => {
  mesh.cli(['delete', 'virtualservice', 'ratings', 'reviews']);
  apply('reviews-circuit-breaker.yaml');
  const r = mesh.cli([
    'load',
    '--from',
    'sleep',
    '-c',
    '3',
    '-qps',
    '0',
    '-n',
    '30',
    'http://reviews:9080/reviews/1',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Code 200 : \d+ /m);
  assert.match(r.stdout, /^Code 503 : \d+ /m);

  const stats = (await get(`${mesh.admin}/stats?proxy=sleep`)).body;
  const overflow = new RegExp(
    `^cluster\\.${REVIEWS_CLUSTER.replace(/[|.]/g, '\\$&')}\\.upstream_rq_pending_overflow: (\\d+)$`,
    'm',
  ).exec(stats);
  assert.ok(overflow && Number(overflow[1]) > 0, `pending overflow counter:\n${stats}`);
  // The same counter as `pilot-agent request GET stats | grep pending` shows it.
  const cli = mesh.cli(['envoy-stats', 'sleep', '--filter', 'reviews.*pending_overflow']);
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(
    cli.stdout,
    /^cluster\.outbound\|9080\|\|reviews\.default\.svc\.cluster\.local\.upstream_rq_pending_overflow: [1-9]\d*$/m,
  );
  // Overflow is local (UO): never an outlier signal, so the reviews hosts stay in.
  const eps = mesh.cli(['proxy-config', 'endpoints', 'sleep', '--cluster', REVIEWS_CLUSTER]);
  assert.equal(eps.status, 0, eps.stderr);
  assert.match(eps.stdout, /ENDPOINT\s+STATUS\s+OUTLIER CHECK\s+CLUSTER/);
  assert.equal(
    eps.stdout.match(/HEALTHY\s+OK\s+outbound\|9080\|\|reviews/g)?.length,
    3,
    eps.stdout,
  );
  const log = (await logs('sleep')).filter(
    (l) => l.includes(REVIEWS_CLUSTER) && / 503 UO /.test(l),
  );
  assert.ok(log.length > 0, 'the sleep sidecar logged 503 UO for the overflows');
});

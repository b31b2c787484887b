// The local mesh under failure and live edits: a killed workload fails with Envoy's flags and heals
// when the runner restarts it; `up -f` files are re-applied on save, and a bad edit is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from './helpers/shared.js';
import { get, startMesh, type RunningMesh } from './helpers/mesh.js';

let mesh: RunningMesh;
const watched = join(mkdtempSync(join(tmpdir(), 'switchyard-watch-')), 'reviews.yaml');

before(async () => {
  writeFileSync(watched, readFileSync(fixture('mesh', 'reviews-v2.yaml'), 'utf8'));
  mesh = await startMesh(['--demo', 'bookinfo', '-f', watched]);
});

after(async () => {
  await mesh?.stop();
});

const REVIEWS_FALLBACK = 'Sorry, product reviews are currently unavailable for this book.';

async function until(what: string, fn: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out waiting for ${what}`);
}

async function proxies(): Promise<
  { name: string; workload: string; pid?: number; ready?: boolean }[]
> {
  const r = await get(`${mesh.admin}/proxies`);
  return (JSON.parse(r.body) as { items: { name: string; workload: string; pid?: number }[] })
    .items;
}

test('a killed workload leaves the endpoints (503 UH in the access log), the rest keeps serving, and a restart heals', async () => {
  const page = await get(`${mesh.gateway}/productpage`);
  assert.equal(page.status, 200);
  assert.ok(page.body.includes('glyphicon glyphicon-star'), 'reviews v2 serves (from the -f file)');

  const v2 = (await proxies()).find((p) => p.workload === 'reviews-v2');
  assert.ok(v2?.pid, 'reviews-v2 has a process');
  // The kubelet restarts a first crash at once, so the outage would last only as long as a
  // process start; a second crash waits out the 10 s back-off (CrashLoopBackOff): a window the
  // checks below run in whatever the machine's speed.
  process.kill(v2.pid, 'SIGKILL');
  await until('reviews-v2 to be restarted once', async () =>
    (await proxies()).some(
      (p) => p.workload === 'reviews-v2' && p.ready !== false && !!p.pid && p.pid !== v2.pid,
    ),
  );
  const again = (await proxies()).find((p) => p.workload === 'reviews-v2');
  assert.ok(again?.pid);
  process.kill(again.pid, 'SIGKILL');
  // As Kubernetes takes a dead pod out of the endpoints, the mesh marks the workload unready.
  await until('reviews-v2 to be marked unready', async () =>
    (await proxies()).some((p) => p.workload === 'reviews-v2' && p.ready === false),
  );

  const broken = await get(`${mesh.gateway}/productpage`);
  assert.equal(broken.status, 200, 'productpage itself still serves');
  assert.ok(broken.body.includes(REVIEWS_FALLBACK), 'productpage shows its reviews fallback');
  const details = await get(`${mesh.gateway}/api/v1/products/0`);
  assert.equal(details.status, 200, 'the rest of the mesh keeps serving');

  const logs = mesh.cli(['logs', 'deploy/productpage-v1', '-c', 'istio-proxy', '--tail', '50']);
  assert.equal(logs.status, 0, logs.stderr);
  const log = logs.stdout;
  const line = log
    .split('\n')
    .find(
      (l) => l.includes('outbound|9080|v2|reviews.default.svc.cluster.local') && / 503 /.test(l),
    );
  assert.ok(line, `productpage's sidecar logged a 503 to reviews v2:\n${log}`);
  assert.match(line, / 503 UH no_healthy_upstream /);

  await until(
    'reviews-v2 to be restarted after its back-off and serve again',
    async () => {
      const r = await get(`${mesh.gateway}/productpage`);
      return r.status === 200 && r.body.includes('glyphicon glyphicon-star');
    },
    60_000,
  );
});

test('-f files are re-applied on save; an invalid edit is refused with file:line and the mesh keeps serving', async () => {
  writeFileSync(watched, readFileSync(fixture('mesh', 'reviews-v1.yaml'), 'utf8'));
  await until('the edit to route reviews to v1', async () => {
    const r = await get(`${mesh.gateway}/productpage`);
    return r.status === 200 && !r.body.includes('glyphicon glyphicon-star');
  });
  writeFileSync(
    watched,
    readFileSync(fixture('mesh', 'reviews-v1.yaml'), 'utf8').replace(
      'subset: v1',
      'subset: v1\n      weight: -5',
    ),
  );
  // The refusal names the file and line of the bad field (printed lines may arrive in pieces).
  const where = new RegExp(`${watched.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+`);
  await until(
    'the refusal with file:line to be printed',
    async () => /refused the change/.test(mesh.output()) && where.test(mesh.output()),
  );
  const still = await get(`${mesh.gateway}/productpage`);
  assert.equal(still.status, 200);
  assert.ok(
    !still.body.includes('glyphicon glyphicon-star'),
    'the previous config (v1) keeps serving',
  );
});

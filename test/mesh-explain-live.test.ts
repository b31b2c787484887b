// explain and test against a running mesh (`switchyard up --demo bookinfo`): the trace comes from the
// live proxy's snapshot through POST /explain, with endpoint health and the clusters' counters.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from './helpers/shared.js';
import { get, startMesh, type RunningMesh } from './helpers/mesh.js';

let mesh: RunningMesh;

before(async () => {
  mesh = await startMesh();
});

after(async () => {
  await mesh?.stop();
});

test('explain --server: jason -> reviews v2 from the live snapshot, endpoints HEALTHY, observed counters', async () => {
  const applied = mesh.cli(['apply', '-f', fixture('mesh', 'reviews-jason-v2.yaml')]);
  assert.equal(applied.status, 0, applied.stderr);
  // Traffic first, so the cluster has counters to show.
  const page = await get(`${mesh.gateway}/productpage`, { 'end-user': 'jason' });
  assert.equal(page.status, 200);
  const r = mesh.cli([
    'explain',
    '--from',
    'productpage-v1',
    'http://reviews:9080/reviews/0',
    '-H',
    'end-user: jason',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^matched: +VirtualService reviews\.default http\[0\] match\[0\]/m);
  assert.match(
    r.stdout,
    /outbound\|9080\|v2\|reviews\.default\.svc\.cluster\.local weight 1 \(100%\)/,
  );
  assert.match(r.stdout, /endpoint \S+ reviews-v2\S* HEALTHY/);
  assert.match(r.stdout, /observed: upstream_rq_total=\d+/);

  const gw = mesh.cli(['explain', '--gateway', 'istio-ingressgateway', 'http://localhost/nope']);
  assert.equal(gw.status, 0, gw.stderr);
  assert.match(gw.stdout, /404 NR route_not_found/);

  const unknown = mesh.cli(['explain', '--from', 'nosuch', 'http://reviews:9080/']);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /proxy "nosuch" not found; running proxies: /);
});

test('test --server: route tests against the running mesh', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-live-tests-'));
  const file = join(dir, 'live.yaml');
  writeFileSync(
    file,
    [
      'from: productpage-v1',
      'tests:',
      '  - name: jason on v2',
      '    request: { url: "http://reviews:9080/reviews/0", headers: { end-user: jason } }',
      '    expect: { destination: { host: reviews, subset: v2 } }',
      '',
    ].join('\n'),
  );
  const r = mesh.cli(['test', file, '--coverage']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^--- PASS: jason on v2/m);
  assert.match(r.stdout, /route coverage:/);
});

// Recompiling after a change reuses unchanged Cluster objects (same configHash and endpoints), so the
// data plane's per-cluster state survives; changed clusters are new objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createConfigSnapshot } from '../src/config/index.js';
import { SnapshotCache, compileProxy } from '../src/compile/index.js';
import { buildRegistry, resolveProxy } from '../src/registry/index.js';
import { resourcesOf } from './helpers/compile.js';
import { fixture } from './helpers/shared.js';

const bookinfo = readFileSync(fixture('compile', 'bookinfo.yaml'), 'utf8');
const drs = readFileSync(fixture('compile', 'destination-rules.yaml'), 'utf8');
test('SnapshotCache keeps unchanged clusters by identity and replaces changed ones', () => {
  const cache = new SnapshotCache();
  const c1 = createConfigSnapshot(resourcesOf(bookinfo, drs), undefined, 1);
  const r1 = buildRegistry(c1);
  const proxy = resolveProxy(r1, 'productpage-v1')!;
  const s1 = cache.compile(c1, r1, proxy);
  // Give the details DestinationRule a load balancer: only the details clusters change.
  const c2 = createConfigSnapshot(
    resourcesOf(
      bookinfo,
      drs.replace(
        'name: details\nspec:\n  host: details',
        'name: details\nspec:\n  host: details\n  trafficPolicy: { loadBalancer: { simple: RANDOM } }',
      ),
    ),
    undefined,
    2,
  );
  const s2 = cache.compile(c2, buildRegistry(c2), proxy);
  assert.equal(s2.version, 2);
  const reviews = 'outbound|9080|v1|reviews.default.svc.cluster.local';
  assert.equal(s2.clusters.get(reviews), s1.clusters.get(reviews), 'unchanged cluster reused');
  const details = 'outbound|9080||details.default.svc.cluster.local';
  assert.notEqual(s2.clusters.get(details), s1.clusters.get(details));
  assert.notEqual(s2.clusters.get(details)!.configHash, s1.clusters.get(details)!.configHash);
  assert.equal(s2.clusters.get(details)!.lbPolicy, 'RANDOM');
  assert.equal(cache.get(proxy.id), s2);
});

test('configHash ignores endpoints and is stable across compiles', () => {
  const c = createConfigSnapshot(resourcesOf(bookinfo, drs));
  const reg = buildRegistry(c);
  const proxy = resolveProxy(reg, 'productpage-v1')!;
  const a = compileProxy(c, reg, proxy);
  const b = compileProxy(c, buildRegistry(c), proxy);
  for (const [name, cl] of a.clusters)
    assert.equal(b.clusters.get(name)!.configHash, cl.configHash);
  const all = a.clusters.get('outbound|9080||reviews.default.svc.cluster.local')!;
  const v1 = a.clusters.get('outbound|9080|v1|reviews.default.svc.cluster.local')!;
  assert.notEqual(all.endpoints.length, v1.endpoints.length);
  assert.ok(Object.isFrozen(a) && Object.isFrozen(all));
});

// Recompiling after a change reuses unchanged Cluster objects (same configHash and endpoints), so the
// data plane's per-cluster state survives; changed clusters are new objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createConfigSnapshot } from '../src/config/index.js';
import {
  SnapshotCache,
  compileProxy,
  type ProxySnapshot,
  type VirtualHost,
} from '../src/compile/index.js';
import { buildRegistry, resolveProxy } from '../src/registry/index.js';
import { comparable, resourcesOf } from './helpers/compile.js';
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

// Incremental recompiles through the route/cluster memo: unchanged VirtualServices keep their
// virtual-host objects, and the output equals a compile from scratch.
const vss = readFileSync(fixture('compile', 'virtual-services.yaml'), 'utf8');
const gateway = readFileSync(fixture('compile', 'gateway.yaml'), 'utf8');

function vhostsByName(s: ProxySnapshot): Map<string, VirtualHost> {
  const out = new Map<string, VirtualHost>();
  // Inbound virtual hosts are rebuilt each time (they hold no VirtualService routes).
  for (const t of s.routeTables.values())
    for (const vh of t.virtualHosts)
      if (!vh.name.startsWith('inbound')) out.set(`${t.name}/${vh.name}`, vh);
  return out;
}

test('a change to one VirtualService rebuilds only its virtual hosts; output equals a full compile', () => {
  const cache = new SnapshotCache();
  const base = resourcesOf(bookinfo, drs, vss, gateway);
  const c1 = createConfigSnapshot(base, undefined, 1);
  const r1 = buildRegistry(c1);
  const ids = ['productpage-v1', 'istio-ingressgateway'];
  const first = ids.map((id) => cache.compile(c1, r1, resolveProxy(r1, id)!));
  // The reviews VS changes (a new object, as after an apply); every other resource is the same object.
  const changed = resourcesOf(vss.replace(/subset: v1/g, 'subset: v3')).find(
    (r) => r.metadata.name === 'reviews',
  )!;
  assert.ok(changed, 'fixture has a reviews VS');
  const next = base.map((r) =>
    r.kind === 'VirtualService' && r.metadata.name === 'reviews' ? changed : r,
  );
  const c2 = createConfigSnapshot(next, undefined, 2);
  const r2 = buildRegistry(c2);
  const hitsBefore = cache.memo.hits;
  ids.forEach((id, i) => {
    const proxy = resolveProxy(r2, id)!;
    const inc = cache.compile(c2, r2, proxy);
    const full = compileProxy(c2, r2, proxy);
    assert.deepStrictEqual(comparable(inc), comparable(full), `${id}: incremental equals full`);
    const before = vhostsByName(first[i]!);
    const after = vhostsByName(inc);
    for (const [name, vh] of after) {
      if (name.includes('reviews')) {
        if (before.has(name)) assert.notEqual(vh, before.get(name), `${id} ${name} rebuilt`);
      } else if (before.has(name) && !name.endsWith('/allow_any') && !name.endsWith('/block_all'))
        assert.equal(vh, before.get(name), `${id} ${name} reused (===)`);
    }
  });
  assert.ok(cache.memo.hits > hitsBefore, 'the memo answered');
  // A change the memo key does not see through would show here: same inputs, fresh memo, same output.
  const fresh = new SnapshotCache();
  const proxy = resolveProxy(r2, 'productpage-v1')!;
  assert.deepStrictEqual(
    comparable(fresh.compile(c2, r2, proxy)),
    comparable(compileProxy(c2, r2, proxy)),
  );
});

test('sidecars in one namespace share VirtualService routes unless sourceLabels can tell them apart', () => {
  const routesOf = (s: ProxySnapshot) =>
    s.routeTables.get('9080')!.virtualHosts.find((v) => v.name.startsWith('reviews'))!.routes;
  const cache = new SnapshotCache();
  const c1 = createConfigSnapshot(resourcesOf(bookinfo, drs, vss), undefined, 1);
  const r1 = buildRegistry(c1);
  const a = cache.compile(c1, r1, resolveProxy(r1, 'productpage-v1')!);
  const b = cache.compile(c1, r1, resolveProxy(r1, 'ratings-v1')!);
  assert.equal(routesOf(a), routesOf(b), 'same route objects across proxies');
  const bySource = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: by-source }
spec:
  hosts: [details]
  http:
    - match: [{ sourceLabels: { app: productpage } }]
      route: [{ destination: { host: details, subset: v2 } }]
    - route: [{ destination: { host: details, subset: v1 } }]
`;
  const c2 = createConfigSnapshot(resourcesOf(bookinfo, drs, bySource), undefined, 2);
  const r2 = buildRegistry(c2);
  for (const id of ['productpage-v1', 'ratings-v1']) {
    const proxy = resolveProxy(r2, id)!;
    assert.deepStrictEqual(
      comparable(cache.compile(c2, r2, proxy)),
      comparable(compileProxy(c2, r2, proxy)),
      id,
    );
  }
  const pp = cache.get('productpage-v1-0.default')!;
  const rt = cache.get('ratings-v1-0.default')!;
  const details = (s: ProxySnapshot) =>
    s.routeTables.get('9080')!.virtualHosts.find((v) => v.name.startsWith('details'))!.routes;
  const target = (s: ProxySnapshot) => {
    const a = details(s)[0]!.action;
    return a.type === 'forward' ? a.clusters[0]!.clusterName : a.type;
  };
  assert.equal(target(pp), 'outbound|9080|v2|details.default.svc.cluster.local');
  assert.equal(target(rt), 'outbound|9080|v1|details.default.svc.cluster.local');
});

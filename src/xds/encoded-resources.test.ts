// The encoded resources the ADS server sends equal the generator's output encoded whole (a route
// configuration assembled from per-virtual-host pieces decodes to the same message), and unchanged
// compiled objects are encoded once across proxies and config revisions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SnapshotCache } from '../compile/index.js';
import { proxyNames, resolveProxy } from '../registry/index.js';
import { encodeSnapshot } from './encoded-resources.js';
import { meshFromFiles } from './file-source.js';
import { generateResources } from './generate/index.js';
import { decodeAny, encodeAny } from './protos.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures');
const FILES = [join(FIXTURES, 'compile/bookinfo.yaml'), join(FIXTURES, 'xds/features.yaml')];

test('every encoded resource decodes to the generator output, for both generators', () => {
  const { state } = meshFromFiles(FILES);
  assert.ok(state);
  const cache = new SnapshotCache();
  for (const name of [...proxyNames(state.registry), 'istio-ingressgateway.istio-system']) {
    const proxy = resolveProxy(state.registry, name);
    assert.ok(proxy, name);
    const s = cache.compile(state.config, state.registry, proxy);
    for (const g of ['envoy', 'grpc'] as const) {
      const generated = generateResources(s, g);
      const encoded = encodeSnapshot(s, g);
      assert.deepEqual([...encoded.keys()].sort(), [...generated.keys()].sort());
      for (const [type, resources] of generated) {
        const got = encoded.get(type)!;
        assert.deepEqual([...got.keys()].sort(), [...resources.keys()].sort(), `${name} ${type}`);
        for (const [n, r] of resources)
          assert.deepEqual(decodeAny(got.get(n)!.any), decodeAny(encodeAny(r)), `${name} ${n}`);
      }
    }
  }
});

test('unchanged clusters of another proxy or a later revision are not encoded again', () => {
  const first = meshFromFiles(FILES, { revision: 1 }).state!;
  // A reload as `switchyard control-plane` does it: unchanged resources keep their objects.
  const second = meshFromFiles(FILES, { revision: 2, previous: first }).state!;
  const cache = new SnapshotCache();
  const [a, b] = proxyNames(first.registry).filter((n) => n.startsWith('reviews'));
  assert.ok(a && b);
  const ea = encodeSnapshot(
    cache.compile(first.config, first.registry, resolveProxy(first.registry, a)!),
    'envoy',
  );
  const eb = encodeSnapshot(
    cache.compile(second.config, second.registry, resolveProxy(second.registry, b)!),
    'envoy',
  );
  const name = 'outbound|9080||ratings.default.svc.cluster.local';
  const cds = (e: typeof ea) => e.get('type.googleapis.com/envoy.config.cluster.v3.Cluster')!;
  assert.ok(cds(ea).get(name));
  assert.equal(cds(ea).get(name), cds(eb).get(name), 'the same encoded object');
});

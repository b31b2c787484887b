// Locality failover on a running mesh (`switchyard up`), as Istio's "Locality failover" task shows it:
// with outlier detection, a client in us-east/zone-a sends everything to the zone-a endpoint
// (priority 0); once that endpoint is ejected, traffic fails over to zone-b (priority 1)
// (istio/istio pilot/pkg/networking/core/loadbalancer/loadbalancer.go applyLocalityFailover;
// envoyproxy/envoy load_balancing_policies/common/load_balancer_impl.cc priority load).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from './helpers/shared.js';
import { get, startMesh, type RunningMesh } from './helpers/mesh.js';
import { MeshClient } from '../src/workloads/mesh-client.js';

let mesh: RunningMesh;
let client: MeshClient;

before(async () => {
  mesh = await startMesh(['-f', fixture('locality', 'httpbin-zones.yaml')]);
  const items = (
    JSON.parse((await get(`${mesh.admin}/proxies`)).body) as {
      items: { workload: string; outbound?: string }[];
    }
  ).items;
  const sleep = items.find((p) => p.workload === 'sleep');
  assert.ok(sleep?.outbound, 'the sleep client has a sidecar');
  client = new MeshClient({ proxy: sleep.outbound });
});

after(async () => {
  await mesh?.stop();
});

async function served(proxy: string, marker: string): Promise<number> {
  const body = (await get(`${mesh.admin}/logs?proxy=${proxy}&tail=1000`)).body;
  return body.split('\n').filter((l) => l.includes(marker)).length;
}

test('same-zone endpoint takes all traffic; after its ejection, the other zone does', async () => {
  for (let i = 0; i < 10; i++) {
    const r = await client.request(`http://httpbin:8000/headers?near=${i}`, { timeoutMs: 20_000 });
    assert.equal(r.status, 200);
  }
  assert.equal(await served('httpbin-zone-a', '/headers?near='), 10);
  assert.equal(await served('httpbin-zone-b', '/headers?near='), 0);

  // One 503 ejects the zone-a host (consecutive5xxErrors 1, maxEjectionPercent 100).
  const bad = await client.request('http://httpbin:8000/status/503', { timeoutMs: 20_000 });
  assert.equal(bad.status, 503);
  for (let i = 0; i < 5; i++) {
    const r = await client.request(`http://httpbin:8000/headers?far=${i}`, { timeoutMs: 20_000 });
    assert.equal(r.status, 200);
  }
  assert.equal(await served('httpbin-zone-b', '/headers?far='), 5);
  assert.equal(await served('httpbin-zone-a', '/headers?far='), 0);
});

// `switchyard up --xds-port 0` serves the running mesh's own config over ADS: a client presenting as
// the productpage sidecar (istio/istio node id sidecar~<ip>~<pod>.<ns>~...) gets the clusters its
// local proxy runs, and EDS endpoints that are the mesh's real local sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TYPE } from '../src/xds/index.js';
import { adsClient, sidecarNode } from './helpers/ads-client.js';
import { startMesh } from './helpers/mesh.js';

test('up --xds-port 0 prints its xDS port and serves the Bookinfo sidecar its clusters and endpoints', async () => {
  const mesh = await startMesh(['--demo', 'bookinfo', '--xds-port', '0']);
  try {
    const port = Number(/xDS \(ADS\) listening on 127\.0\.0\.1:(\d+)/.exec(mesh.output())?.[1]);
    assert.ok(port > 0, mesh.output());
    const c = adsClient(port);
    c.send({ node: sidecarNode('productpage-v1', 'default'), type_url: TYPE.cluster });
    const cds = await c.next(TYPE.cluster);
    const names = cds.resources.map((r) => String(r.name));
    assert.ok(
      names.includes('outbound|9080|v1|reviews.default.svc.cluster.local'),
      names.join('\n'),
    );
    c.send({
      type_url: TYPE.endpoint,
      resource_names: ['outbound|9080|v1|reviews.default.svc.cluster.local'],
    });
    const eds = await c.next(TYPE.endpoint);
    const groups = eds.resources[0]?.endpoints as {
      lb_endpoints: {
        endpoint: { address: { socket_address: { address: string; port_value: number } } };
      }[];
    }[];
    const addr = groups[0]?.lb_endpoints[0]?.endpoint.address.socket_address;
    // The endpoint is the pod's sidecar inbound, on the pod IP the local kubelet gave it (127.1.x.y).
    assert.match(addr?.address ?? '', /^127\./);
    assert.ok((addr?.port_value ?? 0) > 0);
    c.close();
  } finally {
    await mesh.stop();
  }
});

// Envoy's /config_dump shape (envoyproxy/envoy api/envoy/admin/v3/config_dump.proto, config_dump_shared.proto)
// from the generator: the jq paths istioctl users know reach Istio-named resources in proto3 JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileProxy } from '../compile/index.js';
import { resolveProxy } from '../registry/index.js';
import { envoyConfigDump } from './config-dump.js';
import { meshFromFiles } from './file-source.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures');

test('config dump: ClustersConfigDump.dynamic_active_clusters[].cluster, listeners, routes, endpoints', () => {
  const { state } = meshFromFiles([
    join(FIXTURES, 'compile/bookinfo.yaml'),
    join(FIXTURES, 'xds/features.yaml'),
  ]);
  const proxy = resolveProxy(state!.registry, 'productpage');
  const dump = envoyConfigDump(compileProxy(state!.config, state!.registry, proxy!));
  const configs = dump.configs as Record<string, unknown>[];
  assert.deepEqual(
    configs.map((c) => String(c['@type']).split('.').at(-1)),
    ['ClustersConfigDump', 'ListenersConfigDump', 'RoutesConfigDump', 'EndpointsConfigDump'],
  );
  const clusters = (
    configs[0]?.dynamic_active_clusters as { cluster: Record<string, unknown> }[]
  ).map((c) => c.cluster);
  const v1 = clusters.find((c) => c.name === 'outbound|9080|v1|reviews.default.svc.cluster.local');
  assert.equal(v1?.connect_timeout, '2s');
  assert.equal(v1?.['@type'], 'type.googleapis.com/envoy.config.cluster.v3.Cluster');
  const listeners = configs[1]?.dynamic_listeners as { name: string; active_state: unknown }[];
  assert.ok(listeners.some((l) => l.name === 'virtualInbound'));
  const routes = configs[2]?.dynamic_route_configs as { route_config: { name: string } }[];
  assert.ok(routes.some((r) => r.route_config.name === '9080'));
});

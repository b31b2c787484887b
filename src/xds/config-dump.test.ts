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

function productpage() {
  const { state } = meshFromFiles([
    join(FIXTURES, 'compile/bookinfo.yaml'),
    join(FIXTURES, 'xds/features.yaml'),
  ]);
  const proxy = resolveProxy(state!.registry, 'productpage');
  return compileProxy(state!.config, state!.registry, proxy!);
}

const kinds = (dump: Record<string, unknown>) =>
  (dump.configs as Record<string, unknown>[]).map((c) => String(c['@type']).split('.').at(-1));

test("config dump: Envoy's order, bootstrap static clusters, dynamic_active_clusters[].cluster, listeners, routes", () => {
  const dump = envoyConfigDump(productpage());
  // config_dump.proto ConfigDump.configs: bootstrap, clusters, (endpoints), listeners, routes, secrets.
  assert.deepEqual(kinds(dump), [
    'BootstrapConfigDump',
    'ClustersConfigDump',
    'ListenersConfigDump',
    'RoutesConfigDump',
    'SecretsConfigDump',
  ]);
  const configs = dump.configs as Record<string, unknown>[];
  const clusterDump = configs[1]!;
  const statics = clusterDump.static_clusters as { cluster: Record<string, unknown> }[];
  assert.deepEqual(
    statics.map((c) => c.cluster.name),
    ['xds-grpc', 'sds-grpc'],
  );
  const clusters = (
    clusterDump.dynamic_active_clusters as { cluster: Record<string, unknown> }[]
  ).map((c) => c.cluster);
  const v1 = clusters.find((c) => c.name === 'outbound|9080|v1|reviews.default.svc.cluster.local');
  assert.equal(v1?.connect_timeout, '2s');
  assert.equal(v1?.['@type'], 'type.googleapis.com/envoy.config.cluster.v3.Cluster');
  const listeners = configs[2]?.dynamic_listeners as { name: string; active_state: unknown }[];
  assert.ok(listeners.some((l) => l.name === 'virtualInbound'));
  const routes = configs[3]?.dynamic_route_configs as { route_config: { name: string } }[];
  assert.ok(routes.some((r) => r.route_config.name === '9080'));
});

test('config dump: EndpointsConfigDump only with include_eds; camelCase names on request', () => {
  const s = productpage();
  const dump = envoyConfigDump(s, { includeEds: true });
  assert.equal(kinds(dump)[2], 'EndpointsConfigDump');
  const eds = (dump.configs as Record<string, unknown>[])[2]!;
  const dynamic = eds.dynamic_endpoint_configs as { endpoint_config: { cluster_name: string } }[];
  assert.ok(dynamic.some((e) => e.endpoint_config.cluster_name.startsWith('outbound|9080|')));
  const camel = envoyConfigDump(s, { names: 'json' });
  const clusterDump = (camel.configs as Record<string, unknown>[])[1]!;
  assert.ok(Array.isArray(clusterDump.dynamicActiveClusters));
  assert.equal(clusterDump.dynamic_active_clusters, undefined);
});

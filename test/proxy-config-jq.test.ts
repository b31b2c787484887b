// `switchyard proxy-config <kind> -o json` piped into jq as the Istio docs do ("Debugging Envoy and
// Istiod", istio.io content/en/docs/ops/diagnostic-tools/proxy-cmd): the same jq paths reach the
// same Istio-named resources, since the JSON is Envoy's, printed as istioctl prints it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fixture, repoRoot } from './helpers/shared.js';

const bin = join(repoRoot, 'bin', 'switchyard.js');
const files = ['bookinfo.yaml', 'destination-rules.yaml', 'virtual-services.yaml', 'gateway.yaml'];
const fileArgs = files.flatMap((f) => ['-f', fixture('compile', f)]);
const hasJq = spawnSync('jq', ['--version']).status === 0;

/** `switchyard ARGS -o json | jq -c FILTER`, each output line parsed. */
function jq(args: string[], filter: string): unknown[] {
  const out = spawnSync(process.execPath, [bin, ...args, '-o', 'json', ...fileArgs], {
    encoding: 'utf8',
  });
  assert.equal(out.status, 0, out.stderr);
  const q = spawnSync('jq', ['-c', filter], { input: out.stdout, encoding: 'utf8' });
  assert.equal(q.status, 0, q.stderr);
  return q.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);
}

const skip = hasJq ? false : 'jq is not installed';

test('listeners: jq .[].name lists virtualOutbound, virtualInbound, 0.0.0.0_9080', { skip }, () => {
  const names = jq(['pc', 'listeners', 'productpage-v1'], '.[].name');
  for (const n of ['virtualOutbound', 'virtualInbound', '0.0.0.0_9080'])
    assert.ok(names.includes(n));
  assert.deepEqual(
    jq(['pc', 'listeners', 'productpage-v1', '--port', '15001'], '.[] | [.name, .useOriginalDst]'),
    [['virtualOutbound', true]],
  );
  // `--address 0.0.0.0 --port 9080`: the HTTP listener looks its routes up over RDS as "9080".
  assert.deepEqual(
    jq(
      ['pc', 'listeners', 'productpage-v1', '--address', '0.0.0.0', '--port', '9080'],
      '.[].filterChains[].filters[].typedConfig.rds.routeConfigName',
    ),
    ['9080'],
  );
});

test('routes --name 9080: virtual hosts by name and the reviews route cluster', { skip }, () => {
  const hosts = jq(['pc', 'routes', 'productpage-v1', '--name', '9080'], '.[].virtualHosts[].name');
  assert.ok(hosts.includes('reviews.default.svc.cluster.local:9080'));
  assert.deepEqual(
    jq(
      ['pc', 'routes', 'productpage-v1', '--name', '9080'],
      '.[].virtualHosts[] | select(.name == "reviews.default.svc.cluster.local:9080") | .routes[0].route.cluster',
    ),
    ['outbound|9080|v1|reviews.default.svc.cluster.local'],
  );
  assert.deepEqual(jq(['pc', 'routes', 'istio-ingressgateway'], '.[].name'), ['http.8080']);
});

test(
  'clusters --fqdn: the EDS serviceName; endpoints --cluster; bootstrap node id; all',
  { skip },
  () => {
    assert.deepEqual(
      jq(
        [
          'pc',
          'clusters',
          'productpage-v1',
          '--fqdn',
          'reviews.default.svc.cluster.local',
          '--subset',
          'v2',
        ],
        '.[] | [.name, .type, .edsClusterConfig.serviceName]',
      ),
      [
        [
          'outbound|9080|v2|reviews.default.svc.cluster.local',
          'EDS',
          'outbound|9080|v2|reviews.default.svc.cluster.local',
        ],
      ],
    );
    const cluster = 'outbound|9080|v1|reviews.default.svc.cluster.local';
    assert.deepEqual(jq(['pc', 'eds', 'productpage-v1', '--cluster', cluster], '.[].clusterName'), [
      cluster,
    ]);
    // `pc endpoints -o json` is Envoy's /clusters?format=json, as istioctl prints it.
    assert.deepEqual(
      jq(
        ['pc', 'endpoints', 'productpage-v1', '--cluster', cluster],
        '.[] | [.name, .hostStatuses[0].healthStatus.edsHealthStatus]',
      ),
      [[cluster, 'HEALTHY']],
    );
    const [id] = jq(['pc', 'bootstrap', 'productpage-v1'], '.bootstrap.node.id');
    assert.match(
      String(id),
      /^sidecar~[\d.]+~productpage-v1-0\.default~default\.svc\.cluster\.local$/,
    );
    // `proxy-config all -o json` is Envoy's own /config_dump, snake_case.
    const all = jq(
      ['pc', 'all', 'productpage-v1'],
      '.configs[] | select(."@type" == "type.googleapis.com/envoy.admin.v3.ClustersConfigDump") | .dynamic_active_clusters[].cluster.name',
    );
    assert.ok(all.includes(cluster));
  },
);

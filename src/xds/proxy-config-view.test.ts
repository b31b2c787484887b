// istioctl's `proxy-config <kind> -o json` view of our config dump (istio/istio istioctl/pkg/writer/
// envoy/configdump): inner lists in jsonpb's camelCase, istioctl's filters and orders, secrets with
// the private key redacted as Envoy redacts it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileProxy } from '../compile/index.js';
import { createMeshCa } from '../mesh/mesh-ca.js';
import { resolveProxy } from '../registry/index.js';
import { envoyConfigDump } from './config-dump.js';
import { meshFromFiles } from './file-source.js';
import { workloadSecrets } from './generate/secrets.js';
import { proxyConfigDumpView, renderProxyConfigKind, secretsTable } from './proxy-config-view.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures');

function bookinfo(proxyName: string) {
  const { state } = meshFromFiles(
    ['bookinfo.yaml', 'destination-rules.yaml', 'virtual-services.yaml', 'gateway.yaml'].map((f) =>
      join(FIXTURES, 'compile', f),
    ),
  );
  const proxy = resolveProxy(state!.registry, proxyName);
  return compileProxy(state!.config, state!.registry, proxy!);
}

type Obj = Record<string, unknown>;

test('clusters: a camelCase array without @type, filtered by --fqdn/--subset and sorted as istioctl', () => {
  const s = bookinfo('productpage-v1');
  const all = proxyConfigDumpView('clusters', s) as Obj[];
  assert.ok(all.every((c) => !('@type' in c)));
  const names = all.map((c) => String(c.name));
  // cluster.go: by host, then subset, port, direction; non-Istio names sort by the whole name.
  assert.ok(names.indexOf('BlackHoleCluster') < names.indexOf('PassthroughCluster'));
  assert.ok(names.includes('xds-grpc'), 'the static bootstrap clusters are listed too');
  const reviews = proxyConfigDumpView('clusters', s, {
    fqdn: 'reviews.default.svc.cluster.local',
  }) as Obj[];
  assert.deepEqual(
    reviews.map((c) => c.name),
    [
      'outbound|9080||reviews.default.svc.cluster.local',
      'outbound|9080|v1|reviews.default.svc.cluster.local',
      'outbound|9080|v2|reviews.default.svc.cluster.local',
      'outbound|9080|v3|reviews.default.svc.cluster.local',
    ],
  );
  const eds = reviews[1]!.edsClusterConfig as Obj;
  assert.equal(eds.serviceName, 'outbound|9080|v1|reviews.default.svc.cluster.local');
  assert.equal(reviews[1]!.type, 'EDS');
});

test('listeners --port, routes --name, endpoints --cluster', () => {
  const s = bookinfo('productpage-v1');
  const outbound = proxyConfigDumpView('listeners', s, { port: '15001' }) as Obj[];
  assert.deepEqual(
    outbound.map((l) => [l.name, l.useOriginalDst]),
    [['virtualOutbound', true]],
  );
  const routes = proxyConfigDumpView('routes', s, { name: '9080' }) as Obj[];
  assert.equal(routes.length, 1);
  const vhosts = routes[0]!.virtualHosts as Obj[];
  assert.ok(vhosts.some((v) => v.name === 'reviews.default.svc.cluster.local:9080'));
  const cluster = 'outbound|9080|v1|reviews.default.svc.cluster.local';
  // `eds`: the ClusterLoadAssignments; `endpoints`: Envoy's /clusters statuses, as istioctl prints them.
  const eds = proxyConfigDumpView('eds', s, { cluster }) as Obj[];
  assert.deepEqual(
    eds.map((e) => e.clusterName),
    [cluster],
  );
  const statuses = proxyConfigDumpView('endpoints', s, { cluster }) as Obj[];
  assert.deepEqual(
    statuses.map((e) => [e.name, e.addedViaApi]),
    [[cluster, true]],
  );
  const host = (statuses[0]!.hostStatuses as Obj[])[0]!;
  assert.deepEqual(host.healthStatus, { edsHealthStatus: 'HEALTHY' });
  assert.deepEqual(
    (host.stats as Obj[]).map((x) => x.name),
    [
      'cx_connect_fail',
      'cx_total',
      'rq_error',
      'rq_success',
      'rq_timeout',
      'rq_total',
      'cx_active',
      'rq_active',
    ],
  );
  assert.ok(((host.address as Obj).socketAddress as Obj).portValue);
  // A live outlier ejection shows as failedOutlierCheck (istioctl's OUTLIER CHECK column).
  const sa = (host.address as Obj).socketAddress as Obj;
  const live = new Map([
    [`${cluster}|${String(sa.address)}:${String(sa.portValue)}`, 'FAILED' as const],
  ]);
  const ejected = proxyConfigDumpView(
    'endpoints',
    s,
    { cluster },
    {},
    {
      outlier: live,
      stats: new Map([[[...live.keys()][0]!, { rq_total: 3, rq_success: 3, rq_active: 1 }]]),
    },
  ) as Obj[];
  // Counters as proto3 JSON prints a SimpleMetric: uint64 as a string, 0 left out.
  const counted = ((ejected[0]!.hostStatuses as Obj[])[0]!.stats as Obj[]).filter((x) => x.value);
  assert.deepEqual(counted, [
    { value: '3', name: 'rq_success' },
    { value: '3', name: 'rq_total' },
    { type: 'GAUGE', value: '1', name: 'rq_active' },
  ]);
  assert.deepEqual((ejected[0]!.hostStatuses as Obj[])[0]!.healthStatus, {
    failedOutlierCheck: true,
    edsHealthStatus: 'HEALTHY',
  });
});

test('secret: SecretsConfigDump with default and ROOTCA, the private key "[redacted]" as Envoy prints it', () => {
  const s = bookinfo('productpage-v1');
  const ca = createMeshCa();
  const workload = ca.workloadIdentity('default', 'bookinfo-productpage');
  const id = workload.get();
  workload.close(); // no rotation timer left behind
  const secrets = workloadSecrets(id);
  const view = proxyConfigDumpView('secret', s, {}, { secrets }) as Obj;
  const active = view.dynamicActiveSecrets as { name: string; secret: Obj }[];
  assert.deepEqual(
    active.map((a) => a.name),
    ['default', 'ROOTCA'],
  );
  const cert = active[0]!.secret.tlsCertificate as Obj;
  // utility.cc redact: bytes under a sensitive field become base64("[redacted]").
  assert.deepEqual(cert.privateKey, { inlineBytes: 'W3JlZGFjdGVkXQ==' });
  const chain = Buffer.from(String((cert.certificateChain as Obj).inlineBytes), 'base64');
  assert.equal(chain.toString(), id.certChain);
  const dump = JSON.stringify(envoyConfigDump(s, { secrets }));
  assert.ok(!dump.includes('PRIVATE KEY'), 'no key in the config dump');
  assert.ok(dump.includes('"private_key":{"inline_bytes":"W3JlZGFjdGVkXQ=="}'));

  const table = secretsTable(s, Date.now(), { secrets });
  const lines = table.trimEnd().split('\n');
  assert.match(
    lines[0]!,
    /^RESOURCE NAME +TYPE +STATUS +VALID CERT +SERIAL NUMBER +NOT AFTER +NOT BEFORE$/,
  );
  assert.match(
    lines[1]!,
    /^default +Cert Chain +ACTIVE +true +[0-9a-f]{32} +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/,
  );
  assert.match(lines[2]!, /^ROOTCA +CA +ACTIVE +true +[0-9a-f]{32} /);
  assert.equal(
    renderProxyConfigKind('secret', s, { output: 'short' }),
    'No active or warming secrets found.\n',
  );
});

test('bootstrap: BootstrapConfigDump with the node id and the xds-grpc cluster', () => {
  const s = bookinfo('istio-ingressgateway');
  const view = proxyConfigDumpView('bootstrap', s) as { bootstrap: Obj };
  const node = view.bootstrap.node as Obj;
  assert.match(
    String(node.id),
    /^router~[\d.]+~istio-ingressgateway-0\.istio-system~istio-system\.svc\.cluster\.local$/,
  );
  const yaml = renderProxyConfigKind('bootstrap', s, { output: 'yaml' });
  assert.match(yaml, /clusterName: xds-grpc/);
});

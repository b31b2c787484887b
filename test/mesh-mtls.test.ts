// ISTIO_MUTUAL between Switchyard sidecars with the local mesh CA, on `switchyard up --demo bookinfo`:
// productpage's sidecar originates mTLS to reviews with its SPIFFE workload certificate, the reviews
// sidecar terminates it and sees the peer identity, and plaintext clients still get in (PERMISSIVE).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:tls';
import { fixture } from './helpers/shared.js';
import { get, startMesh, type RunningMesh } from './helpers/mesh.js';

let mesh: RunningMesh;

before(async () => {
  mesh = await startMesh(['--demo', 'bookinfo']);
});

after(async () => {
  await mesh?.stop();
});

interface ProxyItem {
  name: string;
  workload: string;
  listeners: string[];
}

async function reviewsProxies(): Promise<ProxyItem[]> {
  const r = await get(`${mesh.admin}/proxies`);
  return (JSON.parse(r.body) as { items: ProxyItem[] }).items.filter((p) =>
    p.workload.startsWith('reviews-'),
  );
}

/**
 * Every backend answered (details, reviews, ratings): no Bookinfo "currently unavailable" fallback.
 * On failure the message carries the sidecars' failed access-log lines: a UF with a TLS reason
 * points at identity provisioning, a UT/DC at load. (It once failed in a full parallel run: an app
 * port released by `up` and re-bound seconds later had been taken by another test's socket;
 * supervisor.reservePort keeps it bound now.)
 */
async function assertNoFallback(body: string): Promise<void> {
  if (!body.includes('currently unavailable')) return;
  const failed: string[] = [];
  const r = await get(`${mesh.admin}/proxies`);
  for (const p of (JSON.parse(r.body) as { items: ProxyItem[] }).items) {
    const logs = await get(`${mesh.admin}/logs?proxy=${p.name}&tail=50`);
    failed.push(...logs.body.split('\n').filter((l) => l && !/" 200 /.test(l)));
  }
  assert.fail(`a Bookinfo fallback ("currently unavailable"); failed calls:\n${failed.join('\n')}`);
}

interface ConfigDump {
  configs: {
    '@type': string;
    dynamic_active_clusters?: { cluster: Record<string, unknown> }[];
    dynamic_listeners?: { name: string }[];
  }[];
}

/** One dynamic cluster from a proxy's Envoy config dump (GET /config_dump). */
async function dumpedCluster(
  proxy: string,
  name: string,
): Promise<Record<string, unknown> | undefined> {
  const dump = JSON.parse(
    (await get(`${mesh.admin}/config_dump?proxy=${proxy}`)).body,
  ) as ConfigDump;
  return dump.configs
    .find((c) => c['@type'].endsWith('ClustersConfigDump'))
    ?.dynamic_active_clusters?.map((c) => c.cluster)
    .find((c) => c.name === name);
}

const PRODUCTPAGE = 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage';

test('DestinationRule ISTIO_MUTUAL for reviews: mTLS with SPIFFE identities, plaintext still accepted', async () => {
  const applied = mesh.cli(['apply', '-f', fixture('mesh-mtls', 'reviews-istio-mutual.yaml')]);
  assert.equal(applied.status, 0, applied.stderr);

  // The client side: the productpage sidecar's reviews cluster carries ISTIO_MUTUAL with the
  // service accounts of reviews as SANs (Istio's auto SAN).
  // In Envoy's config dump an explicit ISTIO_MUTUAL is the cluster's own transport_socket (auto mTLS
  // would be transport_socket_matches) with the SDS workload certificate.
  const reviewsCluster = await dumpedCluster(
    'productpage-v1',
    'outbound|9080||reviews.default.svc.cluster.local',
  );
  const socket = JSON.stringify(reviewsCluster?.transport_socket ?? {});
  assert.ok(
    socket.includes('"tls_certificate_sds_secret_configs"'),
    'the cluster has ISTIO_MUTUAL',
  );
  assert.ok(socket.includes('spiffe://cluster.local/ns/default/sa/bookinfo-reviews'));

  for (let i = 0; i < 6; i++) {
    const page = await get(`${mesh.gateway}/productpage`);
    assert.equal(page.status, 200);
    assert.ok(page.body.includes('Reviewer1'), 'reviews answered through mTLS');
    await assertNoFallback(page.body);
  }

  // The server side: every reviews sidecar that served saw mTLS from productpage's identity.
  let mtlsRequests = 0;
  for (const p of await reviewsProxies()) {
    const prom = await get(`${mesh.admin}/stats/prometheus?proxy=${p.name}`);
    for (const line of prom.body.split('\n')) {
      if (!line.startsWith('istio_requests_total{reporter="destination"')) continue;
      if (!line.includes('connection_security_policy="mutual_tls"')) continue;
      assert.ok(line.includes(`source_principal="${PRODUCTPAGE}"`), line);
      assert.ok(
        line.includes(
          `destination_principal="spiffe://cluster.local/ns/default/sa/bookinfo-reviews"`,
        ),
        line,
      );
      mtlsRequests += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    const logs = await get(`${mesh.admin}/logs?proxy=${p.name}&tail=20`);
    for (const line of logs.body.split('\n').filter((l) => l.includes('inbound|9080||'))) {
      // %REQUESTED_SERVER_NAME% is the ISTIO_MUTUAL SNI, as in Istio's inbound logs.
      assert.ok(line.includes('outbound_.9080_._.reviews.default.svc.cluster.local'), line);
    }
  }
  assert.equal(mtlsRequests, 6, 'all six reviews calls were mutual TLS');

  // PERMISSIVE: a plaintext client straight to a reviews sidecar's inbound socket still works.
  const reviews = (await reviewsProxies())[0];
  const inbound = /inbound 9080 -> (127\.[\d.]+:\d+)/.exec(
    reviews?.listeners.join('\n') ?? '',
  )?.[1];
  assert.ok(inbound, 'reviews inbound socket');
  const plain = await get(`http://${inbound}/reviews/0`);
  assert.equal(plain.status, 200);
  assert.ok(plain.body.includes('Reviewer1'));

  // A TLS client without a mesh workload certificate is refused by the inbound socket.
  const [host, port] = inbound.split(':') as [string, string];
  const bad = connect({
    host,
    port: Number(port),
    servername: 'outbound_.9080_._.reviews.default.svc.cluster.local',
    rejectUnauthorized: false,
  });
  bad.on('secureConnect', () => bad.write('GET /reviews/0 HTTP/1.1\r\nhost: reviews\r\n\r\n'));
  let answered = '';
  bad.on('data', (d: Buffer) => (answered += d.toString()));
  await Promise.race([once(bad, 'close'), once(bad, 'error')]).catch(() => undefined);
  bad.destroy();
  assert.ok(!answered.includes('HTTP/1.1 200'), 'no answer without a client certificate');
  const stats = await get(`${mesh.admin}/stats?proxy=${reviews?.name}`);
  assert.match(stats.body, /listener\.0\.0\.0\.0_15006\.ssl\.fail_verify_no_cert: 1/);
});

test('PeerAuthentication STRICT applied to the running mesh: bookinfo keeps working over auto mTLS, plaintext is closed', async () => {
  // Without the DestinationRule, sidecars (and the ingress gateway) still talk mTLS: auto mTLS.
  const removed = mesh.cli(['delete', 'dr', 'reviews']);
  assert.equal(removed.status, 0, removed.stderr);
  const applied = mesh.cli(['apply', '-f', fixture('mesh-mtls', 'default-strict.yaml')]);
  assert.equal(applied.status, 0, applied.stderr);
  const listed = mesh.cli(['get', 'peerauthentications', '-n', 'default']);
  assert.match(listed.stdout, /^NAME\s+MODE\s+AGE$/m);
  assert.match(listed.stdout, /^default\s+STRICT\s+\S+$/m);
  const reviews = (await reviewsProxies())[0];
  // The new snapshot reaches the reviews sidecar (the store's subscribers recompile on apply).
  // STRICT leaves virtualInbound without the plaintext (raw_buffer) chain for 9080.
  for (let i = 0; i < 100; i++) {
    const dump = await get(`${mesh.admin}/config_dump?proxy=${reviews?.name}`);
    const listeners = (JSON.parse(dump.body) as ConfigDump).configs.find((c) =>
      c['@type'].endsWith('ListenersConfigDump'),
    )?.dynamic_listeners;
    const inbound = listeners?.find((l) => l.name === 'virtualInbound');
    if (inbound && !JSON.stringify(inbound).includes('"transport_protocol":"raw_buffer"')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const listeners = mesh.cli(['proxy-config', 'listeners', reviews?.name ?? '', '--port', '15006']);
  assert.match(listeners.stdout, /Trans: tls; Addr: \*:9080/);
  for (let i = 0; i < 3; i++) {
    const page = await get(`${mesh.gateway}/productpage`);
    assert.equal(page.status, 200);
    assert.ok(page.body.includes('Reviewer1'), 'reviews answered over mTLS');
    await assertNoFallback(page.body);
  }
  // A client without a sidecar is closed without an HTTP answer.
  const inbound = /inbound 9080 -> (127\.[\d.]+:\d+)/.exec(
    reviews?.listeners.join('\n') ?? '',
  )?.[1];
  assert.ok(inbound, 'reviews inbound socket');
  const plain = await get(`http://${inbound}/reviews/0`).then(
    (r) => `HTTP ${r.status}`,
    (err: Error) => err.message,
  );
  assert.doesNotMatch(plain, /^HTTP/, 'no HTTP answer');
  const stats = await get(`${mesh.admin}/stats?proxy=${reviews?.name}`);
  assert.match(stats.body, /listener\.0\.0\.0\.0_15006\.no_filter_chain_match: [1-9]/);
});

test("GET /config_dump takes Envoy's resource, mask and name_regex; proxy-config endpoints counts per host", async () => {
  const q = new URLSearchParams({
    proxy: 'productpage',
    resource: 'dynamic_active_clusters',
    mask: 'cluster.name',
    name_regex: 'outbound\\|9080\\|\\|reviews.*',
  });
  const res = await get(`${mesh.admin}/config_dump?${q}`);
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body), {
    configs: [
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump.DynamicCluster',
        cluster: {
          '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
          name: 'outbound|9080||reviews.default.svc.cluster.local',
        },
      },
    ],
  });
  // After a product page, productpage's reviews hosts have counted it (Envoy's /clusters host stats).
  assert.equal((await get(`${mesh.gateway}/productpage`)).status, 200);
  const eps = JSON.parse(
    (await get(`${mesh.admin}/proxy-config/endpoints?proxy=productpage&output=json`)).body,
  ) as { name: string; hostStatuses: { stats: { name: string; value?: string }[] }[] }[];
  const counted = (stat: string) =>
    eps
      .filter((c) => c.name.includes('|reviews.'))
      .flatMap((c) => c.hostStatuses)
      .flatMap((h) => h.stats)
      .filter((x) => x.name === stat)
      .reduce((n, x) => n + Number(x.value ?? 0), 0);
  assert.ok(counted('rq_total') > 0, JSON.stringify(eps));
  assert.ok(counted('rq_success') > 0);
  assert.ok(counted('cx_total') > 0);
  const missing = await get(`${mesh.admin}/config_dump?proxy=productpage&resource=nope`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body, 'nope not found in config dump');
});

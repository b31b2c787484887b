// STRICT_DNS / LOGICAL_DNS clusters (ServiceEntry resolution DNS / DNS_ROUND_ROBIN) through a real
// proxy. Envoy resolves their names in the background, not per request: on start, then after the
// answer's TTL (respect_dns_ttl) or dns_refresh_rate (Istio: meshConfig.dnsRefreshRate, default
// 60s; also after a failure). A name that does not resolve leaves the cluster without hosts, so a
// request gets 503 UH no_healthy_upstream (envoyproxy/envoy source/extensions/clusters/strict_dns/
// strict_dns_cluster.cc, source/common/router/router.cc sendNoHealthyUpstreamResponse; istio/istio
// pilot/pkg/networking/core/cluster_builder.go, pkg/config/mesh/mesh.go).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Cluster } from '../src/compile/snapshot.js';
import { ManualClock } from '../src/runtime/clock.js';
import { SequenceRandom } from '../src/runtime/random.js';
import { createProxy } from '../src/proxy/index.js';
import type { DnsResolve, ResolvedAddress } from '../src/proxy/upstream/dns-resolver.js';
import { compileFrom } from './helpers/compile.js';
import { startEcho } from './helpers/echo-backend.js';
import {
  cluster,
  endpoint,
  forward,
  outbound,
  route,
  routeTable,
  snapshot,
  vhost,
} from './helpers/snapshot-builder.js';
import { send } from './conformance/runner.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const C = outbound(80, '', 'api.example.com');

async function dnsProxy(opts: {
  type: Cluster['type'];
  name: string;
  port: number;
  dnsResolve?: DnsResolve;
  clock?: ManualClock;
}) {
  const logs: Record<string, unknown>[] = [];
  const proxy = createProxy({
    name: 'dns',
    clock: opts.clock,
    random: new SequenceRandom([0]),
    ...(opts.dnsResolve ? { dnsResolve: opts.dnsResolve } : {}),
    accessLog: {
      encoding: 'JSON',
      sink: (l) => logs.push(JSON.parse(l) as Record<string, unknown>),
    },
  });
  cleanups.push(() => proxy.close(50));
  proxy.update(
    snapshot({
      outbound: {
        80: routeTable('80', [vhost('api', ['api.example.com'], [route('r', forward(C))])]),
      },
      clusters: [
        cluster(C, [endpoint(opts.name, opts.port)], {
          type: opts.type,
          dnsRefresh: { refreshRateMs: 60_000, respectDnsTtl: true, jitterMs: 100 },
        }),
      ],
    }),
  );
  const { port } = await proxy.listen('virtualOutbound', { host: '127.0.0.1', port: 0 });
  const get = () => send(port, { authority: 'api.example.com', path: '/' });
  const logAt = async (i: number) => {
    for (let n = 0; n < 100 && logs.length <= i; n++) await new Promise((r) => setImmediate(r));
    return logs[i] ?? {};
  };
  return { proxy, get, logAt };
}

const settle = () => new Promise((r) => setImmediate(r));

test('a name that does not resolve: 503 UH no_healthy_upstream, no lookup per request; resolved at the next refresh', async () => {
  const echo = await startEcho('api');
  cleanups.push(() => echo.close());
  const table: Record<string, ResolvedAddress[] | undefined> = {};
  const lookups: string[] = [];
  const dnsResolve: DnsResolve = (name) => {
    lookups.push(name);
    const r = table[name];
    return r ? Promise.resolve(r) : Promise.reject(new Error(`ENOTFOUND ${name}`));
  };
  const clock = new ManualClock();
  const p = await dnsProxy({
    type: 'STRICT_DNS',
    name: 'api.internal',
    port: echo.port,
    dnsResolve,
    clock,
  });
  for (let i = 0; i < 3; i++) {
    const r = await p.get();
    assert.equal(r.status, 503);
    assert.equal(r.body, 'no healthy upstream');
    const log = await p.logAt(i);
    assert.equal(log.response_flags, 'UH');
    assert.equal(log.response_code_details, 'no_healthy_upstream');
    assert.equal(log.upstream_host, null);
  }
  assert.deepEqual(lookups, ['api.internal'], 'one lookup at start, none per request');
  const stat = (n: string) => p.proxy.stats().get(`cluster.${C}.${n}`);
  assert.deepEqual([stat('update_attempt'), stat('update_failure')], [1, 1]);
  // The name appears; nothing changes before dns_refresh_rate (60s, jitter 0 with random 0).
  table['api.internal'] = [{ address: '127.0.0.1', ttlSeconds: 300 }];
  clock.advance(59_999);
  await settle();
  assert.equal((await p.get()).status, 503);
  clock.advance(1);
  await settle();
  assert.equal(lookups.length, 2);
  assert.equal(stat('update_success'), 1);
  const ok = await p.get();
  assert.equal(ok.status, 200);
  const log = await p.logAt(4);
  assert.equal(log.upstream_host, `127.0.0.1:${echo.port}`);
  assert.match(String(log.upstream_local_address), /^127\.0\.0\.1:\d+$/);
  // Next refresh after the TTL (300s), not dnsRefreshRate.
  clock.advance(299_999);
  await settle();
  assert.equal(lookups.length, 2);
  clock.advance(1);
  await settle();
  assert.equal(lookups.length, 3);
});

test('LOGICAL_DNS through the real system resolver: localhost', async () => {
  const echo = await startEcho('local');
  cleanups.push(() => echo.close());
  const p = await dnsProxy({ type: 'LOGICAL_DNS', name: 'localhost', port: echo.port });
  const r = await p.get();
  assert.equal(r.status, 200);
  assert.equal((await p.logAt(0)).upstream_host, `127.0.0.1:${echo.port}`);
});

test('compile: DNS clusters carry Istio dns_refresh_rate (meshConfig.dnsRefreshRate, default 60s), respect_dns_ttl, jitter 100ms', () => {
  const se = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: default}
spec:
  hosts: [api.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS
  location: MESH_EXTERNAL
`;
  const sleep = {
    name: 'sleep-0',
    namespace: 'default',
    labels: { app: 'sleep' },
    serviceAccount: 'sleep',
    address: '127.0.0.1',
    ports: {},
  };
  const def = compileFrom([se], 'sleep-0.default', { local: [sleep] });
  assert.deepEqual(def.snapshot.clusters.get(C)?.dnsRefresh, {
    refreshRateMs: 60_000,
    respectDnsTtl: true,
    jitterMs: 100,
  });
  const fast = compileFrom([se], 'sleep-0.default', {
    local: [sleep],
    mesh: { dnsRefreshRate: '5s' },
  });
  assert.equal(fast.snapshot.clusters.get(C)?.dnsRefresh?.refreshRateMs, 5000);
});

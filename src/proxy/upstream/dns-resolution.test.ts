// Envoy's STRICT_DNS / LOGICAL_DNS resolution loop (envoyproxy/envoy source/extensions/clusters/
// strict_dns/strict_dns_cluster.cc, logical_dns/logical_dns_cluster.cc) with Istio's settings
// (istio/istio pilot/pkg/networking/core/cluster_builder.go: dns_refresh_rate = meshConfig
// dnsRefreshRate 60s, respect_dns_ttl true, dns_jitter 100ms), driven by a manual clock and a fake
// name table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Endpoint } from '../../compile/snapshot.js';
import { ManualClock } from '../../runtime/clock.js';
import { SequenceRandom } from '../../runtime/random.js';
import { DnsResolution, ISTIO_DNS_REFRESH } from './dns-resolution.js';
import type { DnsResolve, ResolvedAddress } from './dns-resolver.js';

const ep = (address: string, port = 80): Endpoint => ({ address, port, labels: {}, weight: 1 });

/** A fake resolver over a mutable table; counts lookups. */
function nameTable(table: Record<string, ResolvedAddress[] | undefined>) {
  const calls: string[] = [];
  const resolve: DnsResolve = (name) => {
    calls.push(name);
    const r = table[name];
    if (!r)
      return Promise.reject(Object.assign(new Error(`ENOTFOUND ${name}`), { code: 'ENOTFOUND' }));
    return Promise.resolve(r);
  };
  return { table, calls, resolve };
}

const settle = () => new Promise((r) => setImmediate(r));
const addrs = (d: DnsResolution) => d.endpoints().map((e) => `${e.address}:${e.port}`);

test('STRICT_DNS: every address is a host; refreshed after the TTL (respect_dns_ttl) plus jitter', async () => {
  const clock = new ManualClock();
  const names = nameTable({
    'a.example': [
      { address: '10.0.0.1', ttlSeconds: 30 },
      { address: '10.0.0.2', ttlSeconds: 20 },
    ],
  });
  // random 0.5 -> jitter floor(0.5 x 100) = 50ms.
  const d = new DnsResolution(
    clock,
    new SequenceRandom([0.5]),
    names.resolve,
    ISTIO_DNS_REFRESH,
    false,
  );
  assert.equal(d.warm, false);
  d.setTargets([ep('a.example', 8080)]);
  await settle();
  assert.equal(d.warm, true);
  assert.deepEqual(addrs(d), ['10.0.0.1:8080', '10.0.0.2:8080']);
  assert.equal(names.calls.length, 1);
  names.table['a.example'] = [{ address: '10.0.0.3', ttlSeconds: 30 }];
  // The smallest TTL (20s) + 50ms jitter: nothing at 20.049s, a new lookup at 20.050s.
  clock.advance(20_049);
  await settle();
  assert.equal(names.calls.length, 1);
  clock.advance(1);
  await settle();
  assert.equal(names.calls.length, 2);
  assert.deepEqual(addrs(d), ['10.0.0.3:8080']);
  d.stop();
  assert.equal(clock.pendingTimers(), 0);
});

test('a name that does not resolve leaves no hosts, retried at dns_refresh_rate; a later failure keeps the last addresses', async () => {
  const clock = new ManualClock();
  const names = nameTable({});
  const refresh = { refreshRateMs: 60_000, respectDnsTtl: true, jitterMs: 0 };
  const changed: number[] = [];
  const d = new DnsResolution(clock, new SequenceRandom([0]), names.resolve, refresh, false);
  d.subscribe(() => changed.push(d.endpoints().length));
  d.setTargets([ep('late.example')]);
  await settle();
  // The first resolution completed (failed): the cluster is warm, without hosts.
  assert.equal(d.warm, true);
  assert.deepEqual(addrs(d), []);
  assert.equal(d.stats.update_failure, 1);
  names.table['late.example'] = [{ address: '10.1.0.1' }];
  clock.advance(59_999);
  await settle();
  assert.deepEqual(addrs(d), []);
  clock.advance(1);
  await settle();
  assert.deepEqual(addrs(d), ['10.1.0.1:80']);
  // No TTL (hosts file): next refresh after dns_refresh_rate; a failure then keeps 10.1.0.1.
  names.table['late.example'] = undefined;
  clock.advance(60_000);
  await settle();
  assert.equal(names.calls.length, 3);
  assert.deepEqual(addrs(d), ['10.1.0.1:80']);
  assert.equal(changed.at(-1), 1);
  d.stop();
});

test('LOGICAL_DNS uses the first address; IP endpoints need no lookup; removed targets stop', async () => {
  const clock = new ManualClock();
  const names = nameTable({
    'rr.example': [{ address: '10.2.0.1' }, { address: '10.2.0.2' }],
    'b.example': [{ address: '10.3.0.1' }],
  });
  const logical = new DnsResolution(
    clock,
    new SequenceRandom([0]),
    names.resolve,
    ISTIO_DNS_REFRESH,
    true,
  );
  logical.setTargets([ep('rr.example', 443)]);
  await settle();
  assert.deepEqual(addrs(logical), ['10.2.0.1:443']);
  logical.stop();

  const strict = new DnsResolution(
    clock,
    new SequenceRandom([0]),
    names.resolve,
    ISTIO_DNS_REFRESH,
    false,
  );
  strict.setTargets([ep('127.0.0.9', 81)]);
  assert.equal(strict.warm, true, 'IP-only clusters are warm at once');
  assert.deepEqual(addrs(strict), ['127.0.0.9:81']);
  strict.setTargets([ep('127.0.0.9', 81), ep('b.example', 82)]);
  await settle();
  assert.deepEqual(addrs(strict), ['127.0.0.9:81', '10.3.0.1:82']);
  strict.setTargets([ep('127.0.0.9', 81)]);
  assert.deepEqual(addrs(strict), ['127.0.0.9:81']);
  assert.equal(clock.pendingTimers(), 0, 'the removed target no longer refreshes');
  strict.stop();
});

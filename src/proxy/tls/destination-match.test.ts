import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FilterChain, Listener, TcpRoute } from '../../compile/snapshot.js';
import {
  inSubnet,
  l4ChainFor,
  needsSni,
  podSearchNames,
  routeForDestination,
} from './destination-match.js';

const route = (cluster: string, subnets?: string[]): TcpRoute => ({
  ...(subnets ? { destinationSubnets: subnets } : {}),
  clusters: [{ clusterName: cluster, weight: 1 }],
  totalWeight: 1,
});
const chain = (name: string, serverNames: string[], routes: TcpRoute[]): FilterChain => ({
  name,
  serverNames,
  tcp: { routes, statPrefix: name },
});
const listener = (chains: FilterChain[]): Listener => ({
  name: '0.0.0.0_9000',
  direction: 'outbound',
  address: '0.0.0.0',
  port: 9000,
  filterChains: chains,
});

test('subnets: CIDR prefixes and bare addresses', () => {
  assert.equal(inSubnet('10.1.2.3', '10.0.0.0/8'), true);
  assert.equal(inSubnet('11.1.2.3', '10.0.0.0/8'), false);
  assert.equal(inSubnet('127.0.0.7', '127.0.0.7'), true);
  assert.equal(inSubnet('127.0.0.8', '127.0.0.7/32'), false);
  assert.equal(inSubnet('1.2.3.4', '0.0.0.0/0'), true);
  assert.equal(inSubnet('::1', '::1'), true);
  assert.equal(inSubnet('bogus', '10.0.0.0/8'), false);
});

test('tcp_proxy routes: the first whose subnets hold the destination, else one without subnets', () => {
  const routes = [route('a', ['10.0.0.0/8']), route('b', ['192.168.0.0/16']), route('c')];
  const pick = (host?: string) =>
    routeForDestination(routes, host ? { host, port: 9000 } : undefined)?.clusters[0]?.clusterName;
  assert.equal(pick('192.168.1.1'), 'b');
  assert.equal(pick('10.9.9.9'), 'a');
  assert.equal(pick('8.8.8.8'), 'c');
  assert.equal(pick(undefined), 'c');
  // An IP no subnet holds and no open route: no route (NR).
  assert.equal(
    routeForDestination([route('a', ['10.0.0.0/8'])], { host: '8.8.8.8', port: 1 }),
    undefined,
  );
  // A host name stands for the VIP DNS capture would return: the chain's own route serves.
  assert.equal(
    routeForDestination([route('a', ['10.0.0.0/8'])], { host: 'x.example.com', port: 1 })
      ?.clusters[0]?.clusterName,
    'a',
  );
});

test('chains: destination (address or service name) before SNI, generic chains last', () => {
  const l = listener([
    chain('outbound|9000||a.example.com', [], [route('a', ['127.0.0.7'])]),
    chain('outbound|9000||b.example.com', [], [route('b', ['127.0.0.9'])]),
    chain('outbound|9000||tls.example.com', ['tls.example.com'], [route('t')]),
    chain('outbound|9000||open.example.com', [], [route('o')]),
  ]);
  const pick = (sni: string | undefined, host: string, generic = true) =>
    l4ChainFor(l, sni, { host, port: 9000 }, { generic })?.name;
  assert.equal(pick(undefined, '127.0.0.9'), 'outbound|9000||b.example.com');
  assert.equal(pick(undefined, 'A.example.com'), 'outbound|9000||a.example.com');
  assert.equal(pick('tls.example.com', 'tls.example.com'), 'outbound|9000||tls.example.com');
  assert.equal(pick('tls.example.com', '127.0.0.50'), 'outbound|9000||tls.example.com');
  assert.equal(pick(undefined, '127.0.0.50'), 'outbound|9000||open.example.com');
  assert.equal(pick(undefined, '127.0.0.50', false), undefined);
  assert.equal(needsSni(l), true);
  assert.equal(needsSni(listener([chain('x', [], [route('x')])])), false);
});

test("a short name is the pod's DNS search list in its namespace (ndots:5), then as given", () => {
  const l = listener([
    chain('outbound|9000||tcp-echo.default.svc.cluster.local', [], [route('a', ['10.96.0.7'])]),
    chain('outbound|9000||tcp-echo.other.svc.cluster.local', [], [route('b', ['10.96.0.9'])]),
  ]);
  const pick = (host: string, namespace?: string) =>
    l4ChainFor(
      l,
      undefined,
      { host, port: 9000 },
      { generic: false, ...(namespace ? { namespace } : {}) },
    )?.name;
  assert.equal(pick('tcp-echo', 'default'), 'outbound|9000||tcp-echo.default.svc.cluster.local');
  assert.equal(
    pick('tcp-echo.other', 'default'),
    'outbound|9000||tcp-echo.other.svc.cluster.local',
  );
  assert.equal(pick('tcp-echo'), undefined);
  assert.deepEqual(podSearchNames('10.0.0.1', 'default'), ['10.0.0.1']);
  assert.deepEqual(podSearchNames('a.b.', 'default'), ['a.b']);
});

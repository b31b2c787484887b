import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FilterChain, Listener } from '../../compile/snapshot.js';
import { chainForServerName, expectsTls, isL4Listener } from './chain-match.js';

const chain = (name: string, serverNames: string[]): FilterChain => ({
  name,
  serverNames,
  passthrough: true,
});
const listener = (chains: FilterChain[]): Listener => ({
  name: '0.0.0.0_443',
  direction: 'gateway',
  address: '0.0.0.0',
  port: 443,
  filterChains: chains,
});

test('exact server name before the longest wildcard, then the chain without names', () => {
  const l = listener([
    chain('wild', ['*.example.com']),
    chain('deep', ['*.shop.example.com']),
    chain('exact', ['a.shop.example.com']),
    chain('default', []),
  ]);
  const pick = (sni: string | undefined) => chainForServerName(l, sni)?.name;
  assert.equal(pick('a.shop.example.com'), 'exact');
  assert.equal(pick('A.Shop.Example.com'), 'exact');
  assert.equal(pick('b.shop.example.com'), 'deep');
  assert.equal(pick('x.example.com'), 'wild');
  assert.equal(pick('example.com'), 'default');
  assert.equal(pick(undefined), 'default');
});

test('no default chain: an unmatched or missing SNI finds nothing', () => {
  const l = listener([chain('a', ['a.example.com'])]);
  assert.equal(chainForServerName(l, 'b.example.com'), undefined);
  assert.equal(chainForServerName(l, undefined), undefined);
});

test('which listeners are handled at L4', () => {
  assert.equal(isL4Listener(listener([])), true);
  assert.equal(expectsTls(listener([])), false);
  assert.equal(
    isL4Listener(
      listener([{ name: 'http.80', serverNames: [], http: { routeTableName: 'http.80' } }]),
    ),
    false,
  );
  assert.equal(expectsTls(listener([chain('p', ['a'])])), true);
});

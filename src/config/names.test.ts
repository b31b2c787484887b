import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  hostsIntersect,
  hostSubsetOf,
  isVisibleTo,
  resolveGatewayName,
  resolveShortName,
  virtualServiceGateways,
} from './names.js';

test('short names expand by the config namespace; dotted names are literal', () => {
  assert.equal(resolveShortName('reviews', 'default'), 'reviews.default.svc.cluster.local');
  assert.equal(resolveShortName('reviews.prod', 'default'), 'reviews.prod');
  assert.equal(resolveShortName('*', 'default'), '*');
  assert.equal(resolveShortName('10.0.0.1', 'default'), '10.0.0.1');
});

test('wildcard hosts intersect in either direction', () => {
  assert.ok(hostsIntersect('*.example.com', 'a.example.com'));
  assert.ok(hostsIntersect('a.example.com', '*.example.com'));
  assert.ok(hostsIntersect('*.b.example.com', '*.example.com'));
  assert.ok(hostsIntersect('*', 'anything'));
  assert.ok(!hostsIntersect('a.example.com', 'b.example.com'));
  assert.ok(hostSubsetOf('a.example.com', '*.example.com'));
  assert.ok(!hostSubsetOf('*.example.com', 'a.example.com'));
});

test('gateway references resolve to namespace/name', () => {
  assert.equal(resolveGatewayName('bookinfo-gateway', 'default'), 'default/bookinfo-gateway');
  assert.equal(resolveGatewayName('istio-system/gw', 'default'), 'istio-system/gw');
  assert.equal(resolveGatewayName('mesh', 'default'), 'mesh');
  assert.deepEqual(virtualServiceGateways(undefined, 'x'), ['mesh']);
});

test('exportTo visibility', () => {
  assert.ok(isVisibleTo(undefined, 'a', 'b'));
  assert.ok(isVisibleTo(['.'], 'a', 'a'));
  assert.ok(!isVisibleTo(['.'], 'a', 'b'));
  assert.ok(isVisibleTo(['b'], 'a', 'b'));
  assert.ok(!isVisibleTo(['~'], 'a', 'a'));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RouteTable, VirtualHost } from '../../compile/snapshot.js';
import { queryParam, selectVirtualHost } from './route-matcher.js';

const vh = (name: string): VirtualHost => ({ name, domains: [], routes: [] });
const table: RouteTable = {
  name: '80',
  virtualHosts: [],
  exactDomains: new Map([
    ['a.example.com', vh('exact')],
    ['a.example.com:8080', vh('exact-port')],
  ]),
  wildcardDomains: [
    ['.b.example.com', vh('long')],
    ['.example.com', vh('short')],
  ],
  catchAll: vh('star'),
};

test('prefers an exact host (with port first) over wildcards, longest wildcard first, then *', () => {
  assert.equal(selectVirtualHost(table, 'a.example.com:8080')?.name, 'exact-port');
  assert.equal(selectVirtualHost(table, 'A.Example.com:9')?.name, 'exact');
  assert.equal(selectVirtualHost(table, 'x.b.example.com')?.name, 'long');
  assert.equal(selectVirtualHost(table, 'x.example.com:80')?.name, 'short');
  assert.equal(selectVirtualHost(table, 'example.com')?.name, 'star');
});

test('query parameters: first value, `?key` is present with an empty value, percent-decoded', () => {
  assert.equal(queryParam('a=1&b&c=x%20y&a=2', 'a'), '1');
  assert.equal(queryParam('a=1&b&c=x%20y', 'b'), '');
  assert.equal(queryParam('a=1&b&c=x%20y', 'c'), 'x y');
  assert.equal(queryParam('a=1', 'z'), undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Route, RouteTable, VirtualHost } from '../../compile/snapshot.js';
import {
  failedCondition,
  PATH_CONDITION,
  queryParam,
  ROUTE_MATCHED,
  selectRoute,
  selectVirtualHost,
  type MatchInput,
} from './route-matcher.js';

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

// Envoy RouteEntryImplBase::matchRoute checks the path, then headers, then query parameters, and
// VirtualHost routes are tried in order until one matches (envoyproxy/envoy source/common/router/config_impl.cc).
test('failedCondition reports the first failing condition in Envoy order; selectRoute traces each route tried', () => {
  const route: Route = {
    name: 'r',
    match: {
      path: { kind: 'prefix', value: '/api' },
      headers: [{ name: 'end-user', match: { kind: 'exact', value: 'jason' }, invert: false }],
      queryParams: [{ name: 'v', match: { kind: 'exact', value: '2' } }],
    },
    action: { type: 'direct', status: 200 },
  };
  const input = (path: string, headers: Record<string, string>, query = ''): MatchInput => ({
    authority: 'a',
    method: 'GET',
    scheme: 'http',
    path,
    query,
    headers,
  });
  assert.equal(failedCondition(route, input('/x', {})), PATH_CONDITION);
  assert.equal(failedCondition(route, input('/api', {})), 1);
  assert.equal(failedCondition(route, input('/api', { 'end-user': 'jason' })), 2);
  assert.equal(
    failedCondition(route, input('/api', { 'end-user': 'jason' }, 'v=2')),
    ROUTE_MATCHED,
  );
  const fallback: Route = { ...route, name: 'all', match: { headers: [], queryParams: [] } };
  const host: VirtualHost = { name: 'h', domains: ['*'], routes: [route, fallback] };
  const seen: [string, number, number][] = [];
  const picked = selectRoute(host, input('/api', {}), (r, i, f) => seen.push([r.name, i, f]));
  assert.equal(picked?.name, 'all');
  assert.deepEqual(seen, [
    ['r', 0, 1],
    ['all', 1, ROUTE_MATCHED],
  ]);
  // Without a trace the same answer (the proxy's call).
  assert.equal(selectRoute(host, input('/api', {}))?.name, 'all');
});

test('selectVirtualHost tells a trace which domain decided', () => {
  const how: string[] = [];
  selectVirtualHost(table, 'x.b.example.com', (h, d) => how.push(`${h} ${d}`));
  selectVirtualHost(table, 'a.example.com:8080', (h, d) => how.push(`${h} ${d}`));
  selectVirtualHost(table, 'zzz', (h, d) => how.push(`${h} ${d}`));
  assert.deepEqual(how, ['wildcard *.b.example.com', 'exact a.example.com:8080', 'catch-all *']);
});

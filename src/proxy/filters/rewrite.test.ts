// Location and rewritten paths as Envoy builds them: envoyproxy/envoy source/common/http/utility.cc
// Utility::newUri + processRequestHost (redirects), config_impl.cc RegexRouteEntryImpl (the whole
// path is the matched part of a regex route).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ForwardAction, RedirectAction, Route, RouteMatch } from '../../compile/snapshot.js';
import { compileRe2 } from '../../runtime/regex.js';
import { redirectLocation, rewritePath } from './rewrite.js';

const anyPath: RouteMatch = { headers: [], queryParams: [] };
const prefix = (value: string): RouteMatch => ({ ...anyPath, path: { kind: 'prefix', value } });
const regex = (value: string): RouteMatch => ({
  ...anyPath,
  path: { kind: 'regex', value, regex: compileRe2(value) },
});

function redirectRoute(r: Omit<RedirectAction, 'type' | 'responseCode'>, match = anyPath): Route {
  return { name: 'r', match, action: { type: 'redirect', responseCode: 301, ...r } };
}

function location(route: Route, scheme: string, xfp: string, authority: string, url: string) {
  const q = url.indexOf('?');
  const [path, query] = q < 0 ? [url, ''] : [url.slice(0, q), url.slice(q + 1)];
  return redirectLocation(
    route,
    route.action as RedirectAction,
    scheme,
    xfp,
    authority,
    path,
    query,
  );
}

test('newUri: a scheme change keeps a non-default port and drops the old default one', () => {
  const r = redirectRoute({ scheme: 'https' });
  assert.equal(location(r, 'http', 'http', 'a.example:8080', '/x'), 'https://a.example:8080/x');
  assert.equal(location(r, 'http', 'http', 'a.example:80', '/x'), 'https://a.example/x');
  // Only the old scheme's default goes: :443 on an http request stays.
  assert.equal(location(r, 'http', 'http', 'a.example:443', '/x'), 'https://a.example:443/x');
  const toHttp = redirectRoute({ scheme: 'http' });
  assert.equal(location(toHttp, 'https', 'https', 'a.example:443', '/x'), 'http://a.example/x');
});

test('newUri: without a scheme change the Host is kept as sent, even :80', () => {
  const r = redirectRoute({ path: '/moved' });
  assert.equal(
    location(r, 'http', 'http', 'a.example:80', '/x?q=1'),
    'http://a.example:80/moved?q=1',
  );
});

test('newUri: port_redirect replaces the Host port; host_redirect replaces the whole Host', () => {
  assert.equal(
    location(redirectRoute({ port: 8443 }), 'http', 'http', 'a.example:9080', '/p'),
    'http://a.example:8443/p',
  );
  assert.equal(
    location(redirectRoute({ host: 'b.example' }), 'http', 'http', 'a.example:9080', '/p'),
    'http://b.example/p',
  );
  assert.equal(
    location(redirectRoute({ host: 'b.example', port: 81 }), 'http', 'http', 'a:1', '/p'),
    'http://b.example:81/p',
  );
});

test('newUri: the port drop is judged against x-forwarded-proto, IPv6 hosts keep their brackets', () => {
  const r = redirectRoute({ scheme: 'https' });
  // The request arrived as https per x-forwarded-proto: :80 is not its default, so it stays.
  assert.equal(location(r, 'http', 'https', 'a.example:80', '/'), 'https://a.example:80/');
  assert.equal(location(r, 'http', 'http', '[::1]:80', '/'), 'https://[::1]/');
  assert.equal(location(r, 'http', 'http', '[::1]', '/'), 'https://[::1]/');
  assert.equal(location(r, 'http', 'http', '[::1]:8080', '/'), 'https://[::1]:8080/');
});

test('newUri: a path_redirect with a query replaces the query; otherwise the query is kept', () => {
  assert.equal(
    location(redirectRoute({ path: '/n?a=b' }), 'http', 'http', 'h', '/o?c=d'),
    'http://h/n?a=b',
  );
  assert.equal(
    location(redirectRoute({ path: '/n' }), 'http', 'http', 'h', '/o?c=d'),
    'http://h/n?c=d',
  );
});

test('redirect prefix_rewrite replaces the matched prefix, or the whole path of a regex route', () => {
  assert.equal(
    location(
      redirectRoute({ prefixRewrite: '/new' }, prefix('/old')),
      'http',
      'http',
      'h',
      '/old/x?q',
    ),
    'http://h/new/x?q',
  );
  assert.equal(
    location(
      redirectRoute({ prefixRewrite: '/new' }, regex('/old/.*')),
      'http',
      'http',
      'h',
      '/old/x?q',
    ),
    'http://h/new?q',
  );
});

test('rewrite.uri (prefix_rewrite) on a regex-matched route replaces the whole path', () => {
  const action: ForwardAction = {
    type: 'forward',
    clusters: [{ clusterName: 'c', weight: 1 }],
    totalWeight: 1,
    timeoutMs: 0,
    mirrors: [],
    prefixRewrite: '/whole',
  };
  const route = (match: RouteMatch): Route => ({ name: 'r', match, action });
  assert.equal(rewritePath(route(regex('/re/[a-z]+')), action, '/re/abc', 'q=1'), '/whole?q=1');
  assert.equal(rewritePath(route(prefix('/re')), action, '/re/abc', ''), '/whole/abc');
  // No path matcher is Istio's prefix "/": only the leading slash is replaced.
  assert.equal(rewritePath(route(anyPath), action, '/re/abc', ''), '/wholere/abc');
});

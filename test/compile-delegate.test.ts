// Delegate VirtualServices merged as Istio merges them (istio/istio pilot/pkg/model/virtualservice.go
// mergeHTTPRoute, mergeHTTPMatchRequests, hasConflict, stringMatchConflict): every match block of a
// delegate route must fit inside some root block, else the whole delegate route is dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compileFrom } from './helpers/compile.js';
import { fixture } from './helpers/shared.js';
import type { Route, RouteMatch, StringMatcher } from '../src/compile/index.js';

const bookinfo = readFileSync(fixture('compile', 'bookinfo.yaml'), 'utf8');
const drs = readFileSync(fixture('compile', 'destination-rules.yaml'), 'utf8');

let lastWarnings: string[] = [];

function routesOf(rootHttp: string, leafHttp: string): Route[] {
  const vs = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: root }
spec:
  hosts: [reviews]
  http:
${rootHttp}
    - name: fallback
      route: [{ destination: { host: reviews, subset: v1 } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: leaf }
spec:
  http:
${leafHttp}
`;
  const { snapshot, warnings } = compileFrom([bookinfo, drs, vs], 'productpage-v1');
  lastWarnings = warnings.map((w) => w.message);
  const vh = snapshot.routeTables
    .get('9080')
    ?.virtualHosts.find((v) => v.name === 'reviews.default.svc.cluster.local:9080');
  assert.ok(vh);
  return [...vh.routes];
}

const text = (m: StringMatcher | undefined) =>
  !m ? '' : m.kind === 'present' ? 'present' : `${m.kind}:${m.value}`;
function describe(m: RouteMatch): string {
  const hs = m.headers.map((h) => `${h.name}=${text(h.match)}`);
  return [text(m.path) || '/', ...hs].join(' ');
}
const rows = (routes: Route[]) => routes.map((r) => `${r.name} ${describe(r.match)}`);

const v2 = '[{ destination: { host: reviews.default.svc.cluster.local, subset: v2 } }]';

test('a delegate route with one conflicting match block is dropped whole', () => {
  const routes = routesOf(
    `    - name: api
      match: [{ uri: { prefix: /api } }]
      delegate: { name: leaf }`,
    `    - name: mixed
      match: [{ uri: { prefix: /api/v2 } }, { uri: { prefix: /other } }]
      route: ${v2}
    - name: fits
      match: [{ uri: { exact: /api/x } }]
      route: ${v2}`,
  );
  assert.deepEqual(rows(routes), ['api-fits exact:/api/x', 'fallback /']);
  assert.ok(
    lastWarnings.some((w) =>
      w.includes('HTTPMatchRequests conflict: root route api, delegate route mixed'),
    ),
    lastWarnings.join('\n'),
  );
});

test('each delegate block merges with every root block it fits; the root fills unset fields', () => {
  const routes = routesOf(
    `    - name: api
      match:
        - { name: a, uri: { prefix: /a }, headers: { x-team: { exact: blue } } }
        - { name: b, uri: { prefix: /b } }
      delegate: { name: leaf }`,
    `    - name: any
      match: [{ name: m, headers: { x-user: { exact: jason } } }]
      route: ${v2}`,
  );
  assert.deepEqual(rows(routes), [
    'api-any.a-m prefix:/a x-team=exact:blue x-user=exact:jason',
    'api-any.b-m prefix:/b x-user=exact:jason',
    'fallback /',
  ]);
});

test('a regex on either side conflicts, even the same regex; ignoreUriCase must agree', () => {
  const routes = routesOf(
    `    - name: re
      match: [{ uri: { regex: '/r/.*' } }]
      delegate: { name: leaf }`,
    `    - name: same-regex
      match: [{ uri: { regex: '/r/.*' } }]
      route: ${v2}
    - name: no-uri
      match: [{ method: { exact: GET } }]
      route: ${v2}
    - name: case
      match: [{ method: { exact: POST }, ignoreUriCase: true }]
      route: ${v2}`,
  );
  assert.deepEqual(rows(routes), ['re-no-uri regex:/r/.* :method=exact:GET', 'fallback /']);
});

test("match gateways are resolved in each VirtualService's own namespace before the conflict check", () => {
  const texts = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: gw, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ['*'] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: root }
spec:
  hosts: [shop.example.com]
  gateways: [istio-system/gw]
  http:
    - name: api
      match: [{ uri: { prefix: /api }, gateways: [istio-system/gw] }]
      delegate: { name: leaf, namespace: istio-system }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: leaf, namespace: istio-system }
spec:
  http:
    - name: v2
      match: [{ uri: { prefix: /api/v2 }, gateways: [gw] }]
      route: [{ destination: { host: reviews.default.svc.cluster.local } }]
`;
  const { snapshot } = compileFrom([bookinfo, texts], 'istio-ingressgateway');
  const vh = snapshot.routeTables.get('http.80')?.virtualHosts[0];
  assert.deepEqual(
    vh?.routes.map((r) => r.name),
    ['api-v2'],
  );
});

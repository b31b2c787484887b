// Redirect ports as Istio hands them to Envoy (istio/istio pilot/pkg/networking/core/route/route.go
// ApplyRedirect): FROM_REQUEST_PORT becomes port_redirect = the listener's port, FROM_PROTOCOL_DEFAULT
// sets none, and an explicit :80 with http or :443 with https is dropped, the scheme defaulting from
// the route's IsTLS (gateway.go: `server.Tls != nil`, so an httpsRedirect server counts as TLS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compileFrom } from './helpers/compile.js';
import { fixture } from './helpers/shared.js';
import type { RedirectAction, RouteTable } from '../src/compile/index.js';

const bookinfo = readFileSync(fixture('compile', 'bookinfo.yaml'), 'utf8');

function redirectOf(t: RouteTable | undefined, vhost: string, route: string): RedirectAction {
  const r = t?.virtualHosts.find((v) => v.name === vhost)?.routes.find((x) => x.name === route);
  assert.ok(r && r.action.type === 'redirect', `no redirect ${route} in ${vhost}`);
  return r.action;
}

const redirects = (hosts: string, gateways: string) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: redirects }
spec:
  hosts: ${hosts}
  gateways: ${gateways}
  http:
    - name: request-port
      match: [{ uri: { prefix: /a } }]
      redirect: { derivePort: FROM_REQUEST_PORT }
    - name: protocol-default
      match: [{ uri: { prefix: /b } }]
      redirect: { scheme: https, derivePort: FROM_PROTOCOL_DEFAULT }
    - name: port-80
      match: [{ uri: { prefix: /c } }]
      redirect: { port: 80 }
    - name: port-443
      match: [{ uri: { prefix: /d } }]
      redirect: { port: 443 }
    - name: https-443
      match: [{ uri: { prefix: /e } }]
      redirect: { scheme: https, port: 443 }
`;

test('sidecar: FROM_REQUEST_PORT is the listener port; :80 with http is dropped; :443 with http kept', () => {
  const { snapshot } = compileFrom([bookinfo, redirects('[reviews]', '[mesh]')], 'productpage-v1');
  const t = snapshot.routeTables.get('9080');
  const vh = 'reviews.default.svc.cluster.local:9080';
  assert.equal(redirectOf(t, vh, 'request-port').port, 9080);
  assert.equal(redirectOf(t, vh, 'protocol-default').port, undefined);
  assert.equal(redirectOf(t, vh, 'port-80').port, undefined);
  assert.equal(redirectOf(t, vh, 'port-443').port, 443);
  assert.equal(redirectOf(t, vh, 'https-443').port, undefined);
});

test('gateway: a server with tls (httpsRedirect) defaults the scheme to https for the :443 drop', () => {
  const gw = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: gw, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers:
    - port: { number: 8080, name: http, protocol: HTTP }
      hosts: [plain.example.com]
    - port: { number: 8081, name: http-redirect, protocol: HTTP }
      hosts: [secure.example.com]
      tls: { httpsRedirect: true }
`;
  const vs = redirects('[plain.example.com, secure.example.com]', '[istio-system/gw]');
  const { snapshot } = compileFrom([bookinfo, gw, vs], 'istio-ingressgateway');
  const plain = snapshot.routeTables.get('http.8080');
  const secure = snapshot.routeTables.get('http.8081');
  assert.equal(redirectOf(plain, 'plain.example.com:8080', 'request-port').port, 8080);
  assert.equal(redirectOf(secure, 'secure.example.com:8081', 'request-port').port, 8081);
  assert.equal(redirectOf(plain, 'plain.example.com:8080', 'port-443').port, 443);
  assert.equal(redirectOf(secure, 'secure.example.com:8081', 'port-443').port, undefined);
  assert.equal(redirectOf(plain, 'plain.example.com:8080', 'port-80').port, undefined);
  assert.equal(redirectOf(secure, 'secure.example.com:8081', 'port-80').port, 80);
});

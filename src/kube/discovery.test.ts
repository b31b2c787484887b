import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AGGREGATED_V2, AGGREGATED_V2BETA1, discoveryResponse } from './discovery.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// What kubectl sends for /api and /apis (k8s.io/client-go discovery/discovery_client.go
// acceptDiscoveryFormats; 1.27 and 1.28 send v2beta1 then JSON).
const KUBECTL_133 = `${AGGREGATED_V2},${AGGREGATED_V2BETA1},application/json`;
const KUBECTL_127 = `${AGGREGATED_V2BETA1},application/json`;

const get = (path: string, accept?: string) => {
  const r = discoveryResponse(path, accept);
  assert.ok(r, path);
  return { ...r, body: r.body as Obj };
};

test('/version reports a Kubernetes version marked as Switchyard', () => {
  const r = get('/version');
  assert.equal(r.body.major, '1');
  assert.equal(r.body.minor, '33');
  assert.equal(r.body.gitVersion, 'v1.33.0+switchyard');
});

test('/api and /apis answer the aggregated form in the first format the client accepts', () => {
  const v2 = get('/api?timeout=32s', KUBECTL_133);
  assert.equal(v2.contentType, AGGREGATED_V2);
  assert.equal(v2.body.kind, 'APIGroupDiscoveryList');
  assert.equal(v2.body.apiVersion, 'apidiscovery.k8s.io/v2');
  assert.deepEqual(
    v2.body.items.map((g: Obj) => g.metadata.name),
    [''],
  );
  const beta = get('/apis', KUBECTL_127);
  assert.equal(beta.contentType, AGGREGATED_V2BETA1);
  assert.equal(beta.body.apiVersion, 'apidiscovery.k8s.io/v2beta1');
  assert.ok(!beta.body.items.some((g: Obj) => g.metadata.name === ''));
});

test('aggregated discovery lists versions preferred first, with names, scope and subresources', () => {
  const apis = get('/apis', KUBECTL_133).body;
  const istio = apis.items.find((g: Obj) => g.metadata.name === 'networking.istio.io');
  assert.deepEqual(
    istio.versions.map((v: Obj) => v.version),
    ['v1', 'v1beta1', 'v1alpha3'],
  );
  const vs = istio.versions[0].resources.find((r: Obj) => r.resource === 'virtualservices');
  assert.deepEqual(vs.responseKind, {
    group: 'networking.istio.io',
    version: 'v1',
    kind: 'VirtualService',
  });
  assert.equal(vs.scope, 'Namespaced');
  assert.equal(vs.singularResource, 'virtualservice');
  assert.deepEqual(vs.shortNames, ['vs']);
  assert.deepEqual(vs.categories, ['istio-io', 'networking-istio-io']);
  assert.equal(istio.versions[0].freshness, 'Current');
  const apps = apis.items.find((g: Obj) => g.metadata.name === 'apps');
  const deploy = apps.versions[0].resources.find((r: Obj) => r.resource === 'deployments');
  assert.deepEqual(deploy.subresources[0], {
    subresource: 'scale',
    responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
    verbs: ['get', 'patch', 'update'],
  });
});

test('plain JSON: /api is APIVersions, /apis an APIGroupList, a group its APIGroup', () => {
  const api = get('/api', 'application/json');
  assert.equal(api.contentType, 'application/json');
  assert.deepEqual(api.body.versions, ['v1']);
  assert.equal(api.body.kind, 'APIVersions');
  const apis = get('/apis').body;
  assert.equal(apis.kind, 'APIGroupList');
  const istio = apis.groups.find((g: Obj) => g.name === 'networking.istio.io');
  assert.deepEqual(istio.preferredVersion, {
    groupVersion: 'networking.istio.io/v1',
    version: 'v1',
  });
  assert.equal(get('/apis/networking.istio.io').body.kind, 'APIGroup');
});

test('a group-version answers an APIResourceList with subresources as resource/sub entries', () => {
  const core = get('/api/v1').body;
  assert.equal(core.groupVersion, 'v1');
  const svc = core.resources.find((r: Obj) => r.name === 'services');
  assert.deepEqual(svc.shortNames, ['svc']);
  assert.equal(svc.singularName, 'service');
  assert.deepEqual(svc.verbs, [
    'create',
    'delete',
    'deletecollection',
    'get',
    'list',
    'patch',
    'update',
    'watch',
  ]);
  const apps = get('/apis/apps/v1').body;
  assert.deepEqual(
    apps.resources.find((r: Obj) => r.name === 'deployments/scale'),
    {
      name: 'deployments/scale',
      singularName: '',
      namespaced: true,
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
    },
  );
  const names = apps.resources.map((r: Obj) => r.name);
  assert.deepEqual(names, [...names].sort());
  const crds = get('/apis/apiextensions.k8s.io/v1').body.resources[0];
  assert.deepEqual(crds.verbs, ['get', 'list', 'watch']);
  assert.equal(crds.namespaced, false);
});

test('unknown groups and versions are 404 Status; protobuf-only clients get 406', () => {
  const missing = get('/apis/networking.istio.io/v2');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.kind, 'Status');
  assert.equal(missing.body.reason, 'NotFound');
  assert.equal(get('/apis/example.com').status, 404);
  assert.equal(get('/api/v1', 'application/vnd.kubernetes.protobuf').status, 406);
});

test('resource paths are not discovery: they fall through to the resource handlers', () => {
  assert.equal(discoveryResponse('/api/v1/namespaces/default/pods', undefined), undefined);
  assert.equal(discoveryResponse('/apis/apps/v1/deployments', undefined), undefined);
  assert.equal(discoveryResponse('/healthz', undefined), undefined);
});

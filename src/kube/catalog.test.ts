import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS } from '../config/kinds.js';
import {
  API_RESOURCES,
  apiGroups,
  findResource,
  findResourceByKind,
  sortVersions,
} from './catalog.js';

const header = (plural: string, group = '', wideToo = false): string[] => {
  const r = API_RESOURCES.find((x) => x.plural === plural && x.group === group);
  assert.ok(r, plural);
  return r.columns.filter((c) => wideToo || c.priority === 0).map((c) => c.name.toUpperCase());
};

test('Istio kinds print the CRD additionalPrinterColumns (istio crd-all.gen.yaml)', () => {
  const g = 'networking.istio.io';
  assert.deepEqual(header('virtualservices', g), ['NAME', 'GATEWAYS', 'HOSTS', 'AGE']);
  assert.deepEqual(header('destinationrules', g), ['NAME', 'HOST', 'AGE']);
  assert.deepEqual(header('gateways', g), ['NAME', 'AGE']);
  assert.deepEqual(header('serviceentries', g), ['NAME', 'HOSTS', 'LOCATION', 'RESOLUTION', 'AGE']);
  assert.deepEqual(header('workloadentries', g), ['NAME', 'AGE', 'ADDRESS']);
  assert.deepEqual(header('sidecars', g), ['NAME', 'AGE']);
  assert.deepEqual(header('peerauthentications', 'security.istio.io'), ['NAME', 'MODE', 'AGE']);
});

test('core kinds print the built-in printers columns (kubernetes printers.go)', () => {
  assert.deepEqual(header('pods', '', true), [
    'NAME',
    'READY',
    'STATUS',
    'RESTARTS',
    'AGE',
    'IP',
    'NODE',
    'NOMINATED NODE',
    'READINESS GATES',
  ]);
  assert.deepEqual(header('services'), [
    'NAME',
    'TYPE',
    'CLUSTER-IP',
    'EXTERNAL-IP',
    'PORT(S)',
    'AGE',
  ]);
  assert.deepEqual(header('deployments', 'apps', true), [
    'NAME',
    'READY',
    'UP-TO-DATE',
    'AVAILABLE',
    'AGE',
    'CONTAINERS',
    'IMAGES',
    'SELECTOR',
  ]);
  assert.deepEqual(header('namespaces'), ['NAME', 'STATUS', 'AGE']);
  assert.deepEqual(header('secrets'), ['NAME', 'TYPE', 'DATA', 'AGE']);
  assert.deepEqual(header('configmaps'), ['NAME', 'DATA', 'AGE']);
  assert.deepEqual(header('serviceaccounts'), ['NAME', 'SECRETS', 'AGE']);
  assert.deepEqual(header('endpoints'), ['NAME', 'ENDPOINTS', 'AGE']);
  assert.deepEqual(header('customresourcedefinitions', 'apiextensions.k8s.io'), [
    'NAME',
    'CREATED AT',
  ]);
});

test('names come from kinds.ts: singular, plural and short names as kubectl accepts them', () => {
  for (const r of API_RESOURCES) {
    if (!r.kindInfo) continue;
    assert.deepEqual(
      new Set(r.kindInfo.names),
      new Set([r.singular, r.plural, ...r.shortNames]),
      `${r.kind}.${r.group}`,
    );
  }
  assert.deepEqual(findResource('networking.istio.io', 'v1beta1', 'virtualservices')?.shortNames, [
    'vs',
  ]);
  assert.deepEqual(findResource('', 'v1', 'services')?.shortNames, ['svc']);
});

test('every kind the config layer reads as Istio networking, Kubernetes or Switchyard is served', () => {
  for (const k of KINDS) {
    if (k.family === 'tolerated' || k.kind === 'Node') continue;
    for (const v of k.versions)
      assert.ok(findResourceByKind(k.group ? `${k.group}/${v}` : v, k.kind), `${k.kind} ${v}`);
  }
});

test('versions are ordered as the API server prefers them: GA, beta, alpha', () => {
  assert.deepEqual(sortVersions(['v1alpha3', 'v1', 'v1beta1', 'v2beta1']), [
    'v1',
    'v2beta1',
    'v1beta1',
    'v1alpha3',
  ]);
  const istio = apiGroups().find((g) => g.group === 'networking.istio.io');
  assert.deepEqual(istio, {
    group: 'networking.istio.io',
    versions: ['v1', 'v1beta1', 'v1alpha3'],
    preferredVersion: 'v1',
  });
  assert.equal(apiGroups()[0]?.group, '');
});

test('deployments have scale (autoscaling/v1 Scale) and status subresources', () => {
  const d = findResource('apps', 'v1', 'deployments');
  assert.deepEqual(
    d?.subresources.map((s) => s.name),
    ['scale', 'status'],
  );
  assert.equal(d?.subresources[0]?.kind, 'Scale');
  assert.equal(d?.subresources[0]?.group, 'autoscaling');
});

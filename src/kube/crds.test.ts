import { test } from 'node:test';
import assert from 'node:assert/strict';
import { customResourceDefinitions, findCustomResourceDefinition } from './crds.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const AT = '2026-01-01T00:00:00Z';

test('kubectl get crd lists the Istio kinds and Workload, sorted by name', () => {
  assert.deepEqual(
    customResourceDefinitions(AT).map((c) => (c.metadata as Obj).name),
    [
      'destinationrules.networking.istio.io',
      'gateways.networking.istio.io',
      'peerauthentications.security.istio.io',
      'serviceentries.networking.istio.io',
      'sidecars.networking.istio.io',
      'virtualservices.networking.istio.io',
      'workloadentries.networking.istio.io',
      'workloads.switchyard.io',
    ],
  );
});

test("a CRD carries Istio's names, versions, printer columns and status subresource", () => {
  // istio/istio manifests/charts/base/files/crd-all.gen.yaml (VirtualService).
  const vs = findCustomResourceDefinition('virtualservices.networking.istio.io', AT) as Obj;
  assert.equal(vs.apiVersion, 'apiextensions.k8s.io/v1');
  assert.deepEqual(vs.spec.names, {
    plural: 'virtualservices',
    singular: 'virtualservice',
    kind: 'VirtualService',
    listKind: 'VirtualServiceList',
    shortNames: ['vs'],
    categories: ['istio-io', 'networking-istio-io'],
  });
  assert.equal(vs.spec.scope, 'Namespaced');
  assert.deepEqual(
    vs.spec.versions.map((v: Obj) => [v.name, v.served, v.storage]),
    [
      ['v1', true, true],
      ['v1beta1', true, false],
      ['v1alpha3', true, false],
    ],
  );
  const v1 = vs.spec.versions[0];
  assert.deepEqual(
    v1.additionalPrinterColumns.map((c: Obj) => [c.name, c.type, c.jsonPath]),
    [
      ['Gateways', 'string', '.spec.gateways'],
      ['Hosts', 'string', '.spec.hosts'],
      ['Age', 'date', '.metadata.creationTimestamp'],
    ],
  );
  assert.deepEqual(v1.subresources, { status: {} });
  assert.deepEqual(vs.status.storedVersions, ['v1']);
  assert.ok(vs.status.conditions.some((c: Obj) => c.type === 'Established' && c.status === 'True'));
});

test('a CRD schema is self-contained (structural: no $ref) and keeps the descriptions', () => {
  const dr = findCustomResourceDefinition('destinationrules.networking.istio.io', AT) as Obj;
  const schema = dr.spec.versions[0].schema.openAPIV3Schema;
  assert.ok(!JSON.stringify(schema).includes('$ref'));
  const tp = schema.properties.spec.properties.subsets.items.properties.trafficPolicy;
  assert.equal(typeof tp.description, 'string');
  assert.ok(tp.properties.connectionPool.properties.http);
  assert.equal(findCustomResourceDefinition('pods.', AT), undefined);
});

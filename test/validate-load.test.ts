// Loader additions for validation: bare MeshConfig documents, deprecated fields, YAML aliases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadResources, parseResources, validateResources } from '../src/config/index.js';
import { fixture } from './helpers/shared.js';

test('a document without apiVersion/kind made of MeshConfig fields is mesh config, not an error', () => {
  const r = loadResources([fixture('validation', 'meshconfig.yaml')]);
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.meshConfig?.value, {
    outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    accessLogFile: '/dev/stdout',
  });
  assert.equal(r.meshConfig?.position.line, 1);
});

test('other kind-less documents are still errors', () => {
  const r = parseResources('foo: bar\n', 'x.yaml');
  assert.equal(r.meshConfig, undefined);
  assert.equal(r.diagnostics[0]?.level, 'Error');
});

test('fault.delay.percent (v1alpha3) loads with a deprecation warning and validates', () => {
  const text = `apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata:
  name: ratings
spec:
  hosts:
  - ratings
  http:
  - fault:
      delay:
        percent: 100
        fixedDelay: 2s
    route:
    - destination:
        host: ratings
        subset: v1
`;
  const r = parseResources(text, 'r.yaml');
  assert.equal(r.resources.length, 1);
  assert.deepEqual(
    r.diagnostics.map((d) => [d.level, d.field, d.position?.line]),
    [['Warning', 'spec.http[0].fault.delay.percent', 11]],
  );
  assert.deepEqual(validateResources(r.resources), []);
});

test('YAML anchors and aliases are resolved before validation', () => {
  const text = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: r
spec:
  hosts: [reviews]
  http:
  - match: [{uri: {prefix: /a}}]
    route: &dests
    - destination: {host: reviews, subset: v1}
  - route: *dests
`;
  const r = parseResources(text, 'a.yaml');
  assert.deepEqual(validateResources(r.resources), []);
});

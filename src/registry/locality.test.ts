// Locality sources as Istio reads them (istio/istio pilot/pkg/serviceregistry/kube/controller/
// controller.go getPodLocality; pkg/model/proxy.go GetLocalityLabel / SanitizeLocalityLabel;
// pilot/pkg/serviceregistry/util/label/label.go AugmentLabels).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConfigSnapshot, parseResources } from '../config/index.js';
import {
  localityFromLabels,
  localityFromTopologyLabels,
  podLocality,
  withTopologyLabels,
} from './locality.js';

const config = createConfigSnapshot(
  parseResources(
    `apiVersion: v1
kind: Node
metadata:
  name: ga
  labels: {topology.kubernetes.io/region: r1, topology.kubernetes.io/zone: z1, topology.istio.io/subzone: s1}
---
apiVersion: v1
kind: Node
metadata:
  name: beta
  labels: {failure-domain.beta.kubernetes.io/region: r2, failure-domain.beta.kubernetes.io/zone: z2}
---
apiVersion: v1
kind: Node
metadata: {name: bare}
`,
    'nodes.yaml',
  ).resources,
);

test('topology.istio.io/locality wins over istio-locality; `.` stands for `/` unless `/` is used', () => {
  assert.equal(
    localityFromLabels({ 'topology.istio.io/locality': 'a.b', 'istio-locality': 'x.y' }),
    'a/b',
  );
  assert.equal(localityFromLabels({ 'istio-locality': 'r.z.s' }), 'r/z/s');
  assert.equal(localityFromLabels({ 'istio-locality': 'r/z.1' }), 'r/z.1');
  assert.equal(localityFromLabels({}), '');
});

test("a pod's label wins over its Node; Node GA labels, then the beta ones; no labels, no locality", () => {
  assert.equal(podLocality(config, { 'istio-locality': 'x.y' }, 'ga'), 'x/y');
  assert.equal(podLocality(config, {}, 'ga'), 'r1/z1/s1');
  assert.equal(podLocality(config, {}, 'beta'), 'r2/z2/');
  assert.equal(podLocality(config, {}, 'bare'), '');
  assert.equal(podLocality(config, {}, 'missing'), '');
  assert.equal(podLocality(config, {}, undefined), '');
});

test('AugmentLabels adds region, zone, subzone and hostname labels', () => {
  assert.deepEqual(withTopologyLabels({ app: 'a' }, 'r/z/s', 'node-1'), {
    app: 'a',
    'topology.kubernetes.io/region': 'r',
    'topology.kubernetes.io/zone': 'z',
    'topology.istio.io/subzone': 's',
    'kubernetes.io/hostname': 'node-1',
  });
  const same = { app: 'a' };
  assert.equal(withTopologyLabels(same, undefined), same);
});

test('a proxy with topology labels is in that locality; empty trailing parts are dropped', () => {
  assert.equal(
    localityFromTopologyLabels({
      'topology.kubernetes.io/region': 'r',
      'topology.kubernetes.io/zone': 'z',
    }),
    'r/z',
  );
  assert.equal(localityFromTopologyLabels({ app: 'x' }), '');
});

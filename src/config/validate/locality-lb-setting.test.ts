// DestinationRule localityLbSetting rules as Istio's webhook applies them (istio/istio
// pkg/config/validation/agent/validation.go ValidateLocalityLbSetting, validateLocalities).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { parseResources } from '../parse.js';
import { validateResource } from './index.js';

const diagnostics = (localityLbSetting: unknown, outlier = true) => {
  const text = stringify({
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'r', namespace: 'default' },
    spec: {
      host: 'reviews',
      trafficPolicy: {
        loadBalancer: { localityLbSetting },
        ...(outlier ? { outlierDetection: { consecutive5xxErrors: 1 } } : {}),
      },
    },
  });
  return validateResource(parseResources(text, 'dr.yaml').resources[0]!).map(
    (d) => `${d.level}: ${d.message}`,
  );
};
const errors = (s: unknown, outlier = true) =>
  diagnostics(s, outlier).filter((d) => d.startsWith('Error'));

test('failover must name two different regions, without zones or wildcards', () => {
  assert.deepEqual(errors({ failover: [{ from: 'r1', to: 'r2' }] }), []);
  assert.ok(
    errors({ failover: [{ from: 'r1', to: 'r1' }] }).some((m) =>
      m.includes('locality lb failover settings must specify different regions'),
    ),
  );
  assert.ok(
    errors({ failover: [{ from: 'r1/z1', to: 'r2' }] }).some((m) =>
      m.includes('locality lb failover only specify region'),
    ),
  );
  assert.ok(
    errors({ failover: [{ from: 'r1', to: 'r*' }] }).some((m) =>
      m.includes("locality lb failover region should not contain '*' wildcard"),
    ),
  );
});

test('failover cannot be combined with a topology label in failoverPriority', () => {
  assert.ok(
    errors({
      failover: [{ from: 'r1', to: 'r2' }],
      failoverPriority: ['topology.kubernetes.io/zone'],
    }).some((m) =>
      m.includes(
        "can not simultaneously set 'failover' and topology label 'topology.kubernetes.io/zone' in 'failover_priority'",
      ),
    ),
  );
  assert.deepEqual(
    errors({ failover: [{ from: 'r1', to: 'r2' }], failoverPriority: ['tier'] }),
    [],
  );
});

test('distribute weights are each in [1, 100]', () => {
  assert.ok(
    errors({ distribute: [{ from: 'r1/*', to: { 'r1/*': 0, 'r2/*': 100 } }] }).some((m) =>
      m.includes('locality weight must be in range [1, 100]'),
    ),
  );
});

test('failover or failoverPriority without outlierDetection is a warning, not an error', () => {
  const d = diagnostics({ failoverPriority: ['tier'] }, false);
  assert.ok(d.includes('Warning: outlier detection policy must be provided for failover'));
  assert.deepEqual(
    d.filter((m) => m.startsWith('Error')),
    [],
  );
});

// PeerAuthentication validation as istio/istio pkg/config/validation/validation.go
// ValidatePeerAuthentication (and the CRD schema of security.istio.io/v1) define it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { parseResources } from '../parse.js';
import { validateResource } from './index.js';

function diagnostics(spec: Record<string, unknown>, apiVersion = 'security.istio.io/v1') {
  const yaml = stringify({
    apiVersion,
    kind: 'PeerAuthentication',
    metadata: { name: 'pa', namespace: 'default' },
    spec,
  });
  const parsed = parseResources(yaml, 'pa.yaml');
  assert.equal(parsed.resources.length, 1, JSON.stringify(parsed.diagnostics));
  return validateResource(parsed.resources[0]!).map((d) => `${d.level} ${d.field}: ${d.message}`);
}

const selector = { matchLabels: { app: 'reviews' } };

test('valid PeerAuthentications: mesh/namespace mode, workload selector with port-level modes', () => {
  assert.deepEqual(diagnostics({ mtls: { mode: 'STRICT' } }), []);
  assert.deepEqual(diagnostics({}), []);
  assert.deepEqual(
    diagnostics({
      selector,
      mtls: { mode: 'UNSET' },
      portLevelMtls: { '9080': { mode: 'DISABLE' }, '8080': { mode: 'PERMISSIVE' } },
    }),
    [],
  );
  assert.deepEqual(diagnostics({ mtls: { mode: 'PERMISSIVE' } }, 'security.istio.io/v1beta1'), []);
});

test('schema: mtls.mode is one of UNSET, DISABLE, PERMISSIVE, STRICT; unknown fields are refused', () => {
  assert.match(diagnostics({ mtls: { mode: 'STRICTER' } }).join('\n'), /Error spec\.mtls\.mode/);
  assert.match(diagnostics({ mtl: { mode: 'STRICT' } }).join('\n'), /unknown field/);
});

test('port-level mTLS needs a workload selector ("mesh/namespace peer authentication cannot have port level mTLS")', () => {
  assert.deepEqual(diagnostics({ portLevelMtls: { '9080': { mode: 'DISABLE' } } }), [
    'Error spec.portLevelMtls: mesh/namespace peer authentication cannot have port level mTLS',
  ]);
  assert.deepEqual(
    diagnostics({ selector: { matchLabels: {} }, portLevelMtls: { '9080': { mode: 'STRICT' } } }),
    [
      'Error spec.portLevelMtls: mesh/namespace peer authentication cannot have port level mTLS',
      'Warning spec.selector: workload selector specified without labels',
    ],
  );
});

test('port-level mTLS: at least one element, ports in 1..65535', () => {
  assert.deepEqual(diagnostics({ selector, portLevelMtls: {} }), [
    'Error spec.portLevelMtls: port level mTLS, if defined, must have at least one element',
  ]);
  assert.deepEqual(diagnostics({ selector, portLevelMtls: { '0': { mode: 'STRICT' } } }), [
    'Error spec.portLevelMtls.0: port must be in range 1..65535',
  ]);
  assert.deepEqual(diagnostics({ selector, portLevelMtls: { '70000': { mode: 'STRICT' } } }), [
    'Error spec.portLevelMtls.70000: port must be in range 1..65535',
  ]);
});

test('selector: wildcard and empty keys are refused (validateWorkloadSelector)', () => {
  assert.deepEqual(diagnostics({ selector: { matchLabels: { app: 'rev*' } } }), [
    'Error spec.selector.matchLabels.app: wildcard is not supported in selector: "app=rev*"',
  ]);
});

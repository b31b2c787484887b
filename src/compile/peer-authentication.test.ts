// PeerAuthentication inheritance as istiod resolves it: istio/istio pilot/pkg/security/authn/policy_applier.go
// ComposePeerAuthentication (mesh -> namespace -> workload -> port, UNSET inherits, oldest wins) and
// pilot/pkg/model/authentication.go GetNamespaceMutualTLSMode (what auto mTLS reads).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { createConfigSnapshot, defaultMeshConfig, parseResources } from '../config/index.js';
import {
  mtlsModeForPort,
  namespaceMtlsMode,
  peerAuthenticationFor,
} from './peer-authentication.js';

interface Pa {
  name: string;
  namespace: string;
  spec: Record<string, unknown>;
  created?: string;
}

function config(...pas: Pa[]) {
  const text = pas
    .map((p) =>
      stringify({
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: {
          name: p.name,
          namespace: p.namespace,
          ...(p.created ? { creationTimestamp: p.created } : {}),
        },
        spec: p.spec,
      }),
    )
    .join('---\n');
  const parsed = parseResources(text, 'pa.yaml');
  return createConfigSnapshot(parsed.resources, defaultMeshConfig());
}

const reviews = { app: 'reviews', version: 'v1' };
const resolve = (c: ReturnType<typeof config>, port = 9080) =>
  mtlsModeForPort(peerAuthenticationFor(c, 'istio-system', 'default', reviews), port);

test('no PeerAuthentication: PERMISSIVE (ComposePeerAuthentication initial policy)', () => {
  assert.equal(resolve(config()), 'PERMISSIVE');
  assert.equal(namespaceMtlsMode(config(), 'istio-system', 'default'), undefined);
});

test('mesh-level policy in the root namespace applies to every namespace; namespace-level overrides it', () => {
  const mesh = { name: 'default', namespace: 'istio-system', spec: { mtls: { mode: 'STRICT' } } };
  assert.equal(resolve(config(mesh)), 'STRICT');
  const ns = { name: 'ns', namespace: 'default', spec: { mtls: { mode: 'PERMISSIVE' } } };
  assert.equal(resolve(config(mesh, ns)), 'PERMISSIVE');
  // A policy in another namespace does not apply.
  const other = { name: 'x', namespace: 'other', spec: { mtls: { mode: 'DISABLE' } } };
  assert.equal(resolve(config(mesh, other)), 'STRICT');
});

test('UNSET inherits: namespace UNSET takes the mesh mode, workload UNSET the namespace mode', () => {
  const mesh = { name: 'm', namespace: 'istio-system', spec: { mtls: { mode: 'STRICT' } } };
  const nsUnset = { name: 'n', namespace: 'default', spec: { mtls: { mode: 'UNSET' } } };
  assert.equal(resolve(config(mesh, nsUnset)), 'STRICT');
  const wl = {
    name: 'w',
    namespace: 'default',
    spec: { selector: { matchLabels: { app: 'reviews' } } },
  };
  assert.equal(resolve(config(mesh, wl)), 'STRICT');
  assert.equal(namespaceMtlsMode(config(mesh, nsUnset), 'istio-system', 'default'), 'STRICT');
  // Mesh-level UNSET counts as PERMISSIVE for GetNamespaceMutualTLSMode.
  const meshUnset = { name: 'm', namespace: 'istio-system', spec: {} };
  assert.equal(namespaceMtlsMode(config(meshUnset), 'istio-system', 'default'), 'PERMISSIVE');
});

test('workload-level policy (selector) overrides; port-level overrides it, port-level UNSET inherits the workload mode', () => {
  const ns = { name: 'n', namespace: 'default', spec: { mtls: { mode: 'STRICT' } } };
  const wl = {
    name: 'w',
    namespace: 'default',
    spec: {
      selector: { matchLabels: { app: 'reviews' } },
      mtls: { mode: 'DISABLE' },
      portLevelMtls: { '9080': { mode: 'PERMISSIVE' }, '9443': { mode: 'UNSET' } },
    },
  };
  const c = config(ns, wl);
  assert.equal(resolve(c, 9080), 'PERMISSIVE');
  assert.equal(resolve(c, 9443), 'DISABLE');
  assert.equal(resolve(c, 8080), 'DISABLE');
  // Another workload in the namespace keeps the namespace mode.
  const ratings = peerAuthenticationFor(c, 'istio-system', 'default', { app: 'ratings' });
  assert.equal(mtlsModeForPort(ratings, 9080), 'STRICT');
  // Auto mTLS reads the namespace level only (BestEffortInferServiceMTLSMode).
  assert.equal(namespaceMtlsMode(c, 'istio-system', 'default'), 'STRICT');
});

test('a policy with a selector in the root namespace is ignored (neither mesh- nor workload-level)', () => {
  const rootSelector = {
    name: 'r',
    namespace: 'istio-system',
    spec: { selector: { matchLabels: { app: 'reviews' } }, mtls: { mode: 'STRICT' } },
  };
  assert.equal(resolve(config(rootSelector)), 'PERMISSIVE');
});

test('several policies at one level: the oldest wins, then the first by name', () => {
  const older = {
    name: 'zz-older',
    namespace: 'default',
    spec: { mtls: { mode: 'DISABLE' } },
    created: '2026-01-01T00:00:00Z',
  };
  const newer = {
    name: 'aa-newer',
    namespace: 'default',
    spec: { mtls: { mode: 'STRICT' } },
    created: '2026-02-01T00:00:00Z',
  };
  assert.equal(resolve(config(newer, older)), 'DISABLE');
  assert.equal(namespaceMtlsMode(config(newer, older), 'istio-system', 'default'), 'DISABLE');
  const a = { name: 'a', namespace: 'default', spec: { mtls: { mode: 'STRICT' } } };
  const b = { name: 'b', namespace: 'default', spec: { mtls: { mode: 'DISABLE' } } };
  assert.equal(resolve(config(b, a)), 'STRICT');
});

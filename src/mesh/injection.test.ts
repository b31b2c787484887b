import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResources, type Resource } from '../config/index.js';
import { injectionFor } from './injection.js';

const pod = (extra = ''): Resource =>
  parseResources(
    `apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: ns
${extra}
spec: {containers: [{name: c, image: x}]}
`,
    'p.yaml',
  ).resources[0]!;

// istio/istio pkg/kube/inject/webhook.go injectRequired plus the webhook's namespace selector.
test('a pod is injected only in a labelled namespace and when it does not opt out', () => {
  assert.equal(injectionFor(pod(), {}).inject, false);
  assert.equal(injectionFor(pod(), { 'istio-injection': 'enabled' }).inject, true);
  assert.equal(injectionFor(pod(), { 'istio.io/rev': 'canary' }).inject, true);
  assert.equal(
    injectionFor(pod(), { 'istio-injection': 'disabled', 'istio.io/rev': 'x' }).inject,
    false,
  );
  const optOut = pod('  annotations: {sidecar.istio.io/inject: "false"}');
  assert.deepEqual(injectionFor(optOut, { 'istio-injection': 'enabled' }), {
    inject: false,
    reason: 'opted-out',
  });
  // The label wins over the annotation.
  const labelled = pod(
    '  labels: {sidecar.istio.io/inject: "true"}\n  annotations: {sidecar.istio.io/inject: "false"}',
  );
  assert.equal(injectionFor(labelled, { 'istio-injection': 'enabled' }).inject, true);
});

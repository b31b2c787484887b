import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointHealth } from './endpoint-slices.js';

// istio/istio pilot/pkg/serviceregistry/kube/controller/endpointslice.go endpointHealthStatus.
test('EndpointSlice conditions -> Istio health status', () => {
  assert.equal(endpointHealth({}, false), 'Healthy');
  assert.equal(endpointHealth({ ready: true, terminating: true }, false), 'Healthy');
  assert.equal(endpointHealth({ ready: null }, false), 'Healthy');
  assert.equal(
    endpointHealth({ ready: false, serving: true, terminating: true }, false),
    'Terminating',
  );
  assert.equal(
    endpointHealth({ ready: false, serving: true, terminating: true }, true),
    'Draining',
  );
  assert.equal(
    endpointHealth({ ready: false, serving: false, terminating: true }, true),
    'Terminating',
  );
  // Unset serving/terminating count as true.
  assert.equal(endpointHealth({ ready: false }, true), 'Draining');
  assert.equal(endpointHealth({ ready: false }, false), 'Terminating');
  assert.equal(
    endpointHealth({ ready: false, serving: false, terminating: false }, true),
    'UnHealthy',
  );
});

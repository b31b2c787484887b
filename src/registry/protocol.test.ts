import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubePortProtocol, parseProtocol } from './protocol.js';

test('port name prefix picks the protocol; appProtocol wins; UDP is not HTTP', () => {
  assert.equal(kubePortProtocol('http', undefined, 'TCP'), 'http');
  assert.equal(kubePortProtocol('http-web', undefined, undefined), 'http');
  assert.equal(kubePortProtocol('grpc-api', undefined, undefined), 'grpc');
  assert.equal(kubePortProtocol('http2', undefined, undefined), 'http2');
  assert.equal(kubePortProtocol('tcp-db', undefined, undefined), 'tcp');
  assert.equal(kubePortProtocol('tls', undefined, undefined), 'tls');
  assert.equal(kubePortProtocol('https-x', undefined, undefined), 'https');
  assert.equal(kubePortProtocol('mysql', undefined, undefined), 'tcp');
  assert.equal(kubePortProtocol('web', undefined, undefined), 'unknown');
  assert.equal(kubePortProtocol(undefined, undefined, undefined), 'unknown');
  assert.equal(kubePortProtocol('http', 'tcp', undefined), 'tcp');
  assert.equal(kubePortProtocol('tcp', 'kubernetes.io/h2c', undefined), 'http2');
  assert.equal(kubePortProtocol('http', undefined, 'UDP'), 'tcp');
  assert.equal(parseProtocol('HTTPS'), 'https');
  // istio/istio pkg/config/protocol/instance.go: GRPCWeb IsGRPC and IsHTTP2 (h2 upstream).
  assert.equal(parseProtocol('GRPC-Web'), 'grpc');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveTimeoutMs, parseGrpcTimeout } from './grpc-timeout.js';

test('grpc-timeout is parsed with its unit', () => {
  assert.equal(parseGrpcTimeout('2S'), 2000);
  assert.equal(parseGrpcTimeout('100m'), 100);
  assert.equal(parseGrpcTimeout('1M'), 60_000);
  assert.equal(parseGrpcTimeout('1500u'), 2);
  assert.equal(parseGrpcTimeout('1x'), undefined);
  assert.equal(parseGrpcTimeout('123456789S'), undefined);
});

test('grpc-timeout is honoured for gRPC requests and capped by the route timeout (0 = no cap)', () => {
  assert.equal(effectiveTimeoutMs(0, 'application/grpc', '5S'), 5000);
  assert.equal(effectiveTimeoutMs(3000, 'application/grpc+proto', '5S'), 3000);
  assert.equal(effectiveTimeoutMs(3000, 'application/grpc', '1S'), 1000);
  assert.equal(effectiveTimeoutMs(3000, 'application/json', '1S'), 3000);
  assert.equal(effectiveTimeoutMs(3000, 'application/grpc', undefined), 3000);
});

// Envoy's gRPC status of a request (envoyproxy/envoy source/common/grpc/common.cc getGrpcStatus,
// status.cc httpToGrpcStatus and grpcStatusToString).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProxySnapshot } from '../../compile/snapshot.js';
import {
  formatGrpcStatus,
  grpcStatusOf,
  httpToGrpcStatus,
  parseGrpcStatus,
} from './grpc-status.js';
import { RequestContext } from './request-context.js';

test('httpToGrpcStatus maps as grpc/doc/http-grpc-status-mapping.md; anything else is Unknown', () => {
  const got = [400, 401, 403, 404, 429, 502, 503, 504, 200, 500].map(httpToGrpcStatus);
  assert.deepEqual(got, [13, 16, 7, 12, 14, 14, 14, 14, 2, 2]);
});

test('grpc-status values: non-negative integers (user-defined codes allowed), else none', () => {
  assert.equal(parseGrpcStatus('0'), 0);
  assert.equal(parseGrpcStatus(['5', '6']), 5);
  assert.equal(parseGrpcStatus('42'), 42);
  assert.equal(parseGrpcStatus('x'), undefined);
  assert.equal(parseGrpcStatus('-1'), undefined);
  assert.equal(parseGrpcStatus(undefined), undefined);
});

test('the status carried wins over the HTTP code; no response means no status; names as Envoy prints them', () => {
  const ctx = new RequestContext({} as ProxySnapshot);
  ctx.grpc = true;
  assert.equal(grpcStatusOf(ctx), undefined);
  ctx.responseCode = 503;
  assert.equal(formatGrpcStatus(ctx), 'Unavailable');
  ctx.grpcStatus = 16;
  assert.equal(formatGrpcStatus(ctx), 'Unauthenticated');
  assert.equal(formatGrpcStatus(ctx, 'NUMBER'), '16');
  ctx.grpcStatus = 99;
  assert.equal(formatGrpcStatus(ctx), '99');
  ctx.grpc = false;
  assert.equal(formatGrpcStatus(ctx), undefined);
});

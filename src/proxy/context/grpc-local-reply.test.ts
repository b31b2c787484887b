// Envoy's gRPC local replies (envoyproxy/envoy source/common/http/utility.cc prepareLocalReply):
// 200, application/grpc, grpc-status from the HTTP status unless given, body as grpc-message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentEncodeGrpcMessage, toGrpcLocalReply } from './grpc-local-reply.js';

test('a 503 local reply becomes 200 with grpc-status 14 and the body as grpc-message', () => {
  const h: Record<string, string> = { 'content-length': '19', 'content-type': 'text/plain' };
  assert.equal(toGrpcLocalReply(503, 'no healthy upstream', h, false), 200);
  assert.deepEqual(h, {
    'content-type': 'application/grpc',
    'grpc-status': '14',
    'grpc-message': 'no healthy upstream',
  });
});

test('an explicit grpc-status wins; HEAD and empty bodies carry no grpc-message', () => {
  const h: Record<string, string> = { 'grpc-status': '5' };
  toGrpcLocalReply(404, '', h, false);
  assert.equal(h['grpc-status'], '5');
  assert.equal(h['grpc-message'], undefined);
  const head: Record<string, string> = {};
  toGrpcLocalReply(404, 'x', head, true);
  assert.equal(head['grpc-status'], '12');
  assert.equal(head['grpc-message'], undefined);
});

test('grpc-message percent-encodes %, controls and non-ASCII bytes only', () => {
  assert.equal(percentEncodeGrpcMessage('a b%c\né'), 'a b%25c%0A%C3%A9');
});

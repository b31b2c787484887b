import { test } from 'node:test';
import assert from 'node:assert/strict';
import { framesShared, GrpcFrame } from './grpc-frame.js';

test('grpc-js writes shared frames as they are (its per-stream copy is skipped); a grpc-js upgrade that moves the hook fails here', () => {
  assert.equal(framesShared(), true);
});

test('a frame is the gRPC length prefix (uncompressed, big-endian length) and the message', () => {
  const f = new GrpcFrame(Buffer.from('hello'));
  assert.deepEqual([...f.bytes.subarray(0, 5)], [0, 0, 0, 0, 5]);
  assert.equal(f.message.toString(), 'hello');
});

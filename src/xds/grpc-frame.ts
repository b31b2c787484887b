// A gRPC response message already framed (the 5-byte prefix of PROTOCOL-HTTP2.md "Length-Prefixed-
// Message" + the encoded message), shared by every stream it is written to. grpc-js frames each
// response into a new buffer and copies the message into it (@grpc/grpc-js
// build/src/server-interceptors.js BaseServerInterceptingCall.serializeMessage), so one ~650 KB
// route config pushed to 200 streams allocated 130 MB of external memory per change, and V8 paid it
// back in full GCs (two thirds of the push's CPU on `npm run bench:xds`). A GrpcFrame skips that copy;
// any other value takes grpc-js's own path, and without the hook (a grpc-js that moved it) every
// frame is copied as before (framesShared() says which; a test checks it).
import { createRequire } from 'node:module';

export class GrpcFrame {
  /** The framed bytes: never mutated once built (they are written to many streams). */
  readonly bytes: Buffer;
  constructor(message: Uint8Array) {
    const bytes = Buffer.allocUnsafe(message.length + 5);
    bytes.writeUInt8(0, 0); // not compressed
    bytes.writeUInt32BE(message.length, 1);
    bytes.set(message, 5);
    this.bytes = bytes;
  }
  /** The message without its prefix (the copying path's serializer returns this). */
  get message(): Buffer {
    return this.bytes.subarray(5);
  }
}

type SerializeMessage = (this: unknown, value: unknown) => Buffer;

let shared = false;
function hook(): void {
  try {
    const interceptors = createRequire(import.meta.url)(
      '@grpc/grpc-js/build/src/server-interceptors.js',
    ) as { BaseServerInterceptingCall?: { prototype: { serializeMessage?: SerializeMessage } } };
    const proto = interceptors.BaseServerInterceptingCall?.prototype;
    const copying = proto?.serializeMessage;
    if (!proto || typeof copying !== 'function') return;
    proto.serializeMessage = function (this: unknown, value: unknown): Buffer {
      return value instanceof GrpcFrame ? value.bytes : copying.call(this, value);
    };
    shared = true;
  } catch {
    shared = false;
  }
}
hook();

/** True when grpc-js writes GrpcFrames as they are (no per-stream copy). */
export function framesShared(): boolean {
  return shared;
}

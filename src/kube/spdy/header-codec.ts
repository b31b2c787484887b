// SPDY/3 header compression: one zlib stream per direction for the whole session, primed with the
// SPDY dictionary, each header block ended by a sync flush (moby/spdystream spdy/read.go, write.go).
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { SPDY_HEADER_DICTIONARY } from './dictionary.js';

export class HeaderCodec {
  private readonly inflater: Inflate = createInflate({ dictionary: SPDY_HEADER_DICTIONARY });
  private readonly deflater: Deflate = createDeflate({ dictionary: SPDY_HEADER_DICTIONARY });
  private failure: Error | undefined;

  constructor() {
    const fail = (err: Error) => (this.failure = err);
    this.inflater.on('error', fail);
    this.deflater.on('error', fail);
  }

  /** Callers serialize: each block must go through the stream in session order. */
  inflate(block: Buffer): Promise<Buffer> {
    return flushThrough(this.inflater, block, () => this.failure);
  }

  deflate(block: Buffer): Promise<Buffer> {
    return flushThrough(this.deflater, block, () => this.failure);
  }

  close(): void {
    this.inflater.destroy();
    this.deflater.destroy();
  }
}

function flushThrough(
  z: Inflate | Deflate,
  input: Buffer,
  failure: () => Error | undefined,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    z.write(input);
    z.flush(constants.Z_SYNC_FLUSH, () => {
      const err = failure();
      if (err) {
        reject(err);
        return;
      }
      // Paused mode: everything the flush produced is buffered and read here in one piece.
      const chunks: Buffer[] = [];
      for (let c = z.read() as Buffer | null; c !== null; c = z.read() as Buffer | null)
        chunks.push(c);
      resolve(Buffer.concat(chunks));
    });
  });
}

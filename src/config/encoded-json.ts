// One JSON encoding per stored object: a large apply encodes each object (UTF-8 bytes) in its
// event-loop slices to measure it against the size limit, and the commit's write-ahead record
// reuses those bytes instead of encoding every changed object again in one block (issue #13 item 5).
import type { Resource } from './types.js';

/** Encoded bytes, kept only from the apply's slices until its commit (then released). */
const pending = new WeakMap<Resource, Buffer>();
/** Stored objects are immutable: each is measured once. */
const sizes = new WeakMap<Resource, number>();

/** The JSON of `r.raw` as UTF-8, encoded now or taken from the apply that prepared `r`. */
export function encodedJson(r: Resource): Buffer {
  let bytes = pending.get(r);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(r.raw), 'utf8');
    pending.set(r, bytes);
  }
  if (!sizes.has(r)) sizes.set(r, bytes.length);
  return bytes;
}

/** The JSON size in bytes of `r.raw`. */
export function encodedSize(r: Resource): number {
  const n = sizes.get(r);
  if (n !== undefined) return n;
  encodedJson(r);
  return sizes.get(r)!;
}

/** Drops the kept bytes once the commit is durable: the store does not hold every object twice. */
export function releaseEncodedJson(r: Resource): void {
  pending.delete(r);
}

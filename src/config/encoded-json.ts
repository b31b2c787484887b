// One JSON encoding per stored object: a large apply encodes each object in its event-loop slices
// (to measure it against the size limit), and the commit's write-ahead record reuses that text
// instead of stringifying every changed object again in one block (issue #13 item 5).
import type { Resource } from './types.js';

/** Encoded text, kept only from the apply's slices until its commit (then released). */
const pending = new WeakMap<Resource, string>();
/** Stored objects are immutable: each is measured once. */
const sizes = new WeakMap<Resource, number>();

/** The JSON text of `r.raw`, encoded now or taken from the apply that prepared `r`. */
export function encodedJson(r: Resource): string {
  let text = pending.get(r);
  if (text === undefined) {
    text = JSON.stringify(r.raw);
    pending.set(r, text);
  }
  if (!sizes.has(r)) sizes.set(r, Buffer.byteLength(text));
  return text;
}

/** The JSON size in bytes of `r.raw`. */
export function encodedSize(r: Resource): number {
  const n = sizes.get(r);
  if (n !== undefined) return n;
  encodedJson(r);
  return sizes.get(r)!;
}

/** Drops the kept text once the commit is durable: the store does not hold every object twice. */
export function releaseEncodedJson(r: Resource): void {
  pending.delete(r);
}

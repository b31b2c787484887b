// SPDY/3.1 frame layout, server side: what kubectl's spdystream client sends (SYN_STREAM, DATA,
// RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE) and what a server answers (SYN_REPLY, DATA,
// PING, GOAWAY). Layout per draft-mbelshe-httpbis-spdy-00 section 2.2 and moby/spdystream spdy/types.go.

export const SPDY_VERSION = 3;

/** Control frame types (moby/spdystream spdy/types.go). */
export const FrameType = {
  SynStream: 1,
  SynReply: 2,
  RstStream: 3,
  Settings: 4,
  Ping: 6,
  GoAway: 7,
  Headers: 8,
  WindowUpdate: 9,
} as const;

export const FLAG_FIN = 0x01;

/** RST_STREAM status codes (spdy/types.go RstStreamStatus). */
export const RstStatus = {
  ProtocolError: 1,
  InvalidStream: 2,
  RefusedStream: 3,
  Cancel: 5,
} as const;

export type Frame =
  | { kind: 'data'; streamId: number; flags: number; data: Buffer }
  | { kind: 'control'; type: number; flags: number; payload: Buffer };

/** Splits complete frames off the front of a buffer; returns them and the unconsumed rest. */
export function readFrames(buf: Buffer): { frames: Frame[]; rest: Buffer } {
  const frames: Frame[] = [];
  let off = 0;
  while (buf.length - off >= 8) {
    const length = buf.readUIntBE(off + 5, 3);
    if (buf.length - off < 8 + length) break;
    const flags = buf[off + 4] ?? 0;
    const body = buf.subarray(off + 8, off + 8 + length);
    if ((buf[off] ?? 0) & 0x80) {
      frames.push({ kind: 'control', type: buf.readUInt16BE(off + 2), flags, payload: body });
    } else {
      frames.push({
        kind: 'data',
        streamId: buf.readUInt32BE(off) & 0x7fffffff,
        flags,
        data: body,
      });
    }
    off += 8 + length;
  }
  return { frames, rest: buf.subarray(off) };
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(type, 2);
  head[4] = flags;
  head.writeUIntBE(payload.length, 5, 3);
  return Buffer.concat([head, payload]);
}

export function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head[4] = flags;
  head.writeUIntBE(data.length, 5, 3);
  return Buffer.concat([head, data]);
}

export function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
}

/** A decompressed SPDY/3 name/value block: count, then length-prefixed names and values (32-bit). */
export function decodeHeaderBlock(block: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  if (block.length < 4) return out;
  const count = block.readUInt32BE(0);
  let off = 4;
  for (let i = 0; i < count && off + 4 <= block.length; i++) {
    const nl = block.readUInt32BE(off);
    const name = block.subarray(off + 4, off + 4 + nl).toString('utf8');
    off += 4 + nl;
    if (off + 4 > block.length) break;
    const vl = block.readUInt32BE(off);
    // Several values of one name are NUL-separated; the first is the one Header.Get returns.
    const value = block.subarray(off + 4, off + 4 + vl).toString('utf8');
    off += 4 + vl;
    out.set(name.toLowerCase(), value.split('\0')[0] ?? '');
  }
  return out;
}

/** Encodes a name/value block; names lower-cased as SPDY/3 requires (spdystream rejects others). */
export function encodeHeaderBlock(headers: ReadonlyMap<string, string>): Buffer {
  const parts: Buffer[] = [u32(headers.size)];
  for (const [name, value] of headers) {
    const n = Buffer.from(name.toLowerCase());
    const v = Buffer.from(value);
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

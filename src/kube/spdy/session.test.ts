// SPDY/3.1 server framing as kubectl's spdystream client expects it (draft-mbelshe-httpbis-spdy-00
// section 2; moby/spdystream connection.go): every client stream gets a SYN_REPLY, DATA reaches the
// stream, FIN ends it, PINGs come back unchanged, close() sends GOAWAY. A client built here from zlib
// with the SPDY dictionary plays kubectl's part (interop with real kubectl is test/kube-pod-streams).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createDeflate, createInflate } from 'node:zlib';
import { SPDY_HEADER_DICTIONARY } from './dictionary.js';
import {
  FLAG_FIN,
  FrameType,
  controlFrame,
  dataFrame,
  decodeHeaderBlock,
  encodeHeaderBlock,
  readFrames,
  u32,
  type Frame,
} from './frames.js';
import { SpdySession, type SpdyStream } from './session.js';

function zlibOnce(z: ReturnType<typeof createDeflate>, input: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    z.write(input);
    z.flush(constants.Z_SYNC_FLUSH, () => {
      const out: Buffer[] = [];
      for (let c = z.read() as Buffer | null; c; c = z.read() as Buffer | null) out.push(c);
      resolve(Buffer.concat(out));
    });
  });
}

/** kubectl's side: compresses SYN_STREAM headers on one zlib stream, reads the server's frames. */
function client() {
  const deflate = createDeflate({ dictionary: SPDY_HEADER_DICTIONARY });
  const inflate = createInflate({ dictionary: SPDY_HEADER_DICTIONARY });
  const received: Frame[] = [];
  let pending = Buffer.alloc(0);
  let ended = false;
  const streams: SpdyStream[] = [];
  const session = new SpdySession(
    {
      write: (b) => {
        const { frames, rest } = readFrames(Buffer.concat([pending, b]));
        pending = Buffer.from(rest);
        received.push(...frames);
      },
      end: () => (ended = true),
    },
    (s) => streams.push(s),
  );
  return {
    session,
    received,
    streams,
    ended: () => ended,
    async synStream(id: number, headers: Record<string, string>, flags = 0): Promise<Buffer> {
      const block = await zlibOnce(deflate, encodeHeaderBlock(new Map(Object.entries(headers))));
      return controlFrame(
        FrameType.SynStream,
        flags,
        Buffer.concat([u32(id, 0), Buffer.from([0, 0]), block]),
      );
    },
    inflate: (b: Buffer) => zlibOnce(inflate as unknown as ReturnType<typeof createDeflate>, b),
  };
}

const settle = () => new Promise((r) => setTimeout(r, 20));
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await settle();
}

test('readFrames keeps a frame split across reads until it is whole', () => {
  const frame = dataFrame(3, FLAG_FIN, Buffer.from('hello'));
  const first = readFrames(frame.subarray(0, 6));
  assert.equal(first.frames.length, 0);
  const second = readFrames(Buffer.concat([first.rest, frame.subarray(6)]));
  assert.deepEqual(second.frames, [
    { kind: 'data', streamId: 3, flags: FLAG_FIN, data: Buffer.from('hello') },
  ]);
  assert.equal(second.rest.length, 0);
});

test('header blocks: lower-case names, NUL-separated values give the first (Header.Get)', () => {
  const block = encodeHeaderBlock(new Map([['StreamType', 'error\0other']]));
  assert.deepEqual([...decodeHeaderBlock(block)], [['streamtype', 'error']]);
});

test('a client stream gets a SYN_REPLY with an empty header block, then its DATA', async () => {
  const c = client();
  c.session.receive(await c.synStream(1, { streamtype: 'stdout' }));
  c.session.receive(await c.synStream(3, { streamtype: 'stdin', port: '80' }));
  await until(() => c.streams.length === 2 && c.received.length === 2);
  assert.equal(c.streams[0]?.header('streamType'), 'stdout');
  assert.equal(c.streams[1]?.header('PORT'), '80');
  const replies = c.received.filter((f) => f.kind === 'control' && f.type === FrameType.SynReply);
  assert.equal(replies.length, 2);
  const first = replies[0] as Extract<Frame, { kind: 'control' }>;
  assert.equal(first.payload.readUInt32BE(0), 1);
  // The reply's header block inflates (same zlib stream for both replies) to zero pairs.
  assert.deepEqual(await c.inflate(first.payload.subarray(4)), u32(0));

  const got: string[] = [];
  let ended = false;
  c.streams[1]?.onData((b) => got.push(b.toString()));
  c.streams[1]?.onEnd(() => (ended = true));
  c.session.receive(dataFrame(3, 0, Buffer.from('ab')));
  c.session.receive(dataFrame(3, FLAG_FIN, Buffer.from('c')));
  await until(() => ended);
  assert.deepEqual(got, ['ab', 'c']);

  c.streams[0]?.write(Buffer.from('out'));
  c.streams[0]?.end();
  await until(() => c.received.length === 4);
  assert.deepEqual(c.received.slice(2), [
    { kind: 'data', streamId: 1, flags: 0, data: Buffer.from('out') },
    { kind: 'data', streamId: 1, flags: FLAG_FIN, data: Buffer.alloc(0) },
  ]);
});

test('PING is echoed; SETTINGS and WINDOW_UPDATE are ignored; close() sends GOAWAY and ends', async () => {
  const c = client();
  c.session.receive(controlFrame(FrameType.Settings, 0, u32(0)));
  c.session.receive(controlFrame(FrameType.WindowUpdate, 0, u32(0, 1000)));
  c.session.receive(controlFrame(FrameType.Ping, 0, u32(7)));
  await until(() => c.received.length === 1);
  assert.deepEqual(c.received[0], {
    kind: 'control',
    type: FrameType.Ping,
    flags: 0,
    payload: u32(7),
  });
  let closed = false;
  c.session.onClose(() => (closed = true));
  c.session.close();
  await until(() => closed);
  assert.equal((c.received[1] as { type: number }).type, FrameType.GoAway);
  assert.ok(c.ended());
});

test('the transport closing ends every open stream', async () => {
  const c = client();
  c.session.receive(await c.synStream(1, { streamtype: 'data' }));
  await until(() => c.streams.length === 1);
  let ended = false;
  c.streams[0]?.onEnd(() => (ended = true));
  c.session.transportClosed();
  assert.ok(ended);
});

// A SPDY/3.1 server session as the kubelet's httpstream/spdy side runs it: the client opens every
// stream (SYN_STREAM), the server replies to each at once (SYN_REPLY with no headers, as
// k8s.io/apimachinery pkg/util/httpstream/spdy/connection.go newStreamHandler does), PINGs are echoed,
// flow control is not enforced (moby/spdystream sends no WINDOW_UPDATE and ignores them).
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
import { HeaderCodec } from './header-codec.js';

/** The byte pipe a session runs over: a raw upgraded socket, or a WebSocket tunnel. */
export interface SpdyTransport {
  write(bytes: Buffer): void;
  /** Ends the connection after what was written. */
  end(): void;
}

/** The largest DATA frame we send (spdystream reads any size up to 2^24-1). */
const MAX_DATA = 32 * 1024;

export class SpdyStream {
  private readonly dataListeners: ((b: Buffer) => void)[] = [];
  private readonly endListeners: (() => void)[] = [];
  private remoteEnded = false;
  private localEnded = false;

  constructor(
    readonly id: number,
    /** Request headers, names lower-cased (`streamtype`, `port`, `requestid`). */
    readonly headers: ReadonlyMap<string, string>,
    private readonly session: SpdySession,
  ) {}

  header(name: string): string | undefined {
    return this.headers.get(name.toLowerCase());
  }

  onData(fn: (b: Buffer) => void): void {
    this.dataListeners.push(fn);
  }

  /** The client finished sending (FIN), reset the stream, or the connection went away. */
  onEnd(fn: () => void): void {
    if (this.remoteEnded) fn();
    else this.endListeners.push(fn);
  }

  write(data: Buffer): void {
    if (this.localEnded) return;
    for (let off = 0; off < data.length; off += MAX_DATA)
      this.session.send(dataFrame(this.id, 0, data.subarray(off, off + MAX_DATA)));
  }

  /** Half-closes our side: an empty DATA frame with FIN. */
  end(): void {
    if (this.localEnded) return;
    this.localEnded = true;
    this.session.send(dataFrame(this.id, FLAG_FIN, Buffer.alloc(0)));
  }

  /** @internal */
  received(data: Buffer): void {
    if (data.length > 0) for (const fn of this.dataListeners) fn(data);
  }

  /** @internal */
  remoteEnd(): void {
    if (this.remoteEnded) return;
    this.remoteEnded = true;
    for (const fn of this.endListeners.splice(0)) fn();
  }

  /** @internal */
  closed(): void {
    this.localEnded = true;
    this.remoteEnd();
  }
}

export class SpdySession {
  private readonly codec = new HeaderCodec();
  private readonly streams = new Map<number, SpdyStream>();
  private pending: Buffer = Buffer.alloc(0);
  private inbound: Promise<void> = Promise.resolve();
  private outbound: Promise<void> = Promise.resolve();
  private ended = false;
  private readonly closeListeners: (() => void)[] = [];
  /** Streams this side opens (the client role, e.g. `switchyard port-forward`) take odd ids. */
  private nextStreamId = 1;

  constructor(
    private readonly transport: SpdyTransport,
    private readonly onStream: (stream: SpdyStream) => void,
  ) {}

  /** Bytes from the transport, in order. */
  receive(bytes: Buffer): void {
    if (this.ended) return;
    const { frames, rest } = readFrames(
      this.pending.length ? Buffer.concat([this.pending, bytes]) : bytes,
    );
    this.pending = Buffer.from(rest);
    for (const frame of frames)
      this.inbound = this.inbound.then(() => this.handle(frame)).catch(() => this.close());
  }

  /** The transport closed: every stream ends. */
  transportClosed(): void {
    if (this.ended) return;
    this.ended = true;
    for (const s of this.streams.values()) s.closed();
    this.streams.clear();
    this.codec.close();
    for (const fn of this.closeListeners.splice(0)) fn();
  }

  onClose(fn: () => void): void {
    if (this.ended) fn();
    else this.closeListeners.push(fn);
  }

  /** Sends GOAWAY after everything queued and ends the transport. */
  close(): void {
    if (this.ended) return;
    this.send(controlFrame(FrameType.GoAway, 0, u32(0, 0)));
    this.outbound = this.outbound.then(() => this.transport.end());
    void this.outbound.then(() => this.transportClosed());
  }

  /** Opens a stream (client role): SYN_STREAM with these headers; the peer's SYN_REPLY is awaited by nobody. */
  openStream(headers: ReadonlyMap<string, string>): SpdyStream {
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = new SpdyStream(id, headers, this);
    this.streams.set(id, stream);
    this.send(async () =>
      controlFrame(
        FrameType.SynStream,
        0,
        Buffer.concat([
          u32(id, 0),
          Buffer.from([0, 0]),
          await this.codec.deflate(encodeHeaderBlock(headers)),
        ]),
      ),
    );
    return stream;
  }

  /** @internal Queues bytes behind earlier frames (a SYN_REPLY still being compressed goes first). */
  send(bytes: Buffer | (() => Promise<Buffer>)): void {
    if (this.ended) return;
    this.outbound = this.outbound
      .then(async () => {
        const b = typeof bytes === 'function' ? await bytes() : bytes;
        if (!this.ended) this.transport.write(b);
      })
      .catch(() => this.transportClosed());
  }

  private async handle(frame: Frame): Promise<void> {
    if (frame.kind === 'data') {
      const stream = this.streams.get(frame.streamId);
      if (!stream) return;
      stream.received(frame.data);
      if (frame.flags & FLAG_FIN) stream.remoteEnd();
      return;
    }
    const p = frame.payload;
    switch (frame.type) {
      case FrameType.SynStream: {
        const id = p.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaderBlock(await this.codec.inflate(p.subarray(10)));
        const stream = new SpdyStream(id, headers, this);
        this.streams.set(id, stream);
        this.send(async () =>
          controlFrame(
            FrameType.SynReply,
            0,
            Buffer.concat([u32(id), await this.codec.deflate(encodeHeaderBlock(new Map()))]),
          ),
        );
        this.onStream(stream);
        if (frame.flags & FLAG_FIN) stream.remoteEnd();
        return;
      }
      case FrameType.SynReply:
      case FrameType.Headers:
        // Header blocks share the session's zlib stream: inflate to keep it in step.
        await this.codec.inflate(p.subarray(4));
        return;
      case FrameType.RstStream: {
        const id = p.readUInt32BE(0) & 0x7fffffff;
        this.streams.get(id)?.closed();
        this.streams.delete(id);
        return;
      }
      case FrameType.Ping:
        this.send(controlFrame(FrameType.Ping, 0, Buffer.from(p)));
        return;
      case FrameType.GoAway:
        this.close();
        return;
      default:
        // SETTINGS, WINDOW_UPDATE: spdystream's own server ignores them too.
        return;
    }
  }
}

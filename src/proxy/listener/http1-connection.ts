// One plaintext downstream HTTP/1.x connection on the raw codec (http1/head-parser.ts): the head
// read once as a latin1 string, the request adapted straight into the protocol-neutral model and the
// response head written as one string, with per-connection state reused across keep-alive requests
// instead of node:http's IncomingMessage/ServerResponse per request (docs/performance.md).
// Requests are served one at a time in order (pipelined ones wait in the buffer). Upgrades and
// CONNECT are handed, with their bytes, to the node:http server that serves them today.
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { Clock, TimerHandle } from '../../runtime/clock.js';
import { LOCAL_REPLIES, type LocalReply } from '../context/local-reply.js';
import type { DownstreamRequest, HttpProtocol, ResponseSink } from '../context/request-model.js';
import { HOP_BY_HOP, type HeaderMap } from '../filters/headers.js';
import { ChunkedScanner } from '../http1/chunked-scanner.js';
import { HeadError } from '../http1/head-error.js';
import { parseRequestHead, type RequestHead } from '../http1/head-parser.js';
import { isWritableValue } from '../http1/head-writer.js';
import {
  MAX_REQUEST_HEADERS_COUNT,
  MAX_REQUEST_HEADERS_KB,
  NODE_MAX_HEADER_SIZE,
} from './connection-limits.js';
import type { DownstreamConnection } from './node-exchange.js';

/** What a raw HTTP/1 connection needs from the proxy. */
export interface Http1ConnectionHost {
  readonly clock: Clock;
  readonly requestHeadersTimeoutMs: number;
  readonly connectionIdleTimeoutMs: number;
  /** Draining: every response says `Connection: close`. */
  draining(): boolean;
  /** Serves one request (HttpConnectionManager.handleRequest). */
  handle(request: DownstreamRequest, sink: ResponseSink, conn: DownstreamConnection): void;
  /** A head the codec refuses, or none in time: answer, log, close (HttpConnectionManager.refuse). */
  refuse(socket: Socket, reply: LocalReply, details?: string): void;
  /** Upgrades and CONNECT: the socket, with the bytes not consumed yet, goes to node:http. */
  handOff(socket: Socket, rest: Buffer): void;
  onClosed(conn: Http1Connection): void;
}

// The head is bounded as node:http bounds it today (connection-limits.ts), so the connection
// manager's 100-header / 60 KiB check answers 431 with the request line logged; the codec's own
// refusal stays for heads beyond that.
const LIMITS = Object.freeze({
  maxHeadersCount: MAX_REQUEST_HEADERS_COUNT * 40,
  maxHeadersBytes: NODE_MAX_HEADER_SIZE,
});

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

// RFC 9110 §15 reason phrases Node writes; others get none.
const REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  206: 'Partial Content',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

let dateSecond = -1;
let dateText = '';
function httpDate(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec !== dateSecond) {
    dateSecond = sec;
    dateText = new Date(sec * 1000).toUTCString();
  }
  return dateText;
}

function uncork(sock: Socket): void {
  sock.uncork();
}

/** The request model over a parsed head; the body streams from the connection. */
class Http1Request implements DownstreamRequest {
  readonly method: string;
  readonly protocol: HttpProtocol;
  readonly target: string;
  readonly authority: string;
  readonly headers: HeaderMap = Object.create(null) as HeaderMap;
  teTrailers = false;
  contentLength: string | undefined;
  transferEncoding: string | undefined;
  readonly upgrade = undefined;
  readonly upgradeField = undefined;
  readonly defect = undefined;
  readonly hasBody: boolean;
  complete: boolean;
  private stream: Readable | undefined;
  /** Set by the connection when the body stream wants more. */
  onPull: (() => void) | undefined;

  constructor(
    readonly head: RequestHead,
    private readonly socket: Socket,
  ) {
    this.method = head.method;
    this.protocol = head.versionMinor === 0 ? 'HTTP/1.0' : 'HTTP/1.1';
    this.target = head.form === 'absolute' ? head.target : head.path;
    this.authority = head.authority;
    const out = this.headers;
    const { names, values } = head;
    let connectionTokens: string[] | undefined;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const value = values[i]!;
      if (HOP_BY_HOP.has(name) || name === 'expect') {
        if (name === 'connection') {
          for (const t of value.split(',')) {
            const tok = t.trim().toLowerCase();
            if (tok && tok !== 'close' && tok !== 'keep-alive') (connectionTokens ??= []).push(tok);
          }
        } else if (name === 'te') {
          if (!this.teTrailers)
            this.teTrailers = value.split(',').some((t) => t.trim() === 'trailers');
        } else if (name === 'transfer-encoding') this.transferEncoding = value;
        continue;
      }
      if (name === 'content-length') this.contentLength ??= value;
      const prev = out[name];
      if (prev === undefined) out[name] = value;
      else if (Array.isArray(prev)) prev.push(value);
      else out[name] = [prev, value];
    }
    if (connectionTokens) for (const t of connectionTokens) delete out[t];
    this.hasBody = head.framing === 'chunked' || head.framing === 'length';
    this.complete = !this.hasBody;
  }

  /** 431 over Envoy's header count or size (connection-limits.ts: names and values only). */
  headerLimit(): 'http1.too_many_headers' | 'http1.headers_too_large' | undefined {
    const { names, values } = this.head;
    if (names.length > MAX_REQUEST_HEADERS_COUNT) return 'http1.too_many_headers';
    let bytes = 0;
    for (let i = 0; i < names.length; i++) bytes += names[i]!.length + values[i]!.length;
    return bytes > MAX_REQUEST_HEADERS_KB * 1024 ? 'http1.headers_too_large' : undefined;
  }

  get body(): Readable {
    if (!this.stream) {
      this.stream = new Readable({ read: () => this.onPull?.() });
      if (this.complete) this.stream.push(null);
    }
    return this.stream;
  }

  /** Body bytes from the connection; false when the reader is behind. */
  pushBody(chunk: Buffer): boolean {
    return this.body.push(chunk);
  }

  endBody(): void {
    this.complete = true;
    this.stream?.push(null);
  }

  abortBody(): void {
    if (!this.complete) this.stream?.destroy(new Error('aborted'));
  }

  bodyComplete(): boolean {
    return this.complete;
  }

  connectionBytesRead(): number {
    return this.socket.bytesRead;
  }
}

/** The response of one request, written to the connection's socket. */
class Http1Sink implements ResponseSink {
  headersSent = false;
  ended = false;
  finished = false;
  keepAlive: boolean;
  private chunked = false;
  private noBody: boolean;
  private closeFns: (() => void)[] | undefined;
  closed = false;

  constructor(
    private readonly c: Http1Connection,
    private readonly socket: Socket,
    readonly protocol: HttpProtocol,
    private readonly method: string,
    keepAlive: boolean,
  ) {
    this.keepAlive = keepAlive;
    this.noBody = method === 'HEAD';
  }

  closeAfterResponse(): void {
    this.keepAlive = false;
  }

  writeHead(status: number, headers: HeaderMap): void {
    if (this.headersSent) return;
    const noBody = this.noBody || status === 204 || status === 304 || status < 200;
    let s = `HTTP/1.1 ${status} ${REASONS[status] ?? ''}\r\n`;
    let hasLength = false;
    let hasDate = false;
    for (const k in headers) {
      const v = headers[k];
      if (v === undefined) continue;
      if (k === 'content-length') hasLength = true;
      else if (k === 'date') hasDate = true;
      if (Array.isArray(v)) {
        for (const x of v) {
          if (!isWritableValue(x)) throw new Error(`invalid header value for ${k}`);
          s += k + ': ' + x + '\r\n';
        }
      } else {
        if (!isWritableValue(v)) throw new Error(`invalid header value for ${k}`);
        s += k + ': ' + v + '\r\n';
      }
    }
    if (!hasDate) s += `date: ${httpDate(this.c.clock.now())}\r\n`;
    if (!hasLength && !noBody) {
      // No length: chunked on HTTP/1.1, to the close on HTTP/1.0 (RFC 9112 §6.3).
      if (this.protocol === 'HTTP/1.1') {
        this.chunked = true;
        s += 'transfer-encoding: chunked\r\n';
      } else this.keepAlive = false;
    }
    if (this.c.draining()) this.keepAlive = false;
    if (!this.keepAlive) s += 'connection: close\r\n';
    else if (this.protocol === 'HTTP/1.0') s += 'connection: keep-alive\r\n';
    this.noBody = noBody;
    this.headersSent = true;
    this.corkTick();
    this.socket.write(s + '\r\n', 'latin1');
  }

  writeHeadersOnly(): boolean {
    return false;
  }

  flushHeaders(): void {
    // The head went to the socket in writeHead; the corked tick sends it.
  }

  corkTick(): void {
    const sock = this.socket;
    if (!sock.writableCorked) {
      sock.cork();
      process.nextTick(uncork, sock);
    }
  }

  write(chunk: Buffer): boolean {
    if (this.ended || this.noBody || chunk.length === 0) return true;
    if (this.chunked) {
      this.socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      this.socket.write(chunk);
      return this.socket.write('\r\n', 'latin1');
    }
    return this.socket.write(chunk);
  }

  onDrain(fn: () => void): void {
    this.socket.once('drain', fn);
  }

  addTrailers(): void {
    // HTTP/1 drops trailers (Envoy's codec without enable_trailers).
  }

  end(body?: string | Buffer): void {
    if (this.ended) return;
    if (!this.headersSent) this.writeHead(200, Object.create(null) as HeaderMap);
    if (body !== undefined && body.length > 0 && !this.noBody) {
      const buf = typeof body === 'string' ? Buffer.from(body) : body;
      this.write(buf);
    }
    if (this.chunked) this.socket.write('0\r\n\r\n', 'latin1');
    this.ended = true;
    this.finished = true;
    this.c.responseEnded(this);
  }

  destroy(): void {
    this.keepAlive = false;
    this.socket.destroy();
  }

  reset(): void {
    this.destroy();
  }

  /** The response closes the connection (closeAfterResponse) when the body is still arriving. */
  stopRequest(): void {}

  onClose(fn: () => void): void {
    (this.closeFns ??= []).push(fn);
  }

  /** The response is done or the connection closed: the close callbacks run once. */
  fireClose(): void {
    if (this.closed) return;
    this.closed = true;
    const fns = this.closeFns;
    this.closeFns = undefined;
    if (fns) for (const fn of fns) fn();
  }

  takeTunnel(): undefined {
    return undefined;
  }
}

function fireClose(sink: Http1Sink): void {
  sink.fireClose();
}

export class Http1Connection {
  private buf: Buffer | undefined;
  private request: Http1Request | undefined;
  private sink: Http1Sink | undefined;
  /** Body framing of the request being read. */
  private remaining = 0;
  private scanner: ChunkedScanner | undefined;
  private readonly ranges: number[] = [];
  private headerTimer: TimerHandle | undefined;
  private idleTimer: TimerHandle | undefined;
  private done = false;
  readonly clock: Clock;

  constructor(
    private readonly socket: Socket,
    private readonly host: Http1ConnectionHost,
    private readonly conn: DownstreamConnection,
  ) {
    this.clock = host.clock;
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    // Node's headersTimeout runs from the connection's start for its first request.
    this.armHeaderTimer();
  }

  /** Starts with bytes already read (the protocol sniff's). */
  start(first: Buffer): void {
    if (first.length > 0) this.onData(first);
    this.socket.resume();
  }

  draining(): boolean {
    return this.host.draining();
  }

  /** Closes the connection when no request is in flight (shutdown sweep). */
  closeIdle(): void {
    if (!this.sink) this.socket.destroy();
  }

  private armHeaderTimer(): void {
    const ms = this.host.requestHeadersTimeoutMs;
    if (this.headerTimer || ms <= 0) return;
    this.headerTimer = this.clock.setTimer(ms, () => {
      this.headerTimer = undefined;
      if (this.sink || this.done) return;
      this.finishWith(LOCAL_REPLIES.request_header_timeout);
    });
  }

  /** Envoy's connection idle_timeout: one timer per idle period, re-armed for what is left. */
  private armIdleTimer(): void {
    const ms = this.host.connectionIdleTimeoutMs;
    if (ms <= 0) return;
    this.idleSince = this.clock.monotonic();
    if (!this.idleTimer) this.idleTimer = this.clock.setTimer(ms, this.onIdleTimer);
  }

  private idleSince = 0;
  private readonly onIdleTimer = (): void => {
    this.idleTimer = undefined;
    if (this.done || this.sink || this.buf) return; // busy: armed again when idle
    const left = this.host.connectionIdleTimeoutMs - (this.clock.monotonic() - this.idleSince);
    if (left > 0) this.idleTimer = this.clock.setTimer(left, this.onIdleTimer);
    else this.socket.destroy();
  };

  private finishWith(reply: LocalReply, details?: string): void {
    this.done = true;
    this.detach();
    this.host.refuse(this.socket, reply, details);
  }

  private detach(): void {
    this.socket.off('data', this.onData);
    this.headerTimer?.cancel();
    this.headerTimer = undefined;
    this.idleTimer?.cancel();
    this.idleTimer = undefined;
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.done) return;
    const req = this.request;
    if (req && !req.complete) {
      this.body(req, chunk, 0);
      return;
    }
    this.append(chunk);
    // A pipelined request waits for the response in flight; the socket stops reading meanwhile.
    if (this.sink) {
      if ((this.buf?.length ?? 0) > 65_536) this.socket.pause();
      return;
    }
    this.next();
  };

  /**
   * Adds bytes to the unparsed buffer in a backing store that doubles, so a head trickled in small
   * reads costs linear copying, not quadratic (the common single-read head is not copied at all).
   */
  private append(chunk: Buffer): void {
    const buf = this.buf;
    if (!buf) {
      this.buf = chunk;
      return;
    }
    const need = buf.length + chunk.length;
    let store = this.store;
    if (
      !store ||
      buf.buffer !== store.buffer ||
      buf.byteOffset !== store.byteOffset ||
      need > store.length
    ) {
      store = Buffer.allocUnsafe(Math.max(need, buf.length * 2, 4096));
      buf.copy(store, 0);
      this.store = store;
    }
    chunk.copy(store, buf.length);
    this.buf = store.subarray(0, need);
  }

  private store: Buffer | undefined;
  /** Bytes of the buffer the head parser already scanned without finding the head's end. */
  private headSeen = 0;

  /** Parses and serves the next request in the buffer, if a whole head is there. */
  private next(): void {
    const buf = this.buf;
    if (!buf || buf.length === 0) {
      this.buf = undefined;
      this.armIdleTimer();
      return;
    }
    const head = parseRequestHead(buf, 0, LIMITS, this.headSeen);
    if (head === undefined) {
      // Node's headersTimeout for a later request runs from its first bytes.
      this.armHeaderTimer();
      this.headSeen = buf.length;
      return;
    }
    this.headSeen = 0;
    if (head instanceof HeadError) {
      // Envoy's 431 for a head over the limits; every other refusal is a 400 with the codec's
      // details, as the connection manager answered llhttp's (request-checks.ts).
      const reply =
        head.status === 431 ? LOCAL_REPLIES.request_headers_too_large : LOCAL_REPLIES.bad_request;
      return this.finishWith(reply, head.detail);
    }
    this.headerTimer?.cancel();
    this.headerTimer = undefined;
    if (head.upgrade || head.method === 'CONNECT') {
      // WebSocket, h2c and CONNECT keep their node:http paths (upgrade.ts, connect-tunnel.ts).
      this.done = true;
      this.detach();
      this.socket.off('close', this.onClose);
      this.host.onClosed(this);
      this.buf = undefined;
      this.host.handOff(this.socket, buf);
      return;
    }
    const rest = head.headLength < buf.length ? buf.subarray(head.headLength) : undefined;
    this.buf = undefined;
    const req = new Http1Request(head, this.socket);
    const sink = new Http1Sink(this, this.socket, req.protocol, head.method, head.keepAlive);
    this.request = req;
    this.sink = sink;
    req.onPull = this.onPull;
    if (head.framing === 'length') this.remaining = head.contentLength;
    else if (head.framing === 'chunked') this.scanner = new ChunkedScanner();
    // Expect: 100-continue is answered by the proxy, as Node's server and Envoy's codec do.
    if (!req.complete && head.versionMinor === 1 && head.names.includes('expect')) {
      const i = head.names.indexOf('expect');
      if (head.values[i]?.toLowerCase() === '100-continue') this.socket.write(CONTINUE, 'latin1');
    }
    this.host.handle(req, sink, this.conn);
    if (rest) {
      if (!req.complete) this.body(req, rest, 0);
      else this.buf = rest;
    }
  }

  private readonly onPull = (): void => {
    if (this.socket.isPaused()) this.socket.resume();
  };

  /** Body bytes of the request being read; what follows it waits in the buffer. */
  private body(req: Http1Request, chunk: Buffer, at: number): void {
    let more = true;
    let end = chunk.length;
    if (this.scanner) {
      const ranges = this.ranges;
      ranges.length = 0;
      const stop = this.scanner.scan(chunk, at, chunk.length, ranges);
      if (stop < 0) {
        // A broken chunked body: the request cannot complete; the connection closes.
        req.abortBody();
        this.socket.destroy();
        return;
      }
      for (let k = 0; k < ranges.length; k += 2)
        more = req.pushBody(chunk.subarray(ranges[k], ranges[k + 1])) && more;
      if (this.scanner.done) {
        this.scanner = undefined;
        req.endBody();
      }
      end = stop;
    } else {
      const take = Math.min(this.remaining, chunk.length - at);
      this.remaining -= take;
      more = req.pushBody(chunk.subarray(at, at + take));
      end = at + take;
      if (this.remaining === 0) req.endBody();
    }
    if (end < chunk.length) this.buf = chunk.subarray(end);
    if (!more) this.socket.pause();
  }

  /** The response was written: the next request, or the close. */
  responseEnded(sink: Http1Sink): void {
    if (sink !== this.sink) return;
    const req = this.request;
    // A request whose body was not read to its end cannot be followed by another on this connection.
    const reusable = sink.keepAlive && !!req?.complete && !this.host.draining();
    this.sink = undefined;
    this.request = undefined;
    process.nextTick(fireClose, sink);
    if (!reusable) {
      this.done = true;
      this.detach();
      this.socket.end();
      return;
    }
    if (this.socket.isPaused()) this.socket.resume();
    this.next();
  }

  private readonly onClose = (): void => {
    this.done = true;
    this.detach();
    const sink = this.sink;
    this.sink = undefined;
    this.request?.abortBody();
    this.request = undefined;
    if (sink) sink.fireClose();
    this.host.onClosed(this);
  };
}

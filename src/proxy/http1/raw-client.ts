// One raw HTTP/1.1 upstream connection (plain TCP) driven through undici's dispatch/handler API, so
// the router, mirror and upgrade paths keep one calling convention while a plaintext HTTP/1.1
// cluster pays no undici or node:http object machinery per request (docs/performance.md: the head
// written with one write, the response head parsed once by head-parser.ts, listeners installed
// once per socket, a controller reused across requests). TLS origination and HTTP/2 stay on undici.
import { createConnection, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Clock, TimerHandle } from '../../runtime/clock.js';
import type { LookupFunction } from '../upstream/dns-lookup.js';
import { ChunkedScanner } from './chunked-scanner.js';
import { HeadError } from './head-error.js';
import { parseResponseHead, isTokenChar, type ResponseHead } from './head-parser.js';
import { isWritableValue } from './head-writer.js';
import { formatHostPort } from '../../units/index.js';

type Handler = Dispatcher.DispatchHandler;
type Headers = Record<string, string | string[]>;

export interface RawClientOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  /** Close an idle keep-alive connection after this long (Envoy's cluster idle_timeout). */
  idleTimeoutMs: number;
  keepAliveMs?: number;
  lookup?: LookupFunction;
  clock: Clock;
}

export interface RawClientHooks {
  /** The TCP connection is up (undici's `connect` event). */
  onConnect(socket: Socket): void;
  /** The socket closed (undici's `disconnect` event). */
  onDisconnect(): void;
}

/** undici's error names and codes, so transport-failure.ts and the router classify alike. */
function socketError(message: string, code: string): Error {
  const e = new Error(message) as Error & { code: string };
  e.name = 'SocketError';
  e.code = code;
  return e;
}

function parserError(h: HeadError): Error {
  const e = new Error(`http/1.1 protocol error: ${h.reason}`) as Error & { code: string };
  e.name = 'HTTPParserError';
  e.code = `HPE_${h.reason.toUpperCase()}`;
  return e;
}

// Methods whose empty body undici announces with `content-length: 0` (nodejs/undici lib/core/request.js).
const PAYLOAD_METHODS = new Set(['POST', 'PUT', 'PATCH', 'QUERY', 'PROPFIND', 'PROPPATCH']);

const enum Phase {
  Idle,
  Head,
  Length,
  Chunked,
  Close,
}

// undici's keepAliveTimeoutThreshold: an upstream's `Keep-Alive: timeout=N` hint is cut by this so
// the proxy stops reusing a connection before the server closes it (nodejs/undici lib/dispatcher/client.js).
const KEEP_ALIVE_THRESHOLD_MS = 2000;

export class RawHttp1Client implements Dispatcher.DispatchController {
  private socket: Socket | undefined;
  private handler: Handler | undefined;
  private method = 'GET';
  private upgrade = false;
  private phase = Phase.Idle;
  private buf: Buffer | undefined;
  private remaining = 0;
  private scanner: ChunkedScanner | undefined;
  private readonly ranges: number[] = [];
  private keepAlive = true;
  private error: Error | undefined;
  private connectTimer: TimerHandle | undefined;
  private idleTimer: TimerHandle | undefined;
  private idleMs: number;
  private idleSince = 0;
  /** Bytes of a pending response head already scanned for its end. */
  private headSeen = 0;
  private readonly onIdleTimer = (): void => {
    this.idleTimer = undefined;
    if (this.handler) return; // busy: complete() arms it again
    const left = this.idleMs - (this.opts.clock.monotonic() - this.idleSince);
    if (left > 0) this.idleTimer = this.opts.clock.setTimer(left, this.onIdleTimer);
    else this.socket?.destroy();
  };
  private body: Readable | undefined;
  private bodyDone = true;
  private closing = false;
  private isAborted = false;
  private isPaused = false;
  private abortReason: Error | null = null;

  constructor(
    private readonly opts: RawClientOptions,
    private readonly hooks: RawClientHooks,
  ) {
    this.idleMs = opts.idleTimeoutMs;
  }

  /** False once the connection cannot carry another request (Connection: close, close-delimited body, an error). */
  get reusable(): boolean {
    return this.keepAlive && !this.closing && !(this.socket?.destroyed ?? false);
  }

  // DispatchController, one per connection (one request at a time).
  get aborted(): boolean {
    return this.isAborted;
  }
  get paused(): boolean {
    return this.isPaused;
  }
  get reason(): Error | null {
    return this.abortReason;
  }
  abort(reason: Error): void {
    if (!this.handler) return;
    this.isAborted = true;
    this.abortReason = reason;
    this.handler = undefined;
    this.keepAlive = false;
    this.detachBody();
    this.socket?.destroy();
  }
  pause(): void {
    this.isPaused = true;
    this.socket?.pause();
  }
  resume(): void {
    this.isPaused = false;
    this.socket?.resume();
  }

  /** Sends one request; the handler gets undici's callbacks. Throws on a head that cannot be written. */
  dispatch(o: Dispatcher.DispatchOptions, handler: Handler): boolean {
    if (this.handler) throw socketError('connection busy', 'UND_ERR_BUSY');
    const method = o.method;
    const flat = o.headers as string[] | null | undefined;
    let head = `${method} ${o.path} HTTP/1.1\r\n`;
    if (!isTokenName(method) || !isWritableValue(o.path) || o.path.includes(' '))
      throw socketError('invalid request line', 'UND_ERR_INVALID_ARG');
    let hasHost = false;
    let hasLength = false;
    if (flat) {
      for (let k = 0; k < flat.length; k += 2) {
        const name = flat[k]!;
        const value = flat[k + 1] ?? '';
        if (!isTokenName(name) || !isWritableValue(value))
          throw socketError(`invalid ${name} header`, 'UND_ERR_INVALID_ARG');
        if (name === 'host') hasHost = true;
        else if (name === 'content-length') hasLength = true;
        head += name + ': ' + value + '\r\n';
      }
    }
    if (!hasHost) head += `host: ${formatHostPort(this.opts.host, this.opts.port)}\r\n`;
    const body = o.body as Buffer | Readable | null | undefined;
    let chunked = false;
    if (o.upgrade) head += `connection: upgrade\r\nupgrade: ${String(o.upgrade)}\r\n`;
    if (Buffer.isBuffer(body)) {
      if (!hasLength) head += `content-length: ${body.length}\r\n`;
    } else if (body) {
      if (!hasLength) {
        chunked = true;
        head += 'transfer-encoding: chunked\r\n';
      }
    } else if (!hasLength && PAYLOAD_METHODS.has(method)) head += 'content-length: 0\r\n';
    head += '\r\n';

    this.handler = handler;
    this.method = method;
    this.upgrade = !!o.upgrade;
    this.phase = Phase.Head;
    this.isAborted = false;
    this.isPaused = false;
    this.abortReason = null;
    this.error = undefined;
    const sock = this.socket && !this.socket.destroyed ? this.socket : this.open();
    handler.onRequestStart?.(this, undefined);
    if (this.handler !== handler) return true; // aborted in onRequestStart
    if (Buffer.isBuffer(body)) {
      sock.write(
        body.length > 0 ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : head,
        'latin1',
      );
    } else {
      sock.write(head, 'latin1');
      if (body) this.streamBody(body, chunked);
    }
    return true;
  }

  private open(): Socket {
    this.keepAlive = true;
    this.closing = false;
    this.buf = undefined;
    this.headSeen = 0;
    const o = this.opts;
    const sock = createConnection({
      host: o.host,
      port: o.port,
      noDelay: true,
      ...(o.lookup ? { lookup: o.lookup } : {}),
      ...(o.keepAliveMs !== undefined
        ? { keepAlive: true, keepAliveInitialDelay: o.keepAliveMs }
        : {}),
    });
    this.socket = sock;
    if (o.connectTimeoutMs > 0) {
      this.connectTimer = o.clock.setTimer(o.connectTimeoutMs, () => {
        if (sock.connecting) {
          this.error ??= socketError('Connect Timeout Error', 'UND_ERR_CONNECT_TIMEOUT');
          sock.destroy();
        }
      });
    }
    sock.on('connect', () => {
      this.connectTimer?.cancel();
      this.connectTimer = undefined;
      this.hooks.onConnect(sock);
    });
    sock.on('data', (chunk: Buffer) => this.onData(sock, chunk));
    sock.on('end', () => this.onEnd(sock));
    sock.on('error', (e: Error) => {
      this.error ??= e;
    });
    sock.on('close', () => this.onClose(sock));
    return sock;
  }

  /** A request body stream: passed on as is with a Content-Length, else chunk-encoded. */
  private streamBody(body: Readable, chunked: boolean): void {
    this.body = body;
    this.bodyDone = false;
    body.on('data', this.onBodyData);
    body.once('end', this.onBodyEnd);
    body.once('error', this.onBodyError);
    this.bodyChunked = chunked;
    if (body.readableEnded) this.onBodyEnd();
  }

  private bodyChunked = false;
  private readonly onBodyData = (c: Buffer): void => {
    const sock = this.socket;
    if (!sock || c.length === 0) return;
    const ok = this.bodyChunked
      ? sock.write(`${c.length.toString(16)}\r\n`, 'latin1') && sock.write(c) && sock.write('\r\n')
      : sock.write(c);
    if (!ok && this.body) {
      const b = this.body;
      b.pause();
      sock.once('drain', () => b.resume());
    }
  };
  private readonly onBodyEnd = (): void => {
    if (this.bodyDone) return;
    if (this.bodyChunked) this.socket?.write('0\r\n\r\n');
    this.detachBody();
  };
  private readonly onBodyError = (): void => {
    // The downstream body broke off: the upstream request cannot be completed.
    this.detachBody();
    this.keepAlive = false;
    this.socket?.destroy();
  };
  private detachBody(): void {
    const b = this.body;
    if (!b) return;
    this.bodyDone = true;
    this.body = undefined;
    b.off('data', this.onBodyData);
    b.off('end', this.onBodyEnd);
    b.off('error', this.onBodyError);
  }

  private onData(sock: Socket, chunk: Buffer): void {
    if (sock !== this.socket) return;
    if (!this.handler) {
      // Bytes while no request is out (e.g. a 408 before the server closes): not reusable.
      this.keepAlive = false;
      sock.destroy();
      return;
    }
    const buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    this.buf = undefined;
    let at = 0;
    while (this.handler && at < buf.length) {
      if (this.phase === Phase.Head) {
        // A head split over reads is scanned on from where the last scan stopped.
        const h = parseResponseHead(buf, this.method, at, undefined, at === 0 ? this.headSeen : 0);
        if (h === undefined) {
          this.buf = at === 0 ? buf : buf.subarray(at);
          this.headSeen = this.buf.length;
          return;
        }
        this.headSeen = 0;
        if (h instanceof HeadError) return this.fail(parserError(h));
        at += h.headLength;
        if (h.status === 101 && this.upgrade) return this.upgraded(sock, h, buf.subarray(at));
        if (h.status < 200) {
          if (h.status === 101)
            return this.fail(parserError(new HeadError(400, '', 'unexpected_101')));
          continue; // 100 Continue, 103 Early Hints: the final head follows.
        }
        this.startBody(h);
        if (!this.handler) return;
        continue;
      }
      if (this.phase === Phase.Length) {
        const take = Math.min(this.remaining, buf.length - at);
        this.remaining -= take;
        const data = buf.subarray(at, at + take);
        at += take;
        this.handler.onResponseData?.(this, data);
        if (this.remaining === 0) this.complete(buf.length - at);
        continue;
      }
      if (this.phase === Phase.Chunked) {
        const scanner = this.scanner!;
        const ranges = this.ranges;
        ranges.length = 0;
        const end = scanner.scan(buf, at, buf.length, ranges);
        if (end < 0) return this.fail(parserError(scanner.error!));
        for (let k = 0; k < ranges.length && this.handler; k += 2) {
          this.handler.onResponseData?.(this, buf.subarray(ranges[k], ranges[k + 1]));
        }
        at = end;
        if (scanner.done && this.handler) this.complete(buf.length - at);
        continue;
      }
      if (this.phase === Phase.Close) {
        this.handler.onResponseData?.(this, at === 0 ? buf : buf.subarray(at));
        at = buf.length;
        continue;
      }
      // Idle after a complete response: extra bytes make the connection unusable.
      this.keepAlive = false;
      sock.destroy();
      return;
    }
  }

  private startBody(h: ResponseHead): void {
    const handler = this.handler!;
    if (!h.keepAlive) this.keepAlive = false;
    const headers: Headers = Object.create(null) as Headers;
    const names = h.names;
    const values = h.values;
    for (let k = 0; k < names.length; k++) {
      const n = names[k]!;
      const v = values[k]!;
      const prev = headers[n];
      if (prev === undefined) headers[n] = v;
      else if (Array.isArray(prev)) prev.push(v);
      else headers[n] = [prev, v];
      if (n === 'keep-alive') this.keepAliveHint(v);
    }
    handler.onResponseStart?.(this, h.status, headers, h.reason);
    if (this.handler !== handler) return;
    switch (h.framing) {
      case 'length':
        this.phase = Phase.Length;
        this.remaining = h.contentLength;
        break;
      case 'chunked':
        this.phase = Phase.Chunked;
        this.scanner = new ChunkedScanner();
        break;
      case 'close':
      case 'tunnel':
        this.phase = Phase.Close;
        this.keepAlive = false;
        break;
      default:
        this.complete(0);
    }
  }

  /** `Keep-Alive: timeout=N` from the upstream shortens the idle timeout (undici does so too). */
  private keepAliveHint(v: string): void {
    const m = /timeout=(\d+)/i.exec(v);
    if (!m) return;
    const ms = Number(m[1]) * 1000 - KEEP_ALIVE_THRESHOLD_MS;
    if (ms <= 0) this.keepAlive = false;
    else if (this.idleMs <= 0 || ms < this.idleMs) this.idleMs = ms;
  }

  /** The response ended; `extra` bytes followed it (a protocol violation on a keep-alive connection). */
  private complete(extra: number): void {
    const handler = this.handler;
    this.handler = undefined;
    this.phase = Phase.Idle;
    this.scanner = undefined;
    if (extra > 0 || !this.bodyDone) this.keepAlive = false;
    this.detachBody();
    const sock = this.socket;
    if (!this.keepAlive || this.closing) sock?.destroy();
    else if (sock && this.idleMs > 0) {
      // One timer per idle period, not per request: it re-arms for what is left when the
      // connection was used meanwhile.
      this.idleSince = this.opts.clock.monotonic();
      if (!this.idleTimer) this.idleTimer = this.opts.clock.setTimer(this.idleMs, this.onIdleTimer);
    }
    if (this.isPaused && sock && !sock.destroyed) {
      this.isPaused = false;
      sock.resume();
    }
    handler?.onResponseEnd?.(this, {});
  }

  private upgraded(sock: Socket, h: ResponseHead, rest: Buffer): void {
    const handler = this.handler!;
    this.handler = undefined;
    this.keepAlive = false;
    this.detachBody();
    sock.removeAllListeners('data');
    sock.removeAllListeners('end');
    sock.removeAllListeners('close');
    sock.removeAllListeners('error');
    this.socket = undefined;
    sock.once('close', () => this.hooks.onDisconnect());
    const headers: Headers = Object.create(null) as Headers;
    for (let k = 0; k < h.names.length; k++) headers[h.names[k]!] = h.values[k]!;
    if (rest.length > 0) sock.unshift(rest);
    handler.onRequestUpgrade?.(this, h.status, headers, sock);
  }

  private fail(err: Error): void {
    const handler = this.handler;
    this.handler = undefined;
    this.phase = Phase.Idle;
    this.keepAlive = false;
    this.detachBody();
    this.socket?.destroy();
    handler?.onResponseError?.(this, err);
  }

  private onEnd(sock: Socket): void {
    if (sock !== this.socket) return;
    if (this.handler && this.phase === Phase.Close) {
      this.keepAlive = false;
      this.complete(0);
    }
    this.keepAlive = false;
    sock.destroy();
  }

  private onClose(sock: Socket): void {
    if (sock !== this.socket) return;
    this.connectTimer?.cancel();
    this.connectTimer = undefined;
    this.idleTimer?.cancel();
    this.idleTimer = undefined;
    this.socket = undefined;
    if (this.handler) {
      if (this.phase === Phase.Close && !this.error) this.complete(0);
      else this.fail(this.error ?? socketError('other side closed', 'UND_ERR_SOCKET'));
    }
    this.hooks.onDisconnect();
  }

  /** Closes after the request in flight, at once when idle. */
  close(): Promise<void> {
    this.closing = true;
    if (!this.handler) this.socket?.destroy();
    return Promise.resolve();
  }

  destroy(): Promise<void> {
    this.closing = true;
    this.keepAlive = false;
    this.socket?.destroy();
    return Promise.resolve();
  }
}

function isTokenName(n: string): boolean {
  if (n.length === 0) return false;
  for (let k = 0; k < n.length; k++) if (!isTokenChar(n.charCodeAt(k))) return false;
  return true;
}

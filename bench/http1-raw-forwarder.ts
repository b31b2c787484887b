// Benchmark subject: a minimal featureless HTTP/1.1 forwarder on raw sockets, built from the codec
// (src/proxy/http1: strict head parser, chunked scanner, head writer, raw upstream pool). Bodies go
// through in their original framing; one request in flight per downstream connection. It is the
// codec's counterpart of baseline-proxy.ts (node:http server + http.Agent), not the Switchyard proxy.
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { systemClock } from '../src/runtime/clock.js';
import { ChunkedScanner } from '../src/proxy/http1/chunked-scanner.js';
import { HeadError } from '../src/proxy/http1/head-error.js';
import {
  parseRequestHead,
  parseResponseHead,
  type RequestHead,
  type ResponseHead,
} from '../src/proxy/http1/head-parser.js';
import { requestHeadText, responseHeadText } from '../src/proxy/http1/head-writer.js';
import {
  UpstreamPool,
  type UpstreamConnection,
  type UpstreamUser,
} from '../src/proxy/http1/upstream-pool.js';

const upstreamPort = Number(process.argv[2]);
const UPSTREAM_HOST = '127.0.0.1';
const pool = new UpstreamPool({
  maxRequestsPerConnection: 0,
  idleTimeoutMs: 60_000,
  clock: systemClock,
});

// RFC 9110 §7.6.1 hop-by-hop fields, not forwarded (framing fields stay: bodies keep their framing).
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer']);
function endToEnd(names: string[], values: string[]): [string[], string[]] {
  let hop = false;
  for (const n of names) if (HOP.has(n)) hop = true;
  if (!hop) return [names, values];
  const n2: string[] = [];
  const v2: string[] = [];
  for (let k = 0; k < names.length; k++) {
    if (!HOP.has(names[k]!)) {
      n2.push(names[k]!);
      v2.push(values[k]!);
    }
  }
  return [n2, v2];
}

/** How far a body runs in `buf[from..]`: returns the end index, and whether the body is complete. */
class BodyCounter {
  remaining = 0;
  scanner: ChunkedScanner | undefined;
  untilClose = false;
  done = true;

  start(framing: string, contentLength: number): void {
    this.untilClose = framing === 'close';
    this.scanner = framing === 'chunked' ? new ChunkedScanner() : undefined;
    this.remaining = framing === 'length' ? contentLength : 0;
    this.done = framing === 'none' || framing === 'tunnel';
  }

  /** Consumes body bytes of `buf[from..]`; -1 on a framing error. */
  take(buf: Buffer, from: number): number {
    if (this.done) return from;
    if (this.untilClose) return buf.length;
    if (this.scanner) {
      const end = this.scanner.scan(buf, from, buf.length);
      if (end < 0) return -1;
      this.done = this.scanner.done;
      return end;
    }
    const n = Math.min(this.remaining, buf.length - from);
    this.remaining -= n;
    this.done = this.remaining === 0;
    return from + n;
  }
}

class Downstream implements UpstreamUser {
  private pending: Buffer | undefined;
  private seen = 0;
  private req: RequestHead | undefined;
  private res: ResponseHead | undefined;
  private conn: UpstreamConnection | undefined;
  private upstreamBuf: Buffer | undefined;
  private readonly reqBody = new BodyCounter();
  private readonly resBody = new BodyCounter();

  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.conn) {
        const c = this.conn;
        this.conn = undefined;
        pool.release(c, false);
      }
    });
  }

  private onData(d: Buffer): void {
    if (this.req && !this.reqBody.done && this.conn) {
      const end = this.reqBody.take(d, 0);
      if (end < 0) return this.fail(400);
      this.conn.socket.write(end === d.length ? d : d.subarray(0, end));
      if (end < d.length) this.pending = d.subarray(end);
      return;
    }
    if (!this.req) this.seen = this.pending?.length ?? 0;
    this.pending = this.pending ? Buffer.concat([this.pending, d]) : d;
    if (!this.req) this.next();
  }

  /** Starts the next request buffered, if its head is complete. */
  private next(): void {
    const buf = this.pending;
    if (!buf) return;
    const head = parseRequestHead(buf, 0, undefined, this.seen);
    this.seen = 0;
    if (head === undefined) return;
    if (head instanceof HeadError) return this.fail(head.status);
    this.req = head;
    this.res = undefined;
    this.upstreamBuf = undefined;
    this.reqBody.start(head.framing, head.contentLength);
    const [names, values] = endToEnd(head.names, head.values);
    const text = requestHeadText(head.method, head.path || head.target, names, values);
    if (text === undefined) return this.fail(400);
    const end = this.reqBody.take(buf, head.headLength);
    if (end < 0) return this.fail(400);
    this.pending = end < buf.length ? buf.subarray(end) : undefined;
    const conn = (this.conn = pool.acquire(UPSTREAM_HOST, upstreamPort, this));
    if (end > head.headLength) {
      conn.socket.cork();
      conn.socket.write(text, 'latin1');
      conn.socket.write(buf.subarray(head.headLength, end));
      conn.socket.uncork();
    } else {
      conn.socket.write(text, 'latin1');
    }
  }

  onUpstreamData(conn: UpstreamConnection, chunk: Buffer): void {
    if (this.res) {
      const end = this.resBody.take(chunk, 0);
      if (end < 0) return this.fail(502);
      this.socket.write(end === chunk.length ? chunk : chunk.subarray(0, end));
      if (this.resBody.done) this.complete(conn);
      return;
    }
    const buf = (this.upstreamBuf = this.upstreamBuf
      ? Buffer.concat([this.upstreamBuf, chunk])
      : chunk);
    const head = parseResponseHead(buf, this.req?.method ?? 'GET');
    if (head === undefined) return;
    if (head instanceof HeadError) return this.fail(503);
    this.res = head;
    this.upstreamBuf = undefined;
    this.resBody.start(head.framing, head.contentLength);
    const [names, values] = endToEnd(head.names, head.values);
    if (this.req && !this.req.keepAlive) {
      names.push('connection');
      values.push('close');
    }
    const text = responseHeadText(head.status, head.reason, names, values);
    if (text === undefined) return this.fail(503);
    const end = this.resBody.take(buf, head.headLength);
    if (end < 0) return this.fail(502);
    if (end > head.headLength) {
      this.socket.cork();
      this.socket.write(text, 'latin1');
      this.socket.write(buf.subarray(head.headLength, end));
      this.socket.uncork();
    } else {
      this.socket.write(text, 'latin1');
    }
    if (this.resBody.done) this.complete(conn);
  }

  onUpstreamEnd(conn: UpstreamConnection): void {
    if (this.res && this.resBody.untilClose) {
      this.resBody.done = true;
      this.complete(conn);
    } else this.fail(503);
  }

  onUpstreamClose(): void {
    this.conn = undefined;
    if (this.req) this.fail(503);
  }

  private complete(conn: UpstreamConnection): void {
    const keep = (this.req?.keepAlive ?? false) && this.reqBody.done;
    pool.release(conn, (this.res?.keepAlive ?? false) && this.reqBody.done);
    this.conn = undefined;
    this.req = undefined;
    this.res = undefined;
    if (!keep) {
      this.socket.end();
      return;
    }
    this.seen = 0;
    this.next();
  }

  private fail(status: number): void {
    if (this.conn) {
      const c = this.conn;
      this.conn = undefined;
      pool.release(c, false);
    }
    if (!this.res) {
      this.socket.end(
        responseHeadText(status, '', ['content-length', 'connection'], ['0', 'close']) ?? '',
      );
    } else this.socket.destroy();
    this.req = undefined;
  }
}

const server = createServer({ noDelay: true }, (s) => new Downstream(s));
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
});
process.on('SIGTERM', () => process.exit(0));

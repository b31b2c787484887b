// The edge between Node's HTTP codecs (node:http's llhttp for HTTP/1.x, node:http2's compatibility
// API for h2c and h2 over TLS) and the protocol-neutral request model (context/request-model.ts):
// the only place that knows an IncomingMessage from an Http2ServerRequest. The header list is
// built here in one pass over the raw fields, so the rest of the proxy copies no header set.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants as h2constants, Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { formatHostPort } from '../../units/index.js';
import type {
  DownstreamRequest,
  HeaderLimitRefusal,
  HttpProtocol,
  ResponseSink,
} from '../context/request-model.js';
import { HOP_BY_HOP, toFlat, type HeaderMap } from '../filters/headers.js';
import { tlsConnectionOf, type TlsConnectionInfo } from '../tls/gateway-connections.js';
import {
  h2HeaderLimitExceeded,
  headerLimitExceeded,
  type CountingH2Request,
} from './connection-limits.js';
import { requestDefect } from './request-checks.js';

// Hop-by-hop fields are not forwarded, nor `expect`: Node's server answers 100-continue itself,
// as Envoy's codec does (envoyproxy/envoy source/common/http/conn_manager_utility.cc).
const isDropped = (name: string): boolean => HOP_BY_HOP.has(name) || name === 'expect';

function stripMapped(addr: string | undefined): string {
  if (!addr) return '';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

/** The addresses and TLS facts of the connection a request came on. */
export interface DownstreamConnection {
  local: string;
  remote: string;
  remoteIp: string;
  tls: TlsConnectionInfo | undefined;
}

/** What Node's HTTP/1 server and HTTP/2 compatibility API hand the connection manager. */
export type NodeRequest = IncomingMessage | Http2ServerRequest;
export type NodeResponse = ServerResponse | Http2ServerResponse;

export function nodeConnection(req: NodeRequest): DownstreamConnection {
  // TLS-terminated connections carry the TCP socket's addresses and the SNI (tls/).
  const tls = tlsConnectionOf(req);
  if (tls) return { local: tls.local, remote: tls.remote, remoteIp: tls.remoteIp, tls };
  // HTTP/2 sessions run over a replaying Duplex that carries the TCP socket's addresses.
  const sock = req.socket.remoteAddress
    ? req.socket
    : ((req.socket as unknown as { stream?: Socket }).stream ?? req.socket);
  const remoteIp = stripMapped(sock.remoteAddress);
  return {
    local: formatHostPort(stripMapped(sock.localAddress), sock.localPort ?? 0),
    remote: formatHostPort(remoteIp, sock.remotePort ?? 0),
    remoteIp,
    tls: undefined,
  };
}

class NodeRequestAdapter implements DownstreamRequest {
  readonly method: string;
  readonly protocol: HttpProtocol;
  readonly target: string;
  authority = '';
  readonly headers: HeaderMap = Object.create(null) as HeaderMap;
  private readonly rawHeaders: readonly string[];
  teTrailers = false;
  contentLength: string | undefined;
  transferEncoding: string | undefined;
  upgrade: string | undefined;
  upgradeField: string | undefined;
  readonly defect: string | undefined;
  readonly hasBody: boolean;
  readonly body: NodeRequest;

  constructor(req: NodeRequest) {
    const h2 = req instanceof Http2ServerRequest;
    this.body = req;
    this.method = req.method ?? 'GET';
    this.protocol = h2 ? 'HTTP/2' : req.httpVersion === '1.0' ? 'HTTP/1.0' : 'HTTP/1.1';
    this.target = req.url ?? '/';
    const raw = req.rawHeaders;
    this.rawHeaders = raw;
    this.defect = h2 ? undefined : requestDefect(req);
    const out = this.headers;
    let connectionTokens: string[] | undefined;
    let host: string | undefined;
    let pseudoAuthority: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = (raw[i] ?? '').toLowerCase();
      const value = raw[i + 1] ?? '';
      if (name.charCodeAt(0) === 58 /* : */) {
        if (name === ':authority') pseudoAuthority ??= value;
        continue;
      }
      if (isDropped(name)) {
        if (name === 'connection') {
          for (const t of value.split(',')) {
            const tok = t.trim().toLowerCase();
            if (tok && tok !== 'close' && tok !== 'keep-alive') (connectionTokens ??= []).push(tok);
          }
        } else if (name === 'te') {
          if (!this.teTrailers)
            this.teTrailers = value.split(',').some((t) => t.trim() === 'trailers');
        } else if (name === 'transfer-encoding') {
          this.transferEncoding =
            this.transferEncoding === undefined ? value : `${this.transferEncoding}, ${value}`;
        } else if (name === 'upgrade') {
          this.upgradeField =
            this.upgradeField === undefined ? value : `${this.upgradeField}, ${value}`;
        }
        continue;
      }
      if (name === 'host') host ??= value;
      else if (name === 'content-length') this.contentLength ??= value;
      const prev = out[name];
      if (prev === undefined) out[name] = value;
      else if (Array.isArray(prev)) prev.push(value);
      else out[name] = [prev, value];
    }
    if (connectionTokens) for (const t of connectionTokens) delete out[t];
    this.authority = host ?? pseudoAuthority ?? '';
    if (h2) {
      this.hasBody = !req.stream.endAfterHeaders;
    } else {
      // Node sets `upgrade` on a request it handed to the server's 'upgrade' event.
      if ((req as IncomingMessage & { upgrade?: boolean }).upgrade && this.method !== 'CONNECT')
        this.upgrade = this.upgradeField?.trim().toLowerCase();
      const cl = this.contentLength;
      this.hasBody = (cl !== undefined && cl !== '0') || this.transferEncoding !== undefined;
    }
  }

  headerLimit(): HeaderLimitRefusal | undefined {
    if (this.protocol !== 'HTTP/2') return headerLimitExceeded(this.rawHeaders);
    return h2HeaderLimitExceeded(this.rawHeaders) ? 'http2.too_many_headers' : undefined;
  }

  bodyComplete(): boolean {
    return this.body.complete;
  }

  connectionBytesRead(): number {
    // HTTP/2: the stream's DATA, counted by the proxy's h2 request class (connection-limits.ts).
    if (this.body instanceof Http2ServerRequest)
      return (this.body as Partial<CountingH2Request>).bodyBytesRead ?? 0;
    return this.body.socket.bytesRead;
  }
}

/** Adapts a node:http or node:http2 compatibility request. */
export function nodeRequest(req: NodeRequest): DownstreamRequest {
  return new NodeRequestAdapter(req);
}

function uncork(sock: { uncork(): void }): void {
  sock.uncork();
}

/** A node:http ServerResponse or node:http2 compatibility response as a ResponseSink. */
export class NodeResponseSink implements ResponseSink {
  readonly protocol: HttpProtocol;
  constructor(
    private readonly res: NodeResponse,
    request: DownstreamRequest,
  ) {
    this.protocol = request.protocol;
  }

  get headersSent(): boolean {
    return this.res.headersSent;
  }
  get ended(): boolean {
    return this.res.writableEnded;
  }
  get finished(): boolean {
    return this.res.writableFinished;
  }
  closeAfterResponse(): void {
    if (!(this.res instanceof Http2ServerResponse)) this.res.shouldKeepAlive = false;
  }
  writeHead(status: number, headers: HeaderMap): void {
    // A flat list for HTTP/1 (written without re-parsing), an object for the HTTP/2 compat API.
    if (this.res instanceof Http2ServerResponse) this.res.writeHead(status, headers);
    else this.res.writeHead(status, toFlat(headers));
  }
  writeHeadersOnly(status: number, headers: HeaderMap): boolean {
    const res = this.res;
    if (!(res instanceof Http2ServerResponse)) return false;
    // Node's compatibility response always sends HEADERS and END_STREAM apart: answer on the stream.
    const stream = res.stream;
    if (stream.headersSent) return false;
    stream.respond({ ...headers, ':status': status }, { endStream: true });
    res.end();
    return true;
  }
  flushHeaders(): void {
    // HTTP/2 sends HEADERS at writeHead already.
    if (!(this.res instanceof Http2ServerResponse)) this.res.flushHeaders();
  }
  corkTick(): void {
    if (this.res instanceof Http2ServerResponse) return;
    const sock = this.res.socket;
    if (sock && !sock.writableCorked) {
      sock.cork();
      process.nextTick(uncork, sock);
    }
  }
  write(chunk: Buffer): boolean {
    return this.res instanceof Http2ServerResponse ? this.res.write(chunk) : this.res.write(chunk);
  }
  onDrain(fn: () => void): void {
    this.res.once('drain', fn);
  }
  addTrailers(trailers: Record<string, string | string[]>): void {
    this.res.addTrailers(trailers);
  }
  end(body?: string | Buffer): void {
    const res = this.res;
    if (res instanceof Http2ServerResponse) {
      if (body === undefined) res.end();
      else res.end(body);
    } else if (body === undefined) res.end();
    else res.end(body);
  }
  destroy(): void {
    this.res.destroy();
  }
  reset(): void {
    if (this.res instanceof Http2ServerResponse)
      this.res.stream.close(h2constants.NGHTTP2_INTERNAL_ERROR);
    else this.res.destroy();
  }
  stopRequest(): void {
    if (this.res instanceof Http2ServerResponse && !this.res.stream.closed)
      this.res.stream.close(h2constants.NGHTTP2_NO_ERROR);
  }
  onClose(fn: () => void): void {
    this.res.once('close', fn);
  }
  takeTunnel(status: number): Duplex | undefined {
    if (this.res instanceof Http2ServerResponse) return undefined;
    const client = this.res.socket;
    if (!client || client.destroyed) return undefined;
    // The upgrade server's finish hook keeps the connection for a 101 (upgrade.ts).
    this.res.statusCode = status;
    return client;
  }
}

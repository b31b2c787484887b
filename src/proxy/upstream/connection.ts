// One upstream keep-alive connection, driven with dispatch() and a plain handler (no streams or
// promises per request; see docs/performance.md): plaintext HTTP/1.1 on the raw codec
// (http1/raw-client.ts), TLS origination and HTTP/2 (h2c, h2) on an undici Client with pipelining 1.
import { createRequire } from 'node:module';
import type { ConnectionOptions } from 'node:tls';
import type { buildConnector, Client, Dispatcher } from 'undici';
import type { Clock } from '../../runtime/clock.js';
import { RawHttp1Client } from '../http1/raw-client.js';
import type { LookupFunction } from './dns-lookup.js';
import type { Host } from './host.js';
import { formatHostPort } from '../../units/index.js';

type Undici = { Client: typeof Client; buildConnector: typeof buildConnector };
let undici: Undici | undefined;
/**
 * undici is loaded on the first TLS or HTTP/2 upstream connection: it is ~18 MB of a proxy
 * process's RSS, which plaintext HTTP/1 upstreams (the raw codec) never need.
 */
function loadUndici(): Undici {
  return (undici ??= createRequire(import.meta.url)('undici') as Undici);
}

/** What the router, mirror and upgrade paths call on a connection (undici's Client has it). */
export interface UpstreamClient {
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
  close(): Promise<void>;
  destroy(): Promise<void>;
}

export class Connection {
  readonly client: UpstreamClient;
  private readonly raw: RawHttp1Client | undefined;
  requests = 0;
  busy = false;
  dead = false;
  /** %UPSTREAM_LOCAL_ADDRESS%: the socket's local `ip:port`, once connected. */
  localAddress: string | undefined;
  /** The connector succeeded (TCP and any TLS handshake): failures after this are resets, not UF. */
  connected = false;
  readonly createdAt: number;
  readonly servername: string | undefined;
  /** Speaks HTTP/2 upstream (trailers are forwarded only from HTTP/2; see router/forward.ts). */
  readonly h2: boolean;
  constructor(
    readonly host: Host,
    opts: {
      connectTimeoutMs: number;
      idleTimeoutMs: number;
      h2c: boolean;
      /** TCP keepalive first-probe delay (DestinationRule tcp.tcpKeepalive.time). */
      keepAliveMs?: number;
      /** TLS origination (DestinationRule tls SIMPLE/MUTUAL); see upstream-tls.ts. */
      tls?: ConnectionOptions;
      /** DestinationRule `sni`: overrides the Host-derived SNI of every request (upstream-tls.ts). */
      servername?: string;
      /** Hostname resolution when connecting (dns-lookup.ts). */
      lookup?: LookupFunction;
      createdAt: number;
      clock: Clock;
    },
    onConnect: () => void,
    onGone: (conn: Connection) => void,
  ) {
    this.createdAt = opts.createdAt;
    this.servername = opts.servername;
    this.h2 = opts.h2c;
    if (!opts.tls && !opts.h2c) {
      this.raw = new RawHttp1Client(
        {
          host: host.endpoint.address,
          port: host.endpoint.port,
          connectTimeoutMs: opts.connectTimeoutMs,
          idleTimeoutMs: opts.idleTimeoutMs,
          clock: opts.clock,
          ...(opts.keepAliveMs !== undefined ? { keepAliveMs: opts.keepAliveMs } : {}),
          ...(opts.lookup ? { lookup: opts.lookup } : {}),
        },
        {
          onConnect: (sock) => {
            this.connected = true;
            if (sock.localAddress)
              this.localAddress = formatHostPort(sock.localAddress, sock.localPort ?? 0);
            onConnect();
          },
          onDisconnect: () => {
            if (!this.busy) onGone(this);
          },
        },
      );
      this.client = this.raw;
      return;
    }
    this.raw = undefined;
    const origin = formatHostPort(host.endpoint.address, host.endpoint.port);
    const client = new (loadUndici().Client)(`${opts.tls ? 'https' : 'http'}://${origin}`, {
      pipelining: 1,
      connectTimeout: opts.connectTimeoutMs,
      keepAliveTimeout: opts.idleTimeoutMs,
      keepAliveMaxTimeout: opts.idleTimeoutMs,
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: this.connector({
        noDelay: true,
        timeout: opts.connectTimeoutMs,
        // A custom connector builds its own TLS/h2c choice (undici lib/core/connect.js).
        ...(opts.h2c ? { allowH2: true, ...(opts.tls ? {} : { useH2c: true }) } : {}),
        ...(opts.lookup ? { lookup: opts.lookup } : {}),
        ...opts.tls,
        ...(opts.keepAliveMs !== undefined
          ? { keepAlive: true, keepAliveInitialDelay: opts.keepAliveMs }
          : {}),
      }),
      // HTTP/2 upstream with prior knowledge (h2c) for http2/grpc ports or h2UpgradePolicy UPGRADE.
      ...(opts.h2c ? { allowH2: true, ...(opts.tls ? {} : { useH2c: true }) } : {}),
    } as ConstructorParameters<typeof Client>[1]);
    client.on('connect', () => onConnect());
    client.on('disconnect', () => {
      if (!this.busy) onGone(this);
    });
    this.client = client;
  }

  /** False when the last exchange left the connection unusable (Connection: close, an error). */
  get reusable(): boolean {
    return this.raw?.reusable ?? true;
  }

  /** undici's connector, wrapped to note the local address and that the connection is up. */
  private connector(options: buildConnector.BuildOptions): buildConnector.connector {
    const connect = loadUndici().buildConnector(options);
    return (o, cb) =>
      connect(o, (err, sock) => {
        if (!err && sock) {
          this.connected = true;
          if (sock.localAddress)
            this.localAddress = formatHostPort(sock.localAddress, sock.localPort ?? 0);
        }
        (cb as (e: Error | null, s: typeof sock) => void)(err, sock);
      });
  }

  close(): void {
    if (this.dead) return;
    this.dead = true;
    this.client.close().catch(() => undefined);
  }

  destroy(): void {
    this.dead = true;
    this.client.destroy().catch(() => undefined);
  }
}

// One upstream keep-alive connection (HTTP/1.1, or h2c): an undici Client with pipelining 1, driven with
// Client.dispatch and a plain handler (no streams or promises per request; see docs/performance.md).
import type { ConnectionOptions } from 'node:tls';
import { buildConnector, Client } from 'undici';
import type { LookupFunction } from './dns-lookup.js';
import type { Host } from './host.js';
import { formatHostPort } from '../../units/index.js';

export class Connection {
  readonly client: Client;
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
    },
    onConnect: () => void,
    onGone: (conn: Connection) => void,
  ) {
    this.createdAt = opts.createdAt;
    this.servername = opts.servername;
    this.h2 = opts.h2c;
    const origin = formatHostPort(host.endpoint.address, host.endpoint.port);
    this.client = new Client(`${opts.tls ? 'https' : 'http'}://${origin}`, {
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
    this.client.on('connect', (_origin, targets) => {
      const sock = (targets as unknown as { [k: symbol]: unknown }[])?.[0];
      void sock;
      onConnect();
    });
    this.client.on('disconnect', () => {
      if (!this.busy) onGone(this);
    });
  }

  /** undici's connector, wrapped to note the local address and that the connection is up. */
  private connector(options: buildConnector.BuildOptions): buildConnector.connector {
    const connect = buildConnector(options);
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

// A sidecar's inbound socket enforcing the port's PeerAuthentication mode, as Istio's virtualInbound
// filter chains do (istio/istio pilot/pkg/networking/core/filterchain_options.go
// getFilterChainMatchOptions): the first byte tells a TLS handshake record (0x16) from plaintext.
// - PERMISSIVE (Istio's default): mesh mTLS (a ClientHello with ALPN istio-* or an ISTIO_MUTUAL SNI)
//   is terminated, anything else goes the plaintext path;
// - STRICT: only transport_protocol tls chains exist: every ClientHello is terminated with mTLS, and
//   plaintext matches no filter chain, so the connection is closed (no_filter_chain_match);
// - DISABLE: only raw_buffer chains exist: a ClientHello matches none and is closed.
// mTLS is terminated with the workload certificate; a client certificate signed by the mesh root is
// required (Envoy require_client_certificate, istio security/authn BuildInboundTLS), and its SPIFFE ID
// is kept for the access log and telemetry (source_principal, connection_security_policy mutual_tls).
// The certificate served is the identity's current one: a rotated certificate is served to the next
// handshake without a restart (tls.Server setSecureContext).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureServer, type Http2SecureServer, type Http2Session } from 'node:http2';
import type { Socket } from 'node:net';
import {
  createServer as createTlsServer,
  type Server as TlsServer,
  type TLSSocket,
} from 'node:tls';
import type { Duplex } from 'node:stream';
import type { FilterChain, MutualTlsMode } from '../../compile/snapshot.js';
import type { ProxyServices } from '../services.js';
import {
  addresses,
  DOWNSTREAM_TLS,
  wrappedStream,
  type TlsConnectionInfo,
} from './gateway-connections.js';
import { uriSans, type MeshIdentity } from './mesh-identity.js';
import { parseClientHello } from './client-hello.js';
import { H2_SERVER_OPTIONS, limitHttp1Server } from '../listener/connection-limits.js';
import { acceptUpgrades } from '../listener/upgrade.js';
import { replayingDuplex } from './replay.js';
import type { DownstreamInfo } from './tcp-proxy.js';

/** TLS record content type `handshake` (RFC 8446 5.1). */
const TLS_HANDSHAKE = 0x16;
/** envoyproxy/envoy api/envoy/config/listener/v3/listener.proto listener_filters_timeout default. */
const LISTENER_FILTERS_TIMEOUT_MS = 15_000;

/** Istio's inbound mTLS chain ALPNs (pilot/pkg/networking/core/listener_builder.go mtlsHTTPALPNs). */
const ISTIO_ALPNS = [
  'istio-peer-exchange',
  'istio',
  'istio-http/1.0',
  'istio-http/1.1',
  'istio-h2',
];

function isMeshHello(serverName: string | undefined, alpn: readonly string[]): boolean {
  return (
    (serverName?.startsWith('outbound_.') ?? false) || alpn.some((a) => ISTIO_ALPNS.includes(a))
  );
}

/** Envoy's stat prefix for Istio's virtualInbound listener (0.0.0.0:15006). */
const STAT_PREFIX = 'listener.0.0.0.0_15006.';

export class InboundMtls {
  private server: Http2SecureServer | undefined;
  private tcpServer: TlsServer | undefined;
  private tcpServed: MeshIdentity | undefined;
  private readonly tcpAlpn = new WeakMap<object, boolean>();
  private readonly infos = new WeakMap<object, DownstreamInfo>();
  private readonly sessions = new Set<Http2Session>();
  private readonly tlsSockets = new Set<TLSSocket>();
  private readonly counters = new Map<string, number>();
  /** The identity whose certificate the TLS server currently serves. */
  private served: MeshIdentity | undefined;

  constructor(
    private readonly svc: ProxyServices,
    /** Absent for a proxy without a mesh identity: it cannot terminate mTLS. */
    private readonly identity: (() => MeshIdentity) | undefined,
    private readonly destinationPort: number,
    private readonly http: (req: IncomingMessage, res: ServerResponse) => void,
    /** A TCP port: its mTLS is terminated by a plain TLS server and the stream tcp-proxied. */
    private readonly tcp?: {
      /** `tcpAlpn`: the client offered Istio's TCP ALPNs only (istio-peer-exchange, istio). */
      isTcp(tcpAlpn: boolean): boolean;
      proxy(down: Duplex, info: DownstreamInfo, tcpAlpn: boolean): void;
    },
  ) {}

  private count(stat: string): void {
    this.counters.set(stat, (this.counters.get(stat) ?? 0) + 1);
  }

  /** Envoy ssl counters of the inbound listener (summed over the proxy's inbound sockets). */
  renderStats(into: Map<string, number>): void {
    for (const [k, v] of this.counters) {
      const key = STAT_PREFIX + k;
      into.set(key, (into.get(key) ?? 0) + v);
    }
  }

  /** The port's PeerAuthentication mode in the current snapshot (absent = PERMISSIVE). */
  mode(): MutualTlsMode {
    return this.chain().mtlsMode ?? 'PERMISSIVE';
  }

  /** No filter chain matches: Envoy closes the connection (listener no_filter_chain_match). */
  private noChain(socket: Socket): void {
    this.count('no_filter_chain_match');
    socket.destroy();
  }

  /**
   * Takes the connection when the port's mode says it is not plaintext HTTP: mesh mTLS (PERMISSIVE),
   * any TLS (STRICT), or nothing to match (closed); anything else goes back to the caller's plaintext
   * path through `plaintext` (with every byte read so far) and false. Istio matches its PERMISSIVE
   * mTLS chain on ALPN `istio-*`; undici fixes the ALPN list, so our sidecars are recognised by the
   * ISTIO_MUTUAL SNI `outbound_.<port>_.<subset>_.<host>` (either one is enough here).
   */
  accept(socket: Socket, first: Buffer, plaintext: (bytes: Buffer) => void): boolean {
    const mode = this.mode();
    const isTls = first[0] === TLS_HANDSHAKE;
    // Without a certificate there is no mTLS chain: STRICT has no chain at all, PERMISSIVE plaintext only.
    if (!this.identity && mode !== 'DISABLE') {
      if (mode === 'STRICT') this.noChain(socket);
      return mode === 'STRICT';
    }
    if (mode === 'DISABLE' || !this.identity) {
      // DISABLE: raw_buffer chains only, a ClientHello matches none.
      if (isTls) this.noChain(socket);
      return isTls;
    }
    if (!isTls) {
      if (mode !== 'STRICT') return false;
      this.noChain(socket);
      return true;
    }
    let buf = first;
    let timer: { cancel(): void } | undefined;
    const inspect = (): void => {
      const hello = parseClientHello(buf);
      if (hello.kind === 'need-more') {
        // Envoy listener_filters_timeout (15s) for a ClientHello that never completes.
        timer ??= this.svc.clock.setTimer(LISTENER_FILTERS_TIMEOUT_MS, () => socket.destroy());
        socket.once('data', (more: Buffer) => {
          socket.pause();
          buf = Buffer.concat([buf, more]);
          try {
            inspect();
          } catch {
            socket.destroy();
          }
        });
        socket.resume();
        return;
      }
      timer?.cancel();
      if (hello.kind === 'not-tls') {
        if (mode === 'STRICT') this.noChain(socket);
        else plaintext(buf);
        return;
      }
      if (mode !== 'STRICT' && !isMeshHello(hello.serverName, hello.alpn)) {
        plaintext(buf);
        return;
      }
      // Istio matches its inbound TCP mTLS chain on ALPN istio-peer-exchange/istio and its HTTP
      // one on istio-http/*, istio-h2 (listener_builder.go); ours send http/1.1 or h2 for HTTP.
      const tcpAlpn =
        hello.alpn.some((a) => a === 'istio' || a === 'istio-peer-exchange') &&
        !hello.alpn.some((a) => a.startsWith('istio-h') || a === 'h2' || a === 'http/1.1');
      if (this.tcp?.isTcp(tcpAlpn)) {
        // Bytes after the client's FIN may still flow back (tcp_proxy half-close).
        socket.allowHalfOpen = true;
        const down = replayingDuplex(socket, buf);
        this.infos.set(down, addresses(socket));
        this.tcpAlpn.set(down, tcpAlpn);
        this.tcpServerFor().emit('connection', down);
        return;
      }
      const down = replayingDuplex(socket, buf);
      this.infos.set(down, addresses(socket));
      this.serverFor().emit('connection', down);
    };
    try {
      inspect();
    } catch {
      socket.destroy();
    }
    return true;
  }

  private chain(): FilterChain {
    const listener = this.svc.snapshot()?.listeners.find((l) => l.name === 'virtualInbound');
    const chain = listener?.filterChains.find((c) => c.destinationPort === this.destinationPort);
    return chain ?? ({ name: `0.0.0.0_${this.destinationPort}` } as FilterChain);
  }

  /**
   * The TLS server of a TCP port's mTLS chain (Istio's inbound TCP chain with ALPN
   * istio-peer-exchange/istio): the same certificate, client-certificate requirement and counters
   * as the HTTP one; the decrypted stream goes to tcp_proxy.
   */
  private tcpServerFor(): TlsServer {
    const id = this.identity?.() as MeshIdentity;
    if (this.tcpServer) {
      if (id !== this.tcpServed)
        this.tcpServer.setSecureContext({
          cert: id.certChain,
          key: id.privateKey,
          ca: id.rootCert,
        });
      this.tcpServed = id;
      return this.tcpServer;
    }
    this.tcpServed = id;
    const server = createTlsServer({
      cert: id.certChain,
      key: id.privateKey,
      ca: id.rootCert,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      ALPNProtocols: ['istio-peer-exchange', 'istio'],
      allowHalfOpen: true,
    });
    server.on('tlsClientError', (err: Error) => this.countTlsError(err));
    server.on('secureConnection', (sock: TLSSocket) => {
      sock.on('error', () => undefined);
      this.count('ssl.handshake');
      this.tlsSockets.add(sock);
      sock.once('close', () => this.tlsSockets.delete(sock));
      const down = wrappedStream(sock);
      const base = (down ? this.infos.get(down as object) : undefined) ?? {
        local: '',
        remote: '',
        remoteIp: '',
      };
      this.tcp?.proxy(
        sock,
        { ...base, ...(sock.servername ? { serverName: sock.servername } : {}) },
        (down ? this.tcpAlpn.get(down as object) : undefined) ?? false,
      );
    });
    this.tcpServer = server;
    return server;
  }

  private countTlsError(err: Error): void {
    // Envoy ssl stats (source/common/tls/ssl_socket.cc, context_impl.cc).
    this.count('ssl.connection_error');
    const m = err.message.toLowerCase();
    if (m.includes('did not return a certificate') || m.includes('certificate required'))
      this.count('ssl.fail_verify_no_cert');
    else if (m.includes('certificate verify failed') || m.includes('unknown ca'))
      this.count('ssl.fail_verify_error');
  }

  private serverFor(): Http2SecureServer {
    // identity is set whenever a connection gets here (accept checks it).
    const id = this.identity?.() as MeshIdentity;
    if (this.server) {
      // A rotated certificate: new handshakes get it, open connections keep theirs (as Envoy's SDS update).
      if (id !== this.served)
        this.server.setSecureContext({ cert: id.certChain, key: id.privateKey, ca: id.rootCert });
      this.served = id;
      return this.server;
    }
    this.served = id;
    const server = createSecureServer(
      {
        cert: id.certChain,
        key: id.privateKey,
        ca: id.rootCert,
        requestCert: true,
        rejectUnauthorized: true,
        // istio/istio pilot/pkg/networking/core/ (inbound mTLS): TLS 1.2 .. 1.3.
        minVersion: 'TLSv1.2',
        maxVersion: 'TLSv1.3',
        ALPNProtocols: ['h2', 'http/1.1'],
        allowHTTP1: true,
        ...H2_SERVER_OPTIONS,
      },
      (req, res) => this.http(req as unknown as IncomingMessage, res as unknown as ServerResponse),
    );
    server.on('tlsClientError', (err: Error) => this.countTlsError(err));
    server.on('session', (s: Http2Session) => {
      this.sessions.add(s);
      s.once('close', () => this.sessions.delete(s));
    });
    server.on('sessionError', () => undefined);
    // HTTP/1 over mesh mTLS gets the plaintext listener's header limits and timeouts.
    if (this.svc.http1Limits) limitHttp1Server(server, this.svc.http1Limits);
    // HTTP/1.1 upgrades (WebSocket) over the mesh mTLS connection.
    acceptUpgrades(server, this.http);
    server.on('secureConnection', (sock: TLSSocket) => {
      sock.on('error', () => undefined);
      const down = wrappedStream(sock);
      const base = (down ? this.infos.get(down as object) : undefined) ?? {
        local: '',
        remote: '',
        remoteIp: '',
      };
      const peer = uriSans(sock.getPeerCertificate())[0];
      const info: TlsConnectionInfo = {
        ...base,
        ...(sock.servername ? { serverName: sock.servername } : {}),
        chain: this.chain(),
        ...(peer ? { peerUriSan: peer } : {}),
        localUriSan: this.served?.spiffeId ?? id.spiffeId,
      };
      this.count('ssl.handshake');
      this.tlsSockets.add(sock);
      sock.once('close', () => this.tlsSockets.delete(sock));
      (sock as unknown as Record<symbol, unknown>)[DOWNSTREAM_TLS] = info;
    });
    this.server = server;
    return server;
  }

  /** Graceful close: HTTP/2 sessions get GOAWAY, idle HTTP/1 connections are closed. */
  closeIdle(): void {
    for (const s of this.sessions) s.close();
    for (const s of this.tlsSockets) {
      if (!(s as unknown as { _httpMessage?: unknown })._httpMessage && s.alpnProtocol !== 'h2')
        s.destroy();
    }
  }
}

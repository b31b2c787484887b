// A gateway listener's L4 front: Envoy's tls_inspector reads the ClientHello (SNI, ALPN) without
// terminating, the filter chain is chosen by server name, then the chain either terminates TLS
// (SIMPLE / MUTUAL / OPTIONAL_MUTUAL) and runs the HTTP connection manager or a TCP proxy, or passes
// the encrypted bytes through to a cluster (PASSTHROUGH), or proxies plain TCP. Certificates come from
// the snapshot the connection starts under, so a Secret change applies to new handshakes at once.
// Istio gateway chains: istio/istio pilot/pkg/networking/core/gateway.go createGatewayHTTPFilterChainOpts,
// buildGatewayListenerTLSContext; Envoy: source/extensions/filters/listener/tls_inspector.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureServer, type Http2SecureServer, type Http2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  createServer as createTlsServer,
  type Server as TlsServer,
  type TLSSocket,
} from 'node:tls';
import type { DownstreamTls, FilterChain, Listener } from '../../compile/snapshot.js';
import type { RequestContext } from '../context/request-context.js';
import type { ProxyServices } from '../services.js';
import { chainForServerName, expectsTls, isL4Listener } from './chain-match.js';
import { peekClientHello } from './peek-client-hello.js';
import { l4ChainFor, type Destination } from './destination-match.js';
import type { MeshIdentity } from './mesh-identity.js';
import { acceptUpgrades } from '../listener/upgrade.js';
import { H2_SERVER_OPTIONS, limitHttp1Server } from '../listener/connection-limits.js';
import { replayingDuplex } from './replay.js';
import { proxyTcp, rejectConnection, type DownstreamInfo } from './tcp-proxy.js';
import { formatHostPort } from '../../units/index.js';

/** Set on a terminated TLS socket: what the HTTP connection manager needs about its connection. */
export const DOWNSTREAM_TLS = Symbol('switchyard.downstreamTls');

export interface TlsConnectionInfo extends DownstreamInfo {
  /** The filter chain chosen by SNI when the connection started. */
  chain: FilterChain;
  /** Mesh mTLS (sidecar inbound): the peer's and our own SPIFFE ID (%DOWNSTREAM_PEER_URI_SAN%). */
  peerUriSan?: string;
  localUriSan?: string;
}

/** The TLS info of the connection a request arrived on (HTTP/1 socket or the HTTP/2 session's socket). */
export function tlsConnectionOf(req: {
  readonly socket: object | null;
}): TlsConnectionInfo | undefined {
  return (req.socket as unknown as { [DOWNSTREAM_TLS]?: TlsConnectionInfo })[DOWNSTREAM_TLS];
}

function stripMapped(addr: string | undefined): string {
  if (!addr) return '';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

export function addresses(socket: Socket): DownstreamInfo {
  const remoteIp = stripMapped(socket.remoteAddress);
  return {
    local: formatHostPort(stripMapped(socket.localAddress), socket.localPort ?? 0),
    remote: formatHostPort(remoteIp, socket.remotePort ?? 0),
    remoteIp,
  };
}

/** A gateway socket is not redirected: its local address is the original destination. */
function localDestination(socket: Socket, listener: Listener): Destination {
  return { host: stripMapped(socket.localAddress), port: listener.port };
}

/** Node TLS options for a DownstreamTls (Envoy DownstreamTlsContext as Istio builds it). */
export function secureOptions(t: DownstreamTls, alpn: boolean, identity?: MeshIdentity) {
  // ISTIO_MUTUAL: the proxy's workload certificate, the mesh root, client certificate required.
  const mesh = t.mode === 'ISTIO_MUTUAL';
  if (mesh && !identity) throw new Error('ISTIO_MUTUAL needs a mesh identity');
  const ca = mesh ? identity?.rootCert : t.caCertificates;
  return {
    cert: mesh ? identity?.certChain : t.certChain,
    key: mesh ? identity?.privateKey : t.privateKey,
    ...(ca && t.mode !== 'SIMPLE' ? { ca } : {}),
    // MUTUAL: require_client_certificate; OPTIONAL_MUTUAL: requested, verified when presented.
    requestCert: t.mode !== 'SIMPLE',
    rejectUnauthorized: t.mode === 'MUTUAL' || mesh,
    // Istio's gateway default minimum is TLS 1.2; Envoy's default maximum is TLS 1.3.
    minVersion: t.minProtocolVersion ?? 'TLSv1.2',
    maxVersion: t.maxProtocolVersion ?? 'TLSv1.3',
    ...(t.cipherSuites && t.cipherSuites.length > 0 ? { ciphers: t.cipherSuites.join(':') } : {}),
    // istio/istio pilot/pkg/networking/core/gateway.go: ALPN h2,http/1.1 on HTTPS servers.
    ...(alpn ? { ALPNProtocols: ['h2', 'http/1.1'] } : {}),
  } as const;
}

/** SAN values of a peer certificate (`DNS:a, URI:spiffe://..., IP Address:1.2.3.4`). */
function peerSans(sock: TLSSocket): string[] {
  const alt = sock.getPeerCertificate()?.subjectaltname ?? '';
  return alt
    .split(/,\s*/)
    .map((e) => e.slice(e.indexOf(':') + 1))
    .filter((v) => v !== '');
}

/** Post-handshake checks Node does not do: OPTIONAL_MUTUAL with a bad cert, subjectAltNames. */
export function clientCertAccepted(t: DownstreamTls, sock: TLSSocket): boolean {
  if (t.mode === 'SIMPLE') return true;
  const cert = sock.getPeerCertificate();
  const presented = cert !== null && Object.keys(cert).length > 0;
  if (!presented) return t.mode === 'OPTIONAL_MUTUAL';
  if (!sock.authorized) return false;
  // Envoy match_typed_subject_alt_names: any listed value equals any SAN of the client cert.
  if (t.subjectAltNames && t.subjectAltNames.length > 0) {
    const sans = peerSans(sock);
    return t.subjectAltNames.some((s) => sans.includes(s));
  }
  return true;
}

/** The Duplex a tls.Server wrapped (Node keeps it as the JS stream behind the TLS handle). */
export function wrappedStream(sock: TLSSocket): unknown {
  return (sock as unknown as { ssl?: { _parentWrap?: { stream?: unknown } } }).ssl?._parentWrap
    ?.stream;
}

type TerminatingServer = Http2SecureServer | TlsServer;

export class GatewayConnections {
  private readonly servers = new WeakMap<DownstreamTls, TerminatingServer | null>();
  private readonly infos = new WeakMap<object, DownstreamInfo>();
  private readonly sessions = new Set<Http2Session>();
  private readonly tlsSockets = new Set<TLSSocket>();
  /** Envoy listener and ssl counters, rendered as `listener.<name>.<stat>`. */
  readonly counters = new Map<string, number>();

  constructor(
    private readonly svc: ProxyServices,
    private readonly listenerName: string,
    private readonly http: (req: IncomingMessage, res: ServerResponse) => void,
    private readonly log: (ctx: RequestContext) => void,
  ) {}

  private count(stat: string): void {
    this.counters.set(stat, (this.counters.get(stat) ?? 0) + 1);
  }

  /** Adds `listener.<name>.downstream_cx_total`, `.no_filter_chain_match`, `.ssl.handshake`... */
  renderStats(into: Map<string, number>): void {
    for (const [k, v] of this.counters) {
      const key = `listener.${this.listenerName}.${k}`;
      into.set(key, (into.get(key) ?? 0) + v);
    }
  }

  private reject(down: Duplex, info: DownstreamInfo): void {
    this.count('no_filter_chain_match');
    rejectConnection(this.svc, down, info, this.log);
  }

  private listener(): Listener | undefined {
    return this.svc.snapshot()?.listeners.find((l) => l.name === this.listenerName);
  }

  /**
   * At connect time: a TCP-only listener proxies at once, before the client sends anything, as
   * Envoy's tcp_proxy does (server-first protocols such as MySQL or SMTP speak first).
   */
  acceptOnConnect(socket: Socket): boolean {
    const listener = this.listener();
    if (!listener || !isL4Listener(listener) || expectsTls(listener)) return false;
    this.count('downstream_cx_total');
    const base = { ...addresses(socket), destination: localDestination(socket, listener) };
    const chain = l4ChainFor(listener, undefined, base.destination);
    const down = replayingDuplex(socket, Buffer.alloc(0));
    if (!chain) this.reject(down, base);
    else proxyTcp(this.svc, chain, down, base, this.log);
    return true;
  }

  /**
   * Takes a new downstream connection whose first bytes are `first` when the listener needs L4
   * handling (TLS, passthrough, TCP); returns false for a plain-HTTP listener.
   */
  accept(socket: Socket, first: Buffer): boolean {
    const listener = this.listener();
    if (!listener || !isL4Listener(listener)) return false;
    this.count('downstream_cx_total');
    const base = { ...addresses(socket), destination: localDestination(socket, listener) };
    if (!expectsTls(listener)) {
      const chain = l4ChainFor(listener, undefined, base.destination);
      const down = replayingDuplex(socket, first);
      if (!chain) this.reject(down, base);
      else proxyTcp(this.svc, chain, down, base, this.log);
      return true;
    }
    peekClientHello(this.svc, socket, first, (hello, buf) => {
      const down = replayingDuplex(socket, buf);
      // A non-TLS first byte matches no chain of a TLS listener: closed (NR filter_chain_not_found).
      if (hello.kind === 'not-tls') return this.reject(down, base);
      const info: DownstreamInfo = {
        ...base,
        ...(hello.serverName ? { serverName: hello.serverName } : {}),
      };
      const chain = chainForServerName(listener, hello.serverName);
      if (!chain) return this.reject(down, info);
      if (chain.tls) return this.terminate(chain, chain.tls, down, info);
      if (chain.tcp) return proxyTcp(this.svc, chain, down, info, this.log);
      this.reject(down, info);
    });
    return true;
  }

  private terminate(chain: FilterChain, t: DownstreamTls, down: Duplex, info: DownstreamInfo) {
    const server = this.serverFor(chain, t);
    if (!server) return this.reject(down, info);
    const id = this.meshIdentity(t);
    if (id) {
      // A rotated workload certificate is served to the next handshake (as an Envoy SDS update).
      const served = this.servedIdentity.get(server);
      if (served && served !== id) server.setSecureContext(secureOptions(t, false, id));
      this.servedIdentity.set(server, id);
    }
    this.infos.set(down, info);
    server.emit('connection', down);
  }

  /** The mesh identity each ISTIO_MUTUAL server was last given. */
  private readonly servedIdentity = new WeakMap<object, MeshIdentity>();

  /** The gateway's mesh identity for an ISTIO_MUTUAL server (issued on first use). */
  private meshIdentity(t: DownstreamTls): MeshIdentity | undefined {
    return t.mode === 'ISTIO_MUTUAL' ? this.svc.identity?.() : undefined;
  }

  /** One terminating server per DownstreamTls object, i.e. per chain of one snapshot. */
  private serverFor(chain: FilterChain, t: DownstreamTls): TerminatingServer | undefined {
    const cached = this.servers.get(t);
    if (cached !== undefined) return cached ?? undefined;
    let server: TerminatingServer | null;
    try {
      server = chain.http
        ? createSecureServer(
            {
              ...secureOptions(t, true, this.meshIdentity(t)),
              allowHTTP1: true,
              ...H2_SERVER_OPTIONS,
            },
            (req, res) =>
              this.http(req as unknown as IncomingMessage, res as unknown as ServerResponse),
          )
        : createTlsServer(secureOptions(t, false, this.meshIdentity(t)));
    } catch {
      // Unusable key material: Envoy would reject the listener update; connections are closed.
      server = null;
    }
    this.servers.set(t, server);
    if (!server) return undefined;
    // Envoy ssl stats (source/common/tls/ssl_socket.cc, context_impl.cc): failures by cause.
    server.on('tlsClientError', (err: Error) => {
      this.count('ssl.connection_error');
      const m = err.message.toLowerCase();
      if (m.includes('did not return a certificate') || m.includes('certificate required'))
        this.count('ssl.fail_verify_no_cert');
      else if (m.includes('certificate verify failed') || m.includes('unknown ca'))
        this.count('ssl.fail_verify_error');
    });
    if (chain.http) {
      // HTTP/1 over TLS gets the same header limits and timeouts as plaintext (connection-limits.ts).
      if (this.svc.http1Limits) limitHttp1Server(server, this.svc.http1Limits);
      (server as Http2SecureServer).on('session', (s: Http2Session) => {
        this.sessions.add(s);
        s.once('close', () => this.sessions.delete(s));
      });
      (server as Http2SecureServer).on('sessionError', () => undefined);
      // HTTP/1.1 upgrades (WebSocket) on a TLS-terminating HTTPS server.
      acceptUpgrades(server as Http2SecureServer, this.http);
    }
    server.on('secureConnection', (sock: TLSSocket) => {
      const down = wrappedStream(sock);
      const base: DownstreamInfo = (down ? this.infos.get(down as object) : undefined) ?? {
        local: '',
        remote: '',
        remoteIp: '',
      };
      const info: TlsConnectionInfo = {
        ...base,
        ...(sock.servername ? { serverName: sock.servername } : {}),
        chain,
      };
      sock.on('error', () => undefined);
      if (!clientCertAccepted(t, sock)) {
        this.count(sock.authorized ? 'ssl.fail_verify_san' : 'ssl.fail_verify_error');
        sock.destroy();
        return;
      }
      this.count('ssl.handshake');
      if (chain.http) {
        this.tlsSockets.add(sock);
        sock.once('close', () => this.tlsSockets.delete(sock));
        (sock as unknown as Record<symbol, unknown>)[DOWNSTREAM_TLS] = info;
        return;
      }
      // TLS terminated, then TCP proxied (Gateway TLS server with SIMPLE/MUTUAL and VS tcp routes).
      proxyTcp(this.svc, chain, sock, info, this.log);
    });
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

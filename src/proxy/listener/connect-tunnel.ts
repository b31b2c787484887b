// HTTP CONNECT on a sidecar's `virtualOutbound` socket: locally a workload reaches HTTPS and TCP
// destinations through HTTPS_PROXY, so the tunnel's bytes are what Istio's sidecar would capture
// with iptables for a connection to the CONNECT target. The target's port selects listener
// `0.0.0.0_<port>` (as the Host does for plain HTTP); its filter chains are matched by destination,
// then by SNI from the ClientHello (tls_inspector); an HTTP port parses HTTP inside the tunnel; no
// matching chain uses the listener's default chain, virtualOutbound's PassthroughCluster (ALLOW_ANY)
// or BlackHoleCluster (REGISTRY_ONLY) (istio/istio pilot/pkg/networking/core/listener_builder.go
// buildOutboundCatchAllNetworkFilterChains; envoyproxy/envoy filter_chain_manager_impl.cc
// default_filter_chain).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FilterChain, Listener } from '../../compile/snapshot.js';
import type { RequestContext } from '../context/request-context.js';
import type { ProxyServices } from '../services.js';
import { l4ChainFor, needsSni, type Destination } from '../tls/destination-match.js';
import { mayBeHttp1 } from './protocol-sniff.js';
import { peekClientHello } from '../tls/peek-client-hello.js';
import { replayingDuplex } from '../tls/replay.js';
import { proxyTcp, rejectConnection, type DownstreamInfo } from '../tls/tcp-proxy.js';
import { formatHostPort, parsePort, splitAuthority, unbracket } from '../../units/index.js';
import { acceptUpgrades } from './upgrade.js';
import { limitHttp1Server } from './connection-limits.js';

/** `host:port` / `[v6]:port` of a CONNECT request target (RFC 9110 section 9.3.6 authority-form). */
export function parseConnectTarget(target: string): Destination | undefined {
  const split = splitAuthority(target);
  const port = parsePort(split.port);
  const host = unbracket(split.host);
  const bracketed = host !== split.host;
  // a bare host has no ':' (an IPv6 literal must be bracketed); neither form has '[', ']' or '/'
  if (
    port === undefined ||
    host === '' ||
    /[[\]/]/.test(host) ||
    (!bracketed && host.includes(':'))
  )
    return undefined;
  return { host, port };
}

function stripMapped(addr: string | undefined): string {
  if (!addr) return '';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

type HttpHandler = (listenerName: string, req: IncomingMessage, res: ServerResponse) => void;

export class ConnectTunnels {
  /** One HTTP server per outbound listener, for HTTP spoken inside tunnels. */
  private readonly servers = new Map<string, Server>();

  constructor(
    private readonly svc: ProxyServices,
    private readonly http: HttpHandler,
    private readonly log: (ctx: RequestContext) => void,
  ) {}

  /** The http server's `connect` event: answers 200, then handles the tunnel as a captured connection. */
  handle(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => undefined);
    const dest = parseConnectTarget(req.url ?? '');
    if (!dest) {
      socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    socket.write('HTTP/1.1 200 OK\r\n\r\n');
    // The tunnel relays half-closes (tcp_proxy): the client's FIN must not close the way back.
    socket.allowHalfOpen = true;
    const remoteIp = stripMapped(socket.remoteAddress);
    const info: DownstreamInfo = {
      // The captured connection's local address is its original destination (for an IP target).
      local: isIP(dest.host)
        ? formatHostPort(dest.host, dest.port)
        : `${stripMapped(socket.localAddress)}:${socket.localPort ?? 0}`,
      remote: formatHostPort(remoteIp, socket.remotePort ?? 0),
      remoteIp,
      destination: dest,
    };
    const snap = this.svc.snapshot();
    const listener = snap?.listeners.find((l) => l.name === `0.0.0.0_${dest.port}`);
    // A short name is what the pod's resolver would expand in its own namespace (podSearchNames).
    const namespace = snap?.proxy.namespace;
    const l4Only = listener && !listener.filterChains.some((c) => c.http);
    if (!listener || (l4Only && !needsSni(listener))) {
      // No listener, or TCP only: proxied at once (server-first protocols speak first).
      const chain = listener ? l4ChainFor(listener, undefined, dest, { namespace }) : undefined;
      return this.tcp(chain, replayingDuplex(socket, head), info);
    }
    const withFirst = (first: Buffer): void =>
      peekClientHello(this.svc, socket, first, (hello, bytes) => {
        const serverName = hello.kind === 'tls' ? hello.serverName : undefined;
        const withSni: DownstreamInfo = { ...info, ...(serverName ? { serverName } : {}) };
        const httpChain = listener.filterChains.find((c) => c.http);
        // A port of unknown protocol: HTTP bytes take the HTTP chain (http_inspector), others its TCP chain.
        if (httpChain?.applicationProtocols && hello.kind === 'not-tls' && mayBeHttp1(bytes))
          return this.httpIn(listener, socket, bytes);
        const chain = l4ChainFor(listener, serverName, dest, { generic: false, namespace });
        if (chain) return this.tcp(chain, replayingDuplex(socket, bytes), withSni);
        if (httpChain && hello.kind === 'not-tls') return this.httpIn(listener, socket, bytes);
        const generic = l4ChainFor(listener, serverName, dest, { namespace });
        this.tcp(generic, replayingDuplex(socket, bytes), withSni);
      });
    if (head.length > 0) return withFirst(head);
    socket.once('data', (first: Buffer) => {
      socket.pause();
      withFirst(first);
    });
  }

  /** tcp_proxy on the chosen chain, or on the default chain (virtualOutbound's) when none matched. */
  private tcp(chain: FilterChain | undefined, down: Duplex, info: DownstreamInfo): void {
    const fallback = this.svc
      .snapshot()
      ?.listeners.find((l) => l.name === 'virtualOutbound')
      ?.filterChains.find((c) => c.tcp);
    const use = chain ?? fallback;
    if (!use) return rejectConnection(this.svc, down, info, this.log);
    proxyTcp(this.svc, use, down, info, this.log);
  }

  /** HTTP inside the tunnel: the listener's HTTP connection manager, as for a captured connection. */
  private httpIn(listener: Listener, socket: Socket, bytes: Buffer): void {
    let server = this.servers.get(listener.name);
    if (!server) {
      const name = listener.name;
      server = createServer((req, res) => this.http(name, req, res));
      acceptUpgrades(server, (req, res) => this.http(name, req, res));
      // HTTP inside a tunnel has the listener's limits (408, 431, idle timeout); they also start the
      // connection tracking closeIdleConnections() needs (the server never listens itself).
      if (this.svc.http1Limits) limitHttp1Server(server, this.svc.http1Limits);
      else server.emit('listening');
      this.servers.set(name, server);
    }
    server.emit('connection', replayingDuplex(socket, bytes));
  }

  /** Graceful close: idle keep-alive connections inside tunnels are closed. */
  closeIdle(): void {
    for (const s of this.servers.values()) s.closeIdleConnections();
  }

  close(): void {
    for (const s of this.servers.values()) s.close(() => undefined);
    this.servers.clear();
  }
}

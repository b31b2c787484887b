// The pod subresources that reach into the running pod: exec (and attach's URL), portforward and log,
// served from the kubelet's view (PodRuntime). exec and portforward are connection upgrades: WebSocket
// (`v5.channel.k8s.io`/`v4.channel.k8s.io` for exec, `SPDY/3.1+portforward.k8s.io` = SPDY tunnelled
// in WebSocket messages for port-forward, kubectl >= 1.30/1.31) or `SPDY/3.1` with
// X-Stream-Protocol-Version (older kubectl, and newer ones' fallback); log is plain HTTP.
import type { ChildProcess } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  isPodLookupFailure,
  type PodContainerView,
  type PodRuntime,
  type PodView,
} from '../../model/pod-runtime.js';
import { SpdySession, type SpdyStream, type SpdyTransport } from '../spdy/session.js';
import { spdyExecChannels, webSocketExecChannels, type StreamOptions } from './exec-channels.js';
import { runExec } from './exec-process.js';
import { parseLogQuery, serveLog } from './pod-log.js';
import { portForwardStreams } from './port-forward.js';

const PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach|portforward|log)$/;

/** Remote command protocols we speak, preferred first (k8s.io/apimachinery pkg/util/remotecommand). */
const EXEC_WS_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const EXEC_SPDY_PROTOCOLS = ['v4.channel.k8s.io'];
const PORTFORWARD_PROTOCOL = 'portforward.k8s.io';
/** k8s.io/apimachinery pkg/util/portforward constants.go WebsocketsSPDYTunnelingPrefix. */
const TUNNEL_PREFIX = 'SPDY/3.1+';
const TUNNEL_STAND_IN = 'switchyard-spdy-tunnel';

interface Target {
  namespace: string;
  name: string;
  sub: 'exec' | 'attach' | 'portforward' | 'log';
}

/** An answer before (instead of) an upgrade: a Status JSON or the kubelet's plain text. */
interface Refusal {
  code: number;
  body: string;
  contentType: string;
}

const NO_PODS: PodRuntime = {
  lookup: (_ns, name) => ({ code: 404, reason: 'NotFound', message: `pods "${name}" not found` }),
};

export function podSubresourceOf(pathname: string): Target | undefined {
  const m = PATH.exec(pathname);
  if (!m) return undefined;
  return {
    namespace: decodeURIComponent(m[1] ?? ''),
    name: decodeURIComponent(m[2] ?? ''),
    sub: m[3] as Target['sub'],
  };
}

function status(code: number, reason: string, message: string): Refusal {
  return {
    code,
    contentType: 'application/json',
    body: JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      code,
    }),
  };
}

export class PodSubresources {
  private runtime: PodRuntime = NO_PODS;
  /** Upgrades served, by transport and protocol (`websocket v5.channel.k8s.io`, `spdy portforward.k8s.io`). */
  readonly served = new Map<string, number>();
  private readonly children = new Set<ChildProcess>();
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    // Offered protocols in the client's order are irrelevant: we pick our most preferred.
    handleProtocols: (offered: Set<string>) => chooseWsProtocol(offered) ?? false,
  });

  constructor(private readonly now: () => number = () => Date.now()) {
    // `SPDY/3.1+portforward.k8s.io` is not an RFC 7230 token ('/'), so ws refuses it as offered; the
    // request carries a stand-in and the 101 answer names the protocol kubectl asked for.
    this.wss.on('headers', (headers: string[]) => {
      const i = headers.indexOf(`Sec-WebSocket-Protocol: ${TUNNEL_STAND_IN}`);
      if (i >= 0) headers[i] = `Sec-WebSocket-Protocol: ${TUNNEL_PREFIX}${PORTFORWARD_PROTOCOL}`;
    });
  }

  setRuntime(runtime: PodRuntime): void {
    this.runtime = runtime;
  }

  /** Plain HTTP: log, and exec/portforward asked without an upgrade. False when not ours. */
  handleRequest(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const target = podSubresourceOf(url.pathname);
    if (!target) return false;
    const reply = (r: Refusal) => {
      res.writeHead(r.code, { 'content-type': r.contentType, 'content-length': r.body.length });
      res.end(r.body);
    };
    if (target.sub !== 'log') {
      reply(status(400, 'BadRequest', 'Upgrade request required'));
      return true;
    }
    const found = this.pod(target);
    if ('code' in found) return (reply(found), true);
    const container = pickContainer(found, url.searchParams.get('container'));
    if ('code' in container) return (reply(container), true);
    const query = parseLogQuery(url, this.now());
    if (typeof query === 'string') return (reply(status(400, 'BadRequest', query)), true);
    serveLog(req, res, container, query);
    return true;
  }

  /** A connection upgrade (exec, portforward). False when the path is not ours. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): boolean {
    const target = podSubresourceOf(url.pathname);
    if (!target) return false;
    socket.on('error', () => socket.destroy());
    const refuse = (r: Refusal) => refuseUpgrade(socket, r);
    if (target.sub === 'log')
      return (refuse(status(400, 'BadRequest', 'log is not an upgrade')), true);
    const found = this.pod(target);
    if ('code' in found) return (refuse(found), true);
    const isWebSocket = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    if (target.sub === 'portforward') {
      this.portForward(req, socket, head, found, isWebSocket);
      return true;
    }
    // exec / attach: validated as the API server (container, command) and the kubelet (running) do.
    const q = url.searchParams;
    const container = pickContainer(found, q.get('container'));
    if ('code' in container) return (refuse(container), true);
    const flag = (n: string) => q.get(n) === 'true' || q.get(n) === '1';
    const options: StreamOptions = {
      stdin: flag('stdin'),
      stdout: flag('stdout'),
      stderr: flag('stderr') && !flag('tty'),
      tty: flag('tty'),
    };
    const command = q.getAll('command');
    if (target.sub === 'attach')
      return (refuse(status(400, 'BadRequest', 'attach is not supported by Switchyard')), true);
    if (command.length === 0)
      return (
        refuse(
          status(400, 'BadRequest', 'you must specify at least one command for the container'),
        ),
        true
      );
    if (!options.stdin && !options.stdout && !options.stderr)
      return (
        refuse(status(400, 'BadRequest', 'you must specify at least 1 of stdin, stdout, stderr')),
        true
      );
    // pkg/kubelet/kubelet_pods.go GetExec -> findContainer: the kubelet answers 500 with plain text.
    if (!container.running || found.phase !== 'Running')
      return (
        refuse({
          code: 500,
          contentType: 'text/plain; charset=utf-8',
          body: `container not found ("${container.name}")`,
        }),
        true
      );
    if (isWebSocket) {
      this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        this.count(`websocket ${ws.protocol}`);
        this.track(
          runExec(found, container, command, options, webSocketExecChannels(ws, ws.protocol)),
        );
      });
      return true;
    }
    const protocol = negotiateSpdy(req, EXEC_SPDY_PROTOCOLS);
    if (protocol === undefined) return (refuse(noProtocol(req, EXEC_SPDY_PROTOCOLS)), true);
    this.count(`spdy ${protocol}`);
    const session = spdyOverSocket(socket, head, protocol, (s) => onStream(s));
    const onStream = spdyExecChannels(session, options, (channels) =>
      this.track(runExec(found, container, command, options, channels)),
    );
    return true;
  }

  private portForward(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    pod: PodView,
    isWebSocket: boolean,
  ): void {
    const handler = portForwardStreams(pod);
    if (isWebSocket) {
      const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',');
      if (!offered.some((p) => p.trim() === `${TUNNEL_PREFIX}${PORTFORWARD_PROTOCOL}`)) {
        refuseUpgrade(
          socket,
          status(400, 'BadRequest', 'port-forward needs SPDY/3.1+portforward.k8s.io'),
        );
        return;
      }
      req.headers['sec-websocket-protocol'] = TUNNEL_STAND_IN;
      // kubectl >= 1.31: SPDY frames carried in binary WebSocket messages (client-go
      // tools/portforward tunneling_connection.go).
      this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        this.count(`websocket ${TUNNEL_PREFIX}${PORTFORWARD_PROTOCOL}`);
        const transport: SpdyTransport = {
          write: (b) => ws.readyState === ws.OPEN && ws.send(b),
          end: () => ws.close(1000),
        };
        const session = new SpdySession(transport, handler);
        ws.on('message', (raw: Buffer) => session.receive(Buffer.from(raw)));
        ws.on('close', () => session.transportClosed());
      });
      return;
    }
    const protocol = negotiateSpdy(req, [PORTFORWARD_PROTOCOL]);
    if (protocol === undefined) {
      refuseUpgrade(socket, noProtocol(req, [PORTFORWARD_PROTOCOL]));
      return;
    }
    this.count(`spdy ${protocol}`);
    spdyOverSocket(socket, head, protocol, handler);
  }

  /** Exec'd commands still running (each ends with its command or when its client goes away). */
  get activeExecs(): number {
    return this.children.size;
  }

  private track(child: ChildProcess): void {
    this.children.add(child);
    child.once('close', () => this.children.delete(child));
    child.once('error', () => this.children.delete(child));
  }

  private count(key: string): void {
    this.served.set(key, (this.served.get(key) ?? 0) + 1);
  }

  private pod(target: Target): PodView | Refusal {
    const found = this.runtime.lookup(target.namespace, target.name);
    if (isPodLookupFailure(found)) return status(found.code, found.reason, found.message);
    return found;
  }
}

function chooseWsProtocol(offered: ReadonlySet<string>): string | undefined {
  for (const p of EXEC_WS_PROTOCOLS) if (offered.has(p)) return p;
  return offered.has(TUNNEL_STAND_IN) ? TUNNEL_STAND_IN : undefined;
}

/** The container the request names; none named is fine only for a one-container pod. */
function pickContainer(pod: PodView, name: string | null): PodContainerView | Refusal {
  // kubernetes pkg/registry/core/pod/strategy.go streamLocation / LogLocation.
  if (!name) {
    const only = pod.containers.length === 1 ? pod.containers[0] : undefined;
    if (only) return only;
    return status(
      400,
      'BadRequest',
      `a container name must be specified for pod ${pod.name}, choose one of: [${pod.containers.map((c) => c.name).join(' ')}]`,
    );
  }
  const found = pod.containers.find((c) => c.name === name);
  return found ?? status(400, 'BadRequest', `container ${name} is not valid for pod ${pod.name}`);
}

/** httpstream.Handshake: the first of the client's X-Stream-Protocol-Version values we serve. */
function negotiateSpdy(req: IncomingMessage, supported: readonly string[]): string | undefined {
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'spdy/3.1') return undefined;
  const offered = clientProtocols(req);
  if (offered.length === 0) return '';
  return offered.find((p) => supported.includes(p));
}

function clientProtocols(req: IncomingMessage): string[] {
  const raw = req.headers['x-stream-protocol-version'];
  return (Array.isArray(raw) ? raw : [raw ?? ''])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function noProtocol(req: IncomingMessage, supported: readonly string[]): Refusal {
  // k8s.io/apimachinery pkg/util/httpstream/httpstream.go Handshake (403 Forbidden).
  return {
    code: 403,
    contentType: 'text/plain; charset=utf-8',
    body: `unable to upgrade: unable to negotiate protocol: client supports [${clientProtocols(req).join(' ')}], server supports [${supported.join(' ')}]`,
  };
}

function spdyOverSocket(
  socket: Duplex,
  head: Buffer,
  protocol: string,
  onStream: (stream: SpdyStream) => void,
): SpdySession {
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n' +
      (protocol ? `X-Stream-Protocol-Version: ${protocol}\r\n` : '') +
      '\r\n',
  );
  const session = new SpdySession(
    { write: (b) => socket.writable && socket.write(b), end: () => socket.end() },
    onStream,
  );
  socket.on('data', (b: Buffer) => session.receive(b));
  // The upgraded socket is half-open capable: a client that exits sends FIN ('end') and, unless it
  // had unread bytes (RST), no 'close' follows until we end too; either way the client is gone.
  socket.on('end', () => {
    session.transportClosed();
    socket.end();
  });
  socket.on('close', () => session.transportClosed());
  if (head.length > 0) session.receive(head);
  return session;
}

function refuseUpgrade(socket: Duplex, r: Refusal): void {
  const body = Buffer.from(r.body);
  socket.end(
    `HTTP/1.1 ${r.code} ${STATUS_TEXT[r.code] ?? 'Error'}\r\nContent-Type: ${r.contentType}\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${r.body}`,
  );
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
};

// What an uninjected pod's outbound calls go through: a plain Service proxy, as kube-proxy gives a
// pod without a sidecar - `http://<service>[.<ns>...]:<port>` goes straight to one ready endpoint of
// the Service (round robin), with no VirtualService, DestinationRule or retry applied; `CONNECT
// <service>:<port>` (HTTPS_PROXY: TLS, TCP, nc) is a plain connection to one such endpoint.
import { connect, type Socket } from 'node:net';
import {
  createServer,
  request,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { ConfigStore } from '../config/index.js';
import { labelsMatch } from '../config/index.js';

export interface PlainEndpoint {
  namespace: string;
  labels: Readonly<Record<string, string>>;
  ready: boolean;
  /** Container port -> where the pod answers on it (its sidecar's inbound socket, else its app). */
  ports: ReadonlyMap<number, { host: string; port: number }>;
}

interface ServicePort {
  port?: number;
  targetPort?: number | string;
}

export class ServiceProxy {
  private server: Server | undefined;
  private readonly cursor = new Map<string, number>();

  constructor(
    private readonly store: ConfigStore,
    private readonly endpoints: () => readonly PlainEndpoint[],
  ) {}

  async listen(host: string): Promise<string> {
    const server = createServer((req, res) => this.forward(req, res));
    // HTTPS_PROXY too: `CONNECT <svc>:<port>` is a plain TCP connection to one ready endpoint
    // (TLS and TCP clients, `nc`), as kube-proxy forwards any connection to a Service's VIP.
    server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.tunnel(req, socket, head),
    );
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
    const addr = server.address();
    return typeof addr === 'object' && addr ? `${host}:${addr.port}` : host;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** One ready endpoint of `<svc>[.<ns>...]:<port>` (round robin), or why there is none. */
  private pick(
    hostname: string,
    port: number,
  ): { host: string; port: number } | { status: 502 | 503; message: string } {
    // `name`, `name.ns`, `name.ns.svc.cluster.local`; a short name is taken in `default`.
    const [name = '', ns = 'default'] = hostname.split('.');
    const svc = this.store.get('Service', ns, name);
    const spec = (svc?.spec ?? {}) as { selector?: Record<string, string>; ports?: ServicePort[] };
    const sp = spec.ports?.find((p) => p.port === port);
    // No such Service: the name does not resolve, as DNS answers outside the mesh.
    if (!svc || !sp) return { status: 502, message: `no Service ${name}.${ns}:${port}\n` };
    const targetPort = typeof sp.targetPort === 'number' ? sp.targetPort : (sp.port ?? port);
    const ready = this.endpoints().filter(
      (e) =>
        e.ready &&
        e.namespace === ns &&
        labelsMatch(spec.selector ?? {}, e.labels) &&
        e.ports.has(targetPort),
    );
    if (ready.length === 0) return { status: 503, message: 'no ready endpoints\n' };
    const key = `${ns}/${name}:${port}`;
    const i = (this.cursor.get(key) ?? 0) % ready.length;
    this.cursor.set(key, i + 1);
    return ready[i]!.ports.get(targetPort)!;
  }

  private tunnel(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => undefined);
    const m = /^([^:[\]]+):(\d+)$/.exec(req.url ?? '');
    const to = m ? this.pick(m[1] ?? '', Number(m[2])) : { status: 400 as const, message: '' };
    if ('status' in to) {
      socket.end(`HTTP/1.1 ${to.status} ${STATUS_CODES[to.status]}\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    // Half-closes pass through both ways (a client's end of input, the server's answer after it).
    socket.allowHalfOpen = true;
    const upstream = connect({ host: to.host, port: to.port, allowHalfOpen: true });
    upstream.once('connect', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      socket.pipe(upstream);
      upstream.pipe(socket);
    });
    upstream.on('error', () => socket.destroy());
    socket.once('close', () => upstream.destroy());
    upstream.once('close', () => socket.destroy());
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    let target: URL;
    try {
      target = new URL(req.url ?? '', `http://${req.headers.host ?? 'localhost'}`);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const to = this.pick(target.hostname, Number(target.port || 80));
    if ('status' in to) {
      res.writeHead(to.status, { 'content-type': 'text/plain' }).end(to.message);
      return;
    }
    const upstream = request(
      {
        host: to.host,
        port: to.port,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(503).end();
      else res.destroy();
    });
    req.pipe(upstream);
  }
}

// What an uninjected pod's outbound calls go through: a plain Service proxy, as kube-proxy gives a
// pod without a sidecar - `http://<service>[.<ns>...]:<port>` goes straight to one ready endpoint of
// the Service (round robin), with no VirtualService, DestinationRule or retry applied.
import {
  createServer,
  request,
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

  private forward(req: IncomingMessage, res: ServerResponse): void {
    let target: URL;
    try {
      target = new URL(req.url ?? '', `http://${req.headers.host ?? 'localhost'}`);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const port = Number(target.port || 80);
    // `name`, `name.ns`, `name.ns.svc.cluster.local`; a short name is taken in `default`.
    const [name = '', ns = 'default'] = target.hostname.split('.');
    const svc = this.store.get('Service', ns, name);
    const spec = (svc?.spec ?? {}) as { selector?: Record<string, string>; ports?: ServicePort[] };
    const sp = spec.ports?.find((p) => p.port === port);
    if (!svc || !sp) {
      // No such Service: the name does not resolve, as DNS answers outside the mesh.
      res
        .writeHead(502, { 'content-type': 'text/plain' })
        .end(`no Service ${name}.${ns}:${port}\n`);
      return;
    }
    const targetPort = typeof sp.targetPort === 'number' ? sp.targetPort : (sp.port ?? port);
    const ready = this.endpoints().filter(
      (e) =>
        e.ready &&
        e.namespace === ns &&
        labelsMatch(spec.selector ?? {}, e.labels) &&
        e.ports.has(targetPort),
    );
    if (ready.length === 0) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('no ready endpoints\n');
      return;
    }
    const key = `${ns}/${name}:${port}`;
    const i = (this.cursor.get(key) ?? 0) % ready.length;
    this.cursor.set(key, i + 1);
    const to = ready[i]!.ports.get(targetPort)!;
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

// A proxy process-equivalent: one current snapshot (swapped in one assignment), the cluster states
// that outlive it, the sockets bound for its listeners, the access log and the counters.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ProxySnapshot } from '../compile/snapshot.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { systemRandom, type Random } from '../runtime/random.js';
import { formatJson, formatText } from './access-log/format.js';
import { AccessLogWriter } from './access-log/writer.js';
import type { RequestContext } from './context/request-context.js';
import { HttpConnectionManager, type Binding } from './listener/http-listener.js';
import type { ProxyServices } from './services.js';
import { ClusterManager } from './upstream/cluster-manager.js';

export interface AccessLogOptions {
  /** File path or `/dev/stdout`; omitted = no file output (use sink). */
  path?: string;
  encoding: 'TEXT' | 'JSON';
  /** Receives every formatted line (tests, the mesh runner's log view). */
  sink?: (line: string) => void;
}

export interface ProxyOptions {
  name: string;
  clock?: Clock;
  random?: Random;
  accessLog?: AccessLogOptions;
}

export interface ListenOptions {
  /** For `virtualInbound`: the service port this socket stands for. */
  destinationPort?: number;
}

export class Proxy implements ProxyServices {
  readonly name: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly clusters: ClusterManager;
  private current: ProxySnapshot | undefined;
  private readonly hcm: HttpConnectionManager;
  private readonly servers = new Set<Server>();
  private readonly sockets = new Set<Socket>();
  private readonly log: AccessLogWriter | undefined;
  private readonly encoding: 'TEXT' | 'JSON';
  private downstreamRq = 0;

  constructor(opts: ProxyOptions) {
    this.name = opts.name;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? systemRandom;
    this.clusters = new ClusterManager(this.clock, this.random);
    this.encoding = opts.accessLog?.encoding ?? 'TEXT';
    if (opts.accessLog && (opts.accessLog.path || opts.accessLog.sink)) {
      this.log = new AccessLogWriter(opts.accessLog.path, opts.accessLog.sink);
    }
    this.hcm = new HttpConnectionManager(this, (ctx) => this.onComplete(ctx));
  }

  snapshot(): ProxySnapshot | undefined {
    return this.current;
  }

  /** Swaps in a snapshot; requests in flight keep the one they started with. */
  update(snapshot: ProxySnapshot): void {
    this.clusters.apply(snapshot);
    this.current = snapshot;
  }

  private onComplete(ctx: RequestContext): void {
    this.downstreamRq++;
    if (!this.log) return;
    this.log.write(this.encoding === 'JSON' ? formatJson(ctx) : formatText(ctx));
  }

  /**
   * Binds a socket for a listener: `virtualOutbound` (proxy-form and Host-form requests; the port
   * selects `0.0.0.0_<port>`), `virtualInbound` with a destinationPort, or a gateway listener name.
   */
  listen(
    listenerName: string,
    addr: { host: string; port: number },
    opts: ListenOptions = {},
  ): Promise<{ host: string; port: number }> {
    let binding: Binding;
    if (listenerName === 'virtualOutbound') binding = { kind: 'virtualOutbound' };
    else if (listenerName === 'virtualInbound') {
      if (opts.destinationPort === undefined)
        return Promise.reject(new Error('virtualInbound needs destinationPort'));
      binding = { kind: 'inbound', destinationPort: opts.destinationPort };
    } else binding = { kind: 'listener', name: listenerName };
    const server = createServer(
      {
        // Slow clients are cut within ~1s of their deadline (architecture.md pitfalls).
        connectionsCheckingInterval: 1000,
        headersTimeout: 60_000,
        requestTimeout: 0,
        keepAliveTimeout: 3_600_000,
        noDelay: true,
      },
      (req, res) => this.hcm.handle(binding, req, res),
    );
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      // A request llhttp refuses: 400 and close (Envoy codec error), never a crash.
      if (socket.writable && !(socket as Socket & { _httpMessage?: unknown })._httpMessage) {
        const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
        const text = status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
        socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
      } else socket.destroy();
    });
    this.servers.add(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(addr.port, addr.host, () => {
        server.off('error', reject);
        const a = server.address() as AddressInfo;
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  /** Envoy-named counters: `cluster.<name>.upstream_rq_total`, ... */
  stats(): Map<string, number> {
    const out = new Map<string, number>();
    this.clusters.renderStats(out);
    out.set('http.downstream_rq_completed', this.downstreamRq);
    return out;
  }

  /** Stops accepting, lets in-flight requests finish (up to a grace period), closes pools. */
  async close(graceMs = 5000): Promise<void> {
    const closing = [...this.servers].map(
      (s) => new Promise<void>((resolve) => s.close(() => resolve())),
    );
    for (const s of this.servers) s.closeIdleConnections();
    const timer = setTimeout(() => {
      for (const s of this.sockets) s.destroy();
    }, graceMs);
    await Promise.all(closing);
    clearTimeout(timer);
    this.servers.clear();
    this.clusters.close();
    await this.log?.close();
  }
}

export function createProxy(opts: ProxyOptions): Proxy {
  return new Proxy(opts);
}

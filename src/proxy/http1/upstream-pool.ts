// Raw keep-alive upstream connections per host for the HTTP/1 codec: a LIFO array of idle sockets
// per host (the most recently used, warmest one first), a cap on requests per connection, an idle
// timeout, and idle sockets dropped when the upstream half-closes, sends unsolicited bytes or fails.
// Each connection installs its socket listeners once and hands events to its current user, so a
// request adds no listeners and no closures (performance.md).
import { createConnection, type Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../runtime/clock.js';

/** Who is using a connection for a request: receives its socket events until it releases it. */
export interface UpstreamUser {
  onUpstreamData(conn: UpstreamConnection, chunk: Buffer): void;
  /** The upstream half-closed (FIN) while this user held the connection. */
  onUpstreamEnd(conn: UpstreamConnection): void;
  /** The socket closed; `connected` false means the connection never came up (Envoy's UF). */
  onUpstreamClose(conn: UpstreamConnection, error: Error | undefined): void;
}

export interface UpstreamPoolOptions {
  /** Close a connection after this many requests; 0 = no limit (Envoy's default, max_requests_per_connection). */
  maxRequestsPerConnection: number;
  /** Close a connection idle this long; 0 = never (Envoy's idle_timeout default is 1 h). */
  idleTimeoutMs: number;
  clock: Clock;
}

export class UpstreamConnection {
  user: UpstreamUser | undefined;
  /** Requests started on this connection. */
  requests = 0;
  connected = false;
  closed = false;
  /** Why the socket failed, kept for the close event. */
  error: Error | undefined;
  idleTimer: TimerHandle | undefined;

  constructor(
    readonly key: string,
    readonly socket: Socket,
    private readonly pool: UpstreamPool,
  ) {
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.connected = true;
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.user) this.user.onUpstreamData(this, chunk);
      else this.pool.drop(this); // unsolicited bytes on an idle connection: it cannot be reused
    });
    socket.on('end', () => {
      if (this.user) this.user.onUpstreamEnd(this);
      else this.pool.drop(this); // half-closed while idle
    });
    socket.on('error', (e: Error) => {
      this.error ??= e;
    });
    socket.on('close', () => {
      this.closed = true;
      const user = this.user;
      this.user = undefined;
      if (user) user.onUpstreamClose(this, this.error);
      else this.pool.drop(this);
    });
  }
}

export class UpstreamPool {
  private readonly idle = new Map<string, UpstreamConnection[]>();
  /** Connections opened, for stats and tests. */
  opened = 0;

  constructor(private readonly opts: UpstreamPoolOptions) {}

  /**
   * A connection to `host:port` for `user`: the most recently released idle one, else a new one
   * (writes before it connects are queued by the socket).
   */
  acquire(host: string, port: number, user: UpstreamUser): UpstreamConnection {
    const key = `${host}:${port}`;
    const list = this.idle.get(key);
    let conn = list?.pop();
    while (conn && (conn.closed || conn.socket.destroyed || !conn.socket.writable))
      conn = list?.pop();
    if (conn) {
      conn.idleTimer?.cancel();
      conn.idleTimer = undefined;
    } else {
      conn = new UpstreamConnection(key, createConnection({ host, port }), this);
      this.opened++;
    }
    conn.user = user;
    conn.requests++;
    return conn;
  }

  /**
   * Ends `user`'s use of `conn`. A connection whose response was read to its end (`reusable`) goes
   * back to the idle list unless it reached its request limit or the upstream half-closed it.
   */
  release(conn: UpstreamConnection, reusable: boolean): void {
    conn.user = undefined;
    const max = this.opts.maxRequestsPerConnection;
    if (
      !reusable ||
      conn.closed ||
      !conn.socket.writable ||
      conn.socket.readableEnded ||
      (max > 0 && conn.requests >= max)
    ) {
      conn.socket.destroy();
      return;
    }
    let list = this.idle.get(conn.key);
    if (!list) this.idle.set(conn.key, (list = []));
    list.push(conn);
    if (this.opts.idleTimeoutMs > 0) {
      conn.idleTimer = this.opts.clock.setTimer(this.opts.idleTimeoutMs, () => this.drop(conn));
    }
  }

  /** Removes an idle connection and closes it. */
  drop(conn: UpstreamConnection): void {
    conn.idleTimer?.cancel();
    conn.idleTimer = undefined;
    const list = this.idle.get(conn.key);
    const at = list ? list.indexOf(conn) : -1;
    if (list && at >= 0) list.splice(at, 1);
    if (!conn.socket.destroyed) conn.socket.destroy();
  }

  idleCount(host: string, port: number): number {
    return this.idle.get(`${host}:${port}`)?.length ?? 0;
  }

  /** Closes every idle connection. */
  close(): void {
    for (const list of this.idle.values()) for (const c of [...list]) this.drop(c);
    this.idle.clear();
  }
}

// llhttp (Node's HTTP/1 parser) as an oracle for the differential fuzz of src/proxy/http1, driven
// only through Node's public API: raw bytes are written on a socket to a real `http.createServer`
// (requests) or answered by a raw `net` server to a real `http.request` (responses), on port 0.
import { createServer, request, type IncomingMessage } from 'node:http';
import {
  createConnection,
  createServer as createNetServer,
  type AddressInfo,
  type Socket,
} from 'node:net';

/** What llhttp made of the first message in the bytes. */
export type Verdict =
  | {
      accepted: true;
      method: string;
      url: string;
      status: number;
      versionMinor: number;
      /** Names lower-cased, values as Node gives them. */
      names: string[];
      values: string[];
      body: string;
      /** CONNECT or upgrade: the body is not compared. */
      tunnel: boolean;
    }
  | { accepted: false; error: string };

const MAX_HEADER_SIZE = 64 * 1024;
const CASE_TIMEOUT_MS = 5000;

function fromRaw(raw: string[]): { names: string[]; values: string[] } {
  const names: string[] = [];
  const values: string[] = [];
  for (let k = 0; k < raw.length; k += 2) {
    names.push((raw[k] ?? '').toLowerCase());
    values.push(raw[k + 1] ?? '');
  }
  return { names, values };
}

interface Pending {
  resolve: (v: Verdict) => void;
  req?: IncomingMessage;
  body: Buffer[];
  ended: boolean;
  tunnel: boolean;
  error?: string;
}

/** A node:http server that reports, per connection, what it parsed from the bytes written to it. */
export class RequestOracle {
  private readonly server = createServer({
    // Host presence and the size limit are compared by the codec's own tests, not here.
    requireHostHeader: false,
    maxHeaderSize: MAX_HEADER_SIZE,
  });
  private readonly byPort = new Map<number, Pending>();
  private port = 0;

  async start(): Promise<void> {
    const s = this.server;
    const first = (socket: Socket) => this.byPort.get(socket.remotePort ?? -1);
    s.on('connection', (socket: Socket) => {
      socket.on('close', () => setImmediate(() => this.finish(socket.remotePort ?? -1)));
    });
    s.on('request', (req: IncomingMessage, res) => {
      const p = first(req.socket);
      if (!p || p.req) return;
      p.req = req;
      req.on('data', (d: Buffer) => p.body.push(d));
      req.on('end', () => {
        p.ended = true;
        res.end();
      });
      req.on('error', () => {});
    });
    const tunnel = (req: IncomingMessage, socket: Socket) => {
      const p = first(socket);
      if (p && !p.req) {
        p.req = req;
        p.tunnel = true;
        p.ended = true;
      }
      socket.destroy();
    };
    s.on('connect', tunnel);
    s.on('upgrade', tunnel);
    s.on('clientError', (e: NodeJS.ErrnoException, socket: Socket) => {
      const p = first(socket);
      if (p && p.error === undefined) p.error = e.code ?? e.message;
      socket.destroy();
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    this.port = (s.address() as AddressInfo).port;
  }

  private finish(port: number): void {
    const p = this.byPort.get(port);
    if (!p) return;
    this.byPort.delete(port);
    const req = p.req;
    if (req && p.ended && (req.complete || p.tunnel)) {
      p.resolve({
        accepted: true,
        method: req.method ?? '',
        url: req.url ?? '',
        status: 0,
        versionMinor: req.httpVersionMinor,
        ...fromRaw(req.rawHeaders),
        body: Buffer.concat(p.body).toString('latin1'),
        tunnel: p.tunnel,
      });
    } else {
      p.resolve({ accepted: false, error: p.error ?? (req ? 'incomplete body' : 'no request') });
    }
  }

  /** Writes `bytes` on a new connection, half-closes it and reports what the server parsed. */
  parse(bytes: Buffer): Promise<Verdict> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('llhttp oracle: no verdict')),
        CASE_TIMEOUT_MS,
      );
      const sock = createConnection({ port: this.port, host: '127.0.0.1' });
      sock.on('connect', () => {
        this.byPort.set(sock.localPort ?? -1, {
          resolve: (v) => {
            clearTimeout(timer);
            sock.destroy();
            resolve(v);
          },
          body: [],
          ended: false,
          tunnel: false,
        });
        sock.end(bytes);
      });
      sock.on('data', () => {});
      sock.on('error', () => {});
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** A raw server that answers each connection with the next bytes; `http.request` parses them. */
export class ResponseOracle {
  private readonly server = createNetServer((socket) => {
    const bytes = this.queue.shift() ?? Buffer.alloc(0);
    socket.on('error', () => {});
    socket.once('data', () => socket.end(bytes));
  });
  private readonly queue: Buffer[] = [];
  private port = 0;

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Sends a `method` request and reports how Node's client parsed `bytes` as the response. */
  parse(bytes: Buffer, method: string): Promise<Verdict> {
    this.queue.push(bytes);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('llhttp oracle: no verdict')),
        CASE_TIMEOUT_MS,
      );
      let done = false;
      const settle = (v: Verdict) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(v);
      };
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path: '/',
          agent: false,
          maxHeaderSize: MAX_HEADER_SIZE,
        },
        (res) => {
          const body: Buffer[] = [];
          const accept = () =>
            settle({
              accepted: true,
              method,
              url: '',
              status: res.statusCode ?? 0,
              versionMinor: res.httpVersionMinor,
              ...fromRaw(res.rawHeaders),
              body: Buffer.concat(body).toString('latin1'),
              tunnel: false,
            });
          res.on('data', (d: Buffer) => body.push(d));
          res.on('end', () =>
            res.complete ? accept() : settle({ accepted: false, error: 'incomplete body' }),
          );
          // Bytes after a complete response are the next message's (an error of its own): the first
          // message stands, as it does for the codec, which reads one message at a time.
          const failed = (e: NodeJS.ErrnoException) =>
            res.complete
              ? setImmediate(accept)
              : settle({ accepted: false, error: e.code ?? e.message });
          res.on('error', failed);
          res.on('aborted', () => failed(new Error('aborted')));
          onRequestError = failed;
        },
      );
      let onRequestError = (e: NodeJS.ErrnoException) =>
        settle({ accepted: false, error: e.code ?? e.message });
      req.on('error', (e: NodeJS.ErrnoException) => onRequestError(e));
      req.end();
    });
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

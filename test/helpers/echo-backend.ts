// Echo backends for data-plane tests: real HTTP servers on port 0 that answer with what they received
// (name, method, url, headers, body length) as JSON. Behaviour hooks set the status or stall/reset.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Received {
  name: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  bodyLength: number;
}

export type Behaviour = (req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean | void;

export interface EchoBackend {
  name: string;
  port: number;
  received: Received[];
  /** Replace to change behaviour; return true when the hook answered. */
  behaviour: Behaviour | undefined;
  close(): Promise<void>;
}

export async function startEcho(name: string, behaviour?: Behaviour): Promise<EchoBackend> {
  const sockets = new Set<Socket>();
  const backend: EchoBackend = {
    name,
    port: 0,
    received: [],
    behaviour,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  // Accepts heads as large as the proxy forwards (Envoy's 60 KiB), not only Node's default 16 KiB.
  const server: Server = createServer({ maxHeaderSize: 128 * 1024 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const rec: Received = {
        name,
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        bodyLength: body.length,
      };
      backend.received.push(rec);
      if (backend.behaviour?.(req, res, body)) return;
      const status = Number(req.headers['x-echo-status'] ?? 200);
      const out = JSON.stringify(rec);
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-backend': name,
        'content-length': Buffer.byteLength(out),
      });
      res.end(out);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  backend.port = (server.address() as AddressInfo).port;
  return backend;
}

/** A port with nothing listening (bound then closed), for connection-failure cases. */
export async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

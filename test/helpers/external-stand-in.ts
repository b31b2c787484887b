// Stand-ins for hosts outside the mesh: HTTP or HTTPS servers on a loopback address (127.0.0.x; Linux
// routes all of 127/8 to lo) that answer with what they saw: Host, path, TLS or not, SNI, client cert.
// `/hang` never answers (for timeouts); every other path answers 200 with that JSON.
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface StandInSeen {
  host: string;
  path: string;
  tls: boolean;
  servername?: string;
  clientCert?: string;
}

export interface StandIn {
  address: string;
  port: number;
  seen: StandInSeen[];
  close(): Promise<void>;
}

export async function startStandIn(
  address: string,
  tls?: { cert: string; key: string; ca?: string; requestCert?: boolean },
): Promise<StandIn> {
  const seen: StandInSeen[] = [];
  const hanging = new Set<ServerResponse>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const sock = req.socket as TLSSocket;
    const secure = Boolean(sock.encrypted);
    const peer = secure ? sock.getPeerCertificate() : undefined;
    const entry: StandInSeen = {
      host: req.headers.host ?? '',
      path: req.url ?? '/',
      tls: secure,
      ...(secure && sock.servername ? { servername: sock.servername } : {}),
      ...(peer?.subject?.CN ? { clientCert: String(peer.subject.CN) } : {}),
    };
    seen.push(entry);
    if (req.url === '/hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    const body = JSON.stringify(entry);
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };
  const server = tls
    ? createHttps(
        {
          cert: tls.cert,
          key: tls.key,
          ...(tls.ca ? { ca: tls.ca } : {}),
          requestCert: tls.requestCert ?? false,
          rejectUnauthorized: false,
        },
        handler,
      )
    : createHttp(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    address,
    port,
    seen,
    close: () =>
      new Promise((resolve) => {
        for (const r of hanging) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

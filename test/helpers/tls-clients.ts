// TLS clients for gateway tests: node:tls requests that report the certificate the server presented,
// and raw TCP round trips. Every call settles (errors become results), so tests never hang.
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { connect as h2Connect } from 'node:http2';

export interface TlsResult {
  ok: boolean;
  error?: string;
  /** Subject CN of the server certificate. */
  peerCN?: string;
  /** SHA-256 fingerprint of the server certificate. */
  fingerprint?: string;
  alpn?: string | false | null;
  protocol?: string | null;
  /** The raw HTTP/1.1 response text (status line, headers, body). */
  response?: string;
}

/** Opens a TLS connection, sends one HTTP/1.1 request (when `request`), reads until close. */
export function tlsRequest(
  port: number,
  opts: ConnectionOptions & { request?: string },
): Promise<TlsResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: TlsResult) => {
      if (settled) return;
      settled = true;
      sock.destroy();
      resolve(r);
    };
    const sock = tlsConnect({ host: '127.0.0.1', port, ...opts });
    let out = '';
    let base: TlsResult = { ok: false };
    sock.once('secureConnect', () => {
      const cert = sock.getPeerCertificate();
      base = {
        ok: true,
        peerCN: typeof cert.subject?.CN === 'string' ? cert.subject.CN : undefined,
        fingerprint: cert.fingerprint256,
        alpn: sock.alpnProtocol,
        protocol: sock.getProtocol(),
      };
      if (opts.request === undefined) return done(base);
      sock.write(opts.request);
    });
    sock.on('data', (d: Buffer) => (out += d.toString('latin1')));
    sock.on('end', () => done({ ...base, response: out }));
    sock.on('close', () =>
      done(
        out ? { ...base, response: out } : { ...base, ok: false, error: base.error ?? 'closed' },
      ),
    );
    sock.on('error', (e: Error) => done({ ok: false, error: e.message, response: out }));
    sock.setTimeout(10_000, () => done({ ok: false, error: 'timeout' }));
  });
}

export function httpGet(host: string, path = '/'): string {
  return `GET ${path} HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`;
}

/** One HTTP/2 request over TLS (ALPN h2); resolves with status and body. */
export function h2Get(
  port: number,
  servername: string,
  ca: string,
  path = '/',
): Promise<{ status: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const session = h2Connect(`https://${servername}:${port}`, {
      ca,
      servername,
      createConnection: () =>
        tlsConnect({ host: '127.0.0.1', port, servername, ca, ALPNProtocols: ['h2'] }),
    });
    session.on('error', (e: Error) => resolve({ status: 0, body: '', error: e.message }));
    const req = session.request({ ':path': path, ':authority': servername });
    let status = 0;
    let body = '';
    req.on('response', (h) => (status = Number(h[':status'])));
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      session.close();
      resolve({ status, body });
    });
    req.on('error', (e: Error) => resolve({ status, body, error: e.message }));
    req.end();
  });
}

/** Sends `text` over plain TCP and collects the reply until the peer closes or `until` is seen. */
export function tcpRoundTrip(port: number, text: string, until?: string): Promise<string> {
  return new Promise((resolve) => {
    const s = netConnect(port, '127.0.0.1', () => s.write(text));
    let out = '';
    const done = () => {
      s.destroy();
      resolve(out);
    };
    s.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (until !== undefined && out.includes(until)) done();
    });
    s.on('end', done);
    s.on('close', done);
    s.on('error', done);
    s.setTimeout(10_000, done);
  });
}

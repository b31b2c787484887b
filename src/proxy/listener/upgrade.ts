// HTTP/1.1 `Upgrade` requests on every HTTP listener. Istio enables the `websocket` upgrade in each
// HTTP connection manager (istio/istio pilot/pkg/networking/core/listener_builder.go
// buildHTTPConnectionManager: UpgradeConfigs websocket), so a WebSocket handshake is routed like
// any request and, once the upstream answers 101, the connection carries bytes both ways
// (router/upgrade-forward.ts). Envoy's HTTP/1 codec never upgrades to h2c: it removes `Upgrade: h2c`,
// the `upgrade`/`http2-settings` Connection tokens and `HTTP2-Settings`, and serves the request as
// plain HTTP/1.1 (envoyproxy/envoy source/common/http/http1/codec_impl.cc onHeadersCompleteImpl).
import { Server, ServerResponse, type IncomingMessage } from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The request's upgrade protocol, lower-cased (`websocket`), when it arrived as an upgrade. */
export function upgradeProtocol(req: IncomingMessage): string | undefined {
  // Node sets `upgrade` on a request it handed to the server's 'upgrade' event.
  if (!(req as { upgrade?: boolean }).upgrade || req.method === 'CONNECT') return undefined;
  const v = req.headers.upgrade;
  return v === undefined ? undefined : v.trim().toLowerCase();
}

/** Envoy HCM upgrade_configs as Istio sets them: only `websocket` may upgrade. */
export function upgradeAllowed(protocol: string): boolean {
  return protocol === 'websocket';
}

/** The request head again, without the h2c upgrade headers (codec_impl.cc removes exactly these). */
export function headWithoutH2cUpgrade(req: IncomingMessage): Buffer {
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${req.httpVersion}`];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const lower = name.toLowerCase();
    const value = raw[i + 1] ?? '';
    if (lower === 'upgrade' || lower === 'http2-settings') continue;
    if (lower === 'connection') {
      const kept = value
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t && !['upgrade', 'http2-settings'].includes(t.toLowerCase()));
      if (kept.length > 0) lines.push(`${name}: ${kept.join(', ')}`);
      continue;
    }
    lines.push(`${name}: ${value}`);
  }
  // Node decodes header bytes as latin1: encoding back the same way restores them.
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
}

/**
 * Listens for upgrade requests on an HTTP server. h2c upgrades are re-read as plain requests on the
 * same connection (a plain server) or served once and closed (TLS servers, whose parser cannot be
 * re-attached); every other upgrade goes to `handle` with a response bound to the raw socket, and
 * the connection closes after a reply that is not a 101.
 */
export function acceptUpgrades(server: Server | Http2SecureServer, handle: Handler): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    if (upgradeProtocol(req) === 'h2c' && server instanceof Server) {
      socket.unshift(Buffer.concat([headWithoutH2cUpgrade(req), head]));
      server.emit('connection', socket);
      return;
    }
    socket.pause();
    if (head.length > 0) socket.unshift(head);
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.once('finish', () => {
      if (res.statusCode !== 101) socket.end();
    });
    handle(req, res);
  });
}

// Envoy's tls_inspector as a step before choosing a filter chain: reads until the ClientHello is
// complete (or the bytes are not TLS), without consuming them, bounded by listener_filters_timeout.
// Shared by gateway listeners and sidecar CONNECT tunnels.
import type { Socket } from 'node:net';
import type { ProxyServices } from '../services.js';
import { parseClientHello, type ClientHelloResult } from './client-hello.js';

/** envoyproxy/envoy api/envoy/config/listener/v3/listener.proto listener_filters_timeout default. */
export const LISTENER_FILTERS_TIMEOUT_MS = 15_000;

export type PeekedHello = Exclude<ClientHelloResult, { kind: 'need-more' }>;

/**
 * Calls `done` with the parsed ClientHello (or `not-tls`) and every byte read so far (to replay).
 * The socket is left paused. Anything thrown by `done` closes the connection, never the proxy.
 */
export function peekClientHello(
  svc: ProxyServices,
  socket: Socket,
  first: Buffer,
  done: (hello: PeekedHello, bytes: Buffer) => void,
): void {
  let buf = first;
  let timer: { cancel(): void } | undefined;
  const inspect = (): void => {
    const hello = parseClientHello(buf);
    if (hello.kind === 'need-more') {
      // A ClientHello that never completes closes the connection.
      timer ??= svc.clock.setTimer(LISTENER_FILTERS_TIMEOUT_MS, () => socket.destroy());
      socket.once('data', (more: Buffer) => {
        socket.pause();
        buf = Buffer.concat([buf, more]);
        inspect();
      });
      socket.resume();
      return;
    }
    timer?.cancel();
    try {
      done(hello, buf);
    } catch {
      socket.destroy();
    }
  };
  try {
    inspect();
  } catch {
    socket.destroy();
  }
}

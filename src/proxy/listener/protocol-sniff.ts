// The first bytes of a connection decide its codec: the HTTP/2 client preface (h2c with prior
// knowledge) or anything else (HTTP/1, a TLS ClientHello, raw TCP for the L4 dispatchers). A read
// that is still a strict prefix of the preface (`P`, `PR`, ... — also the start of `POST`) waits for
// more bytes, as Envoy's http_inspector does (envoyproxy/envoy
// source/extensions/filters/listener/http_inspector/http_inspector.cc: a partial preface match asks for
// more data), so a POST whose first read is the single byte `P` is HTTP/1, never HTTP/2.
import type { Socket } from 'node:net';
import type { Clock } from '../../runtime/clock.js';

/** RFC 9113 section 3.4: the client connection preface. */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/**
 * envoyproxy/envoy api/envoy/config/listener/v3/listener.proto listener_filters_timeout: 15 s by
 * default; a socket whose first bytes do not decide in time is closed without a connection.
 */
export const LISTENER_FILTERS_TIMEOUT_MS = 15_000;

export type Sniffed = 'h2' | 'other';

/** 'h2' for the whole preface, 'other' once the bytes differ from it, undefined while a strict prefix. */
export function classifyFirstBytes(bytes: Buffer): Sniffed | undefined {
  const n = Math.min(bytes.length, H2_PREFACE.length);
  if (n === 0) return undefined;
  if (!bytes.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) return 'other';
  return n === H2_PREFACE.length ? 'h2' : undefined;
}

/**
 * Reads until the first bytes decide (classifyFirstBytes) and calls `decided` with them, the socket
 * paused. A socket that does not decide within `timeoutMs` (silent, or a stalled partial preface) is
 * destroyed and `timedOut` is called (Envoy counts it in `downstream_pre_cx_timeout`).
 */
export function sniffFirstBytes(
  socket: Socket,
  clock: Clock,
  timeoutMs: number,
  decided: (first: Buffer, kind: Sniffed) => void,
  timedOut: () => void,
): void {
  let seen: Buffer = Buffer.alloc(0);
  const timer = clock.setTimer(timeoutMs, () => {
    socket.off('data', onData);
    timedOut();
    socket.destroy();
  });
  socket.once('close', () => timer.cancel());
  const onData = (chunk: Buffer): void => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const kind = classifyFirstBytes(seen);
    if (!kind) return;
    socket.off('data', onData);
    timer.cancel();
    socket.pause();
    decided(seen, kind);
  };
  socket.on('data', onData);
}

/**
 * Envoy's http_inspector on a port of unknown protocol (istio.io docs/ops/configuration/
 * traffic-management/protocol-selection "automatic protocol selection"): the first line of HTTP/1 is
 * `METHOD SP target SP HTTP/1.x`. False once the bytes seen cannot begin one (a method is upper-case
 * letters followed by a space); true while they still may, so a short first read stays HTTP.
 */
export function mayBeHttp1(bytes: Buffer): boolean {
  const eol = bytes.indexOf(0x0a);
  const line = bytes.subarray(0, eol < 0 ? Math.min(bytes.length, 4096) : eol).toString('latin1');
  if (eol >= 0) return /^[A-Z]+ \S+ HTTP\/1\.[01]\r?$/.test(line);
  return (
    /^[A-Z]*$/.test(line) || /^[A-Z]+ [^\s]*( (H(T(T(P(\/(1(\.[01]?)?)?)?)?)?)?)?)?$/.test(line)
  );
}

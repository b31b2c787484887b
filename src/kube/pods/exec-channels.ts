// One exec session's streams, whichever protocol kubectl negotiated: WebSocket `v5.channel.k8s.io` /
// `v4.channel.k8s.io` (one byte of channel before each binary message: 0 stdin, 1 stdout, 2 stderr,
// 3 error, 4 resize; v5 adds 255 = close a stream; k8s.io/apimachinery pkg/util/remotecommand
// constants.go, pkg/util/httpstream/wsstream/conn.go) or SPDY/3.1 streams named by their `streamType`
// header (pkg/kubelet/cri/streaming/remotecommand/httpstream.go v4ProtocolHandler).
import type { WebSocket } from 'ws';
import type { SpdySession, SpdyStream } from '../spdy/session.js';
import type { ExecStatus } from './exec-status.js';

export interface ExecChannels {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
  onStdin(fn: (data: Buffer) => void): void;
  /** The client closed stdin (v5 CLOSE, SPDY FIN) or has none. */
  onStdinEnd(fn: () => void): void;
  /** Writes the Status on the error channel and closes the connection. */
  finish(status: ExecStatus): void;
  /** The client went away before finish(). */
  onGone(fn: () => void): void;
}

export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
/** v5: `[255, id]` closes stream id (remotecommand.StreamClose). */
const CLOSE = 255;
const STREAM_CREATION_TIMEOUT_MS = 30_000;

export function webSocketExecChannels(ws: WebSocket, protocol: string): ExecChannels {
  const stdin: ((b: Buffer) => void)[] = [];
  const stdinEnd: (() => void)[] = [];
  const gone: (() => void)[] = [];
  let finished = false;
  const endStdin = () => {
    for (const fn of stdinEnd.splice(0)) fn();
  };
  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
    const data = Buffer.isBuffer(raw)
      ? raw
      : Array.isArray(raw)
        ? Buffer.concat(raw)
        : Buffer.from(raw);
    if (data.length === 0) return;
    const channel = data[0];
    if (channel === STDIN) {
      for (const fn of stdin) fn(data.subarray(1));
    } else if (channel === CLOSE && protocol.startsWith('v5.') && data[1] === STDIN) endStdin();
  });
  ws.on('close', () => {
    endStdin();
    if (!finished) for (const fn of gone.splice(0)) fn();
  });
  const send = (channel: number, data: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]));
  };
  return {
    stdout: (d) => send(STDOUT, d),
    stderr: (d) => send(STDERR, d),
    onStdin: (fn) => stdin.push(fn),
    onStdinEnd: (fn) => stdinEnd.push(fn),
    finish(status) {
      finished = true;
      send(ERROR, Buffer.from(JSON.stringify(status)));
      ws.close(1000);
    },
    onGone: (fn) => gone.push(fn),
  };
}

/**
 * Waits for the streams the client must open (error, then stdin/stdout/stderr as asked, resize with
 * a tty) and resolves with them; unknown stream types are ignored as the kubelet ignores them.
 */
export function spdyExecChannels(
  session: SpdySession,
  options: StreamOptions,
  onReady: (channels: ExecChannels) => void,
): (stream: SpdyStream) => void {
  const expected =
    1 +
    Number(options.stdin) +
    Number(options.stdout) +
    Number(options.stderr) +
    Number(options.tty);
  const byType = new Map<string, SpdyStream>();
  // DefaultStreamCreationTimeout (k8s.io/apimachinery pkg/util/remotecommand constants.go, 30 s): a client
  // that never opens its streams does not hold the connection.
  const expiry = setTimeout(() => session.close(), STREAM_CREATION_TIMEOUT_MS);
  expiry.unref();
  session.onClose(() => clearTimeout(expiry));
  return (stream) => {
    const type = stream.header('streamType') ?? '';
    if (!['error', 'stdin', 'stdout', 'stderr', 'resize'].includes(type) || byType.has(type))
      return;
    byType.set(type, stream);
    if (byType.size !== expected) return;
    clearTimeout(expiry);
    let finished = false;
    const gone: (() => void)[] = [];
    session.onClose(() => {
      if (!finished) for (const fn of gone.splice(0)) fn();
    });
    const stdinStream = byType.get('stdin');
    onReady({
      stdout: (d) => byType.get('stdout')?.write(d),
      stderr: (d) => byType.get('stderr')?.write(d),
      onStdin: (fn) => stdinStream?.onData(fn),
      onStdinEnd: (fn) => (stdinStream ? stdinStream.onEnd(fn) : fn()),
      finish(status) {
        finished = true;
        byType.get('error')?.write(Buffer.from(JSON.stringify(status)));
        for (const s of byType.values()) s.end();
        session.close();
      },
      onGone: (fn) => gone.push(fn),
    });
  };
}

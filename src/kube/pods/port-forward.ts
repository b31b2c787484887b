// port-forward's SPDY side (`portforward.k8s.io`), as the kubelet serves it: each forwarded
// connection is an error stream and a data stream sharing a `requestID` and a `port` header; once both
// are open the data stream is piped to the pod's port, and a failure is written as text on the error
// stream (kubernetes pkg/kubelet/cri/streaming/portforward/httpstream.go). The pod's port is the app's
// own listener (PodView.resolvePort), as a cluster's port-forward reaches the pod's network namespace
// directly, not through its sidecar.
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import type { PodView } from '../../model/pod-runtime.js';
import type { SpdyStream } from '../spdy/session.js';

interface Pair {
  data?: SpdyStream;
  error?: SpdyStream;
}

/** A SPDY stream handler for one port-forward connection to `pod`. */
export function portForwardStreams(pod: PodView): (stream: SpdyStream) => void {
  const pairs = new Map<string, Pair>();
  return (stream) => {
    const type = stream.header('streamType');
    const port = Number(stream.header('port') ?? '');
    if ((type !== 'data' && type !== 'error') || !Number.isInteger(port) || port < 1) {
      stream.end();
      return;
    }
    // Old clients send no requestID: the kubelet pairs by stream id (error = id, data = id - 2).
    const requestId =
      stream.header('requestID') ?? String(type === 'error' ? stream.id : stream.id - 2);
    const pair = pairs.get(requestId) ?? {};
    pairs.set(requestId, pair);
    pair[type] = stream;
    if (!pair.data || !pair.error) return;
    pairs.delete(requestId);
    forward(pod, port, pair.data, pair.error);
  };
}

function forward(pod: PodView, port: number, data: SpdyStream, error: SpdyStream): void {
  const target = pod.resolvePort(port);
  const fail = (cause: string) => {
    error.write(Buffer.from(forwardError(pod, port, cause)));
    error.end();
    data.end();
  };
  if (!target) {
    fail(refused(port));
    return;
  }
  const socket = connect(target.port, target.host);
  let connected = false;
  const pendingIn: Buffer[] = [];
  data.onData((b) => (connected ? socket.write(b) : pendingIn.push(b)));
  data.onEnd(() => (connected ? socket.end() : socket.destroy()));
  socket.on('connect', () => {
    connected = true;
    for (const b of pendingIn.splice(0)) socket.write(b);
  });
  socket.on('data', (b: Buffer) => data.write(b));
  socket.on('end', () => data.end());
  socket.on('error', () => {
    if (!connected) fail(refused(port));
    else data.end();
  });
  socket.on('close', () => {
    data.end();
    error.end();
  });
}

/**
 * The kubelet's wording around the runtime's: "error forwarding port %d to pod %s, uid %v: %v" with
 * the pod sandbox id and an empty uid on the API server's path (httpstream.go portForward), around
 * containerd's "failed to execute portforward in network namespace ..." (containerd
 * internal/cri/server/sandbox_portforward_linux.go).
 */
export function forwardError(pod: PodView, port: number, cause: string): string {
  const sandbox = sandboxId(pod);
  return (
    `error forwarding port ${port} to pod ${sandbox}, uid : failed to execute portforward in network ` +
    `namespace "/var/run/netns/cni-${sandbox.slice(0, 8)}-${sandbox.slice(8, 12)}": failed to connect ` +
    `to localhost:${port} inside namespace "${sandbox}", ${cause}`
  );
}

function refused(port: number): string {
  return (
    `IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused ` +
    `IPv6 dial tcp6 [::1]:${port}: connect: connection refused `
  );
}

/** A stable 64-hex pod sandbox id, the shape containerd gives one. */
function sandboxId(pod: PodView): string {
  return createHash('sha256').update(`${pod.namespace}/${pod.name}`).digest('hex');
}

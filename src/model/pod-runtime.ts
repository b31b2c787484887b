// The kubelet's view of its pods that the API server's pod subresources (exec, portforward, log) read.
// The local kubelet (src/mesh) implements it; src/kube serves it; neither imports the other.

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** A log line as the kubelet keeps it (`kubectl logs --timestamps` prints `time` as RFC 3339 nanoseconds). */
export interface PodLogLine {
  readonly time: Date;
  readonly text: string;
}

export interface PodContainerView {
  /** The container name from the pod spec; `istio-proxy` for the sidecar (Istio's injected name). */
  readonly name: string;
  readonly image: string;
  /** The container's current instance is running (exec/attach need it). */
  readonly running: boolean;
  /**
   * The environment as the container sees it: the pod spec's env, Kubernetes service links, and the
   * mesh's own (`HTTP_PROXY` at the pod's sidecar, or at the plain service proxy when uninjected),
   * so a command exec'd in the pod routes exactly as the app does.
   */
  readonly env: Readonly<Record<string, string>>;
  /** A file the container "has" by absolute path (`/etc/certs/cert-chain.pem` under mTLS), else undefined. */
  readFile(path: string): Buffer | undefined;
  /** Log lines of the current instance, or of the previous one (`--previous`); oldest first. */
  logs(previous: boolean): readonly PodLogLine[];
  /** New lines as they are written (`logs -f`); returns the unsubscribe. */
  follow(onLine: (line: PodLogLine) => void): () => void;
}

export interface PodView {
  readonly namespace: string;
  readonly name: string;
  /** The stable local address the mesh knows the pod by. */
  readonly podIP: string;
  readonly phase: PodPhase;
  /** App containers in spec order, then `istio-proxy` when the pod has a sidecar. */
  readonly containers: readonly PodContainerView[];
  /**
   * Where the pod's port is reachable from this host for port-forward (the app's own listener, not its
   * sidecar's inbound), or undefined when nothing in the pod listens on it.
   */
  resolvePort(port: number): { host: string; port: number } | undefined;
}

/** Why a pod cannot be served, as the API server says it (Status reason, HTTP code). */
export interface PodLookupFailure {
  readonly code: 400 | 404;
  readonly reason: 'NotFound' | 'BadRequest';
  readonly message: string;
}

export interface PodRuntime {
  lookup(namespace: string, name: string): PodView | PodLookupFailure;
}

export function isPodLookupFailure(v: PodView | PodLookupFailure): v is PodLookupFailure {
  return 'code' in v;
}

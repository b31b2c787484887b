// What the request path needs from the proxy: injected time/randomness, cluster state, the single
// local-reply rescue point and the access log. Kept as an interface so router code stays testable.
import type { Http1Limits } from './listener/connection-limits.js';
import type { MeshIdentity } from './tls/mesh-identity.js';
import type { ProxySnapshot } from '../compile/snapshot.js';
import type { Clock } from '../runtime/clock.js';
import type { Random } from '../runtime/random.js';
import type { LocalReply } from './context/local-reply.js';
import type { RequestContext } from './context/request-context.js';
import type { HeaderMap } from './filters/headers.js';
import type { ClusterManager } from './upstream/cluster-manager.js';

export interface LocalReplyOverrides {
  status?: number;
  body?: string | Buffer;
  headers?: HeaderMap;
  /** Extra response flag (e.g. URX with a connection failure). */
  flag?: string;
  details?: string;
}

export interface ProxyServices {
  readonly clock: Clock;
  readonly random: Random;
  readonly clusters: ClusterManager;
  snapshot(): ProxySnapshot | undefined;
  /** Metadata-exchange headers the outbound side adds (x-envoy-peer-metadata[-id]); may be empty. */
  readonly peerHeaders?: readonly (readonly [string, string])[];
  /** The proxy's mesh identity (issued on first use), for ISTIO_MUTUAL gateway servers. */
  readonly identity?: (() => MeshIdentity) | undefined;
  /** Envoy's HTTP/1 limits for every server that parses HTTP/1 (plain, TLS-terminated, tunnels). */
  readonly http1Limits?: Http1Limits;
}

/** The downstream side of one request as the router sees it. */
export interface Downstream {
  readonly ctx: RequestContext;
  /** Sends Envoy's local reply (the one rescue point); no-op or reset when the response has started. */
  localReply(reply: LocalReply, o?: LocalReplyOverrides): void;
  /** Registers a callback for a client that goes away before the response ends. */
  onAbort(fn: () => void): void;
}

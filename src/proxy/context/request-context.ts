// One RequestContext per request (Envoy StreamInfo): route, cluster, host, attempts, timings and the
// response flags. The access log and the stats read only this object.
import type { ProxySnapshot } from '../../compile/snapshot.js';

export class RequestContext {
  startMs = 0;
  startMono = 0;
  method = '';
  /** Original path with query (before rewrite). */
  path = '';
  protocol = 'HTTP/1.1';
  authority = '';
  /** Values read from the downstream request for the access log. */
  xForwardedFor: string | undefined;
  userAgent: string | undefined;
  requestId: string | undefined;
  originalPath: string | undefined;
  responseCode = 0;
  /** Envoy response flags, in the order set. */
  flags: string[] = [];
  details = '-';
  bytesReceived = 0;
  bytesSent = 0;
  durationMs = 0;
  upstreamServiceTime: string | undefined;
  upstreamHost: string | undefined;
  upstreamCluster: string | undefined;
  upstreamLocalAddress: string | undefined;
  upstreamTransportFailureReason: string | undefined;
  downstreamLocal = '';
  downstreamRemote = '';
  downstreamRemoteIp = '';
  routeName: string | undefined;
  /** The route's (first) cluster, known before the router picks one (telemetry). */
  routeCluster: string | undefined;
  /** Direction of the listener that took the request (telemetry's reporter). */
  listenerDirection: 'outbound' | 'inbound' | 'gateway' | undefined;
  /** The downstream peer's `x-envoy-peer-metadata` (inbound only; taken off before the app). */
  downstreamPeer: string | undefined;
  /** The request's content-type is application/grpc* (telemetry's request_protocol). */
  grpc = false;
  /** `grpc-status` of the response trailers, else of the response headers (grpc-status.ts). */
  grpcStatus: number | undefined;
  /** %REQUESTED_SERVER_NAME%: the SNI of a TLS connection (terminated or passed through). */
  requestedServerName: string | undefined;
  /** %DOWNSTREAM_PEER_URI_SAN% / %DOWNSTREAM_LOCAL_URI_SAN%: SPIFFE IDs of a mesh mTLS connection. */
  downstreamPeerUriSan: string | undefined;
  downstreamLocalUriSan: string | undefined;
  attempts = 0;
  /** Whether upstream requests carry x-envoy-attempt-count. */
  attemptCount = true;
  constructor(readonly snapshot: ProxySnapshot) {}

  addFlag(flag: string): void {
    if (flag && !this.flags.includes(flag)) this.flags.push(flag);
  }
}

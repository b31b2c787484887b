// Classifies a failed upstream connection as Envoy does: the stream reset reason the router sees and
// the connection's transport failure reason (%UPSTREAM_TRANSPORT_FAILURE_REASON%), so local replies
// and access logs read as Envoy 1.36 (Istio 1.28) writes them.
// Sources: envoyproxy/envoy source/common/network/connection_impl.cc (ClientConnectionImpl::connect,
// onWriteReady: "immediate connect error: " / "delayed connect error: " + errorDetails(errno), where
// errorDetails is strerror; source/common/common/utility.cc), source/common/conn_pool/conn_pool_base.cc
// (a connect timeout is PoolFailureReason::Timeout -> StreamResetReason::ConnectionTimeout), and
// source/common/tls/ssl_socket.cc (a failed handshake is a remote connection failure with
// "TLS_error:|<code>:<lib>:<func>:<reason>:TLS_error_end").
import type { UpstreamResetReason } from '../context/local-reply.js';

export interface ConnectFailure {
  reason: UpstreamResetReason;
  /** The transport failure reason, spaces kept (the access log replaces them by `_`). */
  transport: string | undefined;
}

// strerror(3) texts of glibc for the errno names Node reports.
const STRERROR: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'Connection refused',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ETIMEDOUT: 'Connection timed out',
  ECONNRESET: 'Connection reset by peer',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EADDRINUSE: 'Address already in use',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EHOSTDOWN: 'Host is down',
  ENETDOWN: 'Network is down',
};

// Errors a non-blocking connect(2) returns at once (Envoy "immediate connect error", which also
// names the remote address); the others arrive later on the socket (SO_ERROR, "delayed").
const IMMEDIATE = new Set(['ENETUNREACH', 'EADDRNOTAVAIL', 'EACCES', 'EPERM', 'EAFNOSUPPORT']);

// BoringSSL packed error codes Envoy prints for the usual handshake failures (ERR_PACK(ERR_LIB_SSL, reason)).
const TLS_REASON: Readonly<Record<string, string>> = {
  verify: '268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED',
  version: '268435703:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER',
};

/** Envoy's TLS transport failure reason for a Node TLS error (the closest BoringSSL error). */
function tlsReason(err: { code?: string; message?: string }): string {
  const code = err.code ?? '';
  const inner = /WRONG_VERSION_NUMBER|wrong version number/i.test(code + ' ' + (err.message ?? ''))
    ? TLS_REASON.version
    : /CERT|SELF_SIGNED|ISSUER|VERIFY|ALTNAME|SIGNATURE|EXPIRED/i.test(code)
      ? TLS_REASON.verify
      : `${code || err.message || 'handshake failure'}`;
  return `TLS_error:|${inner}:TLS_error_end`;
}

/**
 * The reset reason and transport failure reason of a connection that failed before it was
 * established (`connected` false: the connector never succeeded, TLS handshake included), or
 * undefined when the connection was up (then the failure is a reset or a protocol error).
 * `remote` is the upstream address (for Envoy's "immediate connect error: ...|remote address:").
 */
export function connectFailureOf(
  err: { code?: string; message?: string },
  remote: string,
  tlsCluster: boolean,
  connected: boolean,
): ConnectFailure | undefined {
  const code = err.code ?? '';
  if (code === 'UND_ERR_CONNECT_TIMEOUT')
    return { reason: 'connection timeout', transport: undefined };
  if (connected) return undefined;
  const text = STRERROR[code];
  if (text !== undefined && !(tlsCluster && code === 'ECONNRESET'))
    return {
      reason: 'remote connection failure',
      transport: IMMEDIATE.has(code)
        ? `immediate connect error: ${text}|remote address:${remote}`
        : `delayed connect error: ${text}`,
    };
  if (tlsCluster) return { reason: 'remote connection failure', transport: tlsReason(err) };
  return { reason: 'remote connection failure', transport: code || err.message || undefined };
}

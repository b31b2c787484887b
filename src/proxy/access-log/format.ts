// Istio's default access-log formats, read from RequestContext only
// (istio/istio pilot/pkg/model/telemetry_logging.go EnvoyTextLogFormat and EnvoyJSONLogFormatIstio).
// Missing values print `-` in TEXT and null in JSON; numbers stay numbers in JSON (Envoy typed JSON).
import type { RequestContext } from '../context/request-context.js';
import { formatResponseFlags } from '../context/response-flags.js';

let cachedMs = -1;
let cachedIso = '';
/** %START_TIME% default format, e.g. 2026-11-26T11:40:00.123Z; cached per millisecond. */
export function startTime(ms: number): string {
  if (ms !== cachedMs) {
    cachedMs = ms;
    cachedIso = new Date(ms).toISOString();
  }
  return cachedIso;
}

const d = (v: string | undefined): string => (v === undefined || v === '' ? '-' : v);

/** %UPSTREAM_TRANSPORT_FAILURE_REASON% prints spaces as `_` (envoyproxy/envoy source/common/formatter/stream_info_formatter.cc). */
const tfr = (c: RequestContext): string | undefined =>
  c.upstreamTransportFailureReason?.replaceAll(' ', '_');

export function formatText(c: RequestContext): string {
  return (
    `[${startTime(c.startMs)}] "${d(c.method)} ${d(c.originalPath ?? c.path)} ${d(c.protocol)}" ` +
    `${c.responseCode} ${formatResponseFlags(c.flags)} ${d(c.details)} - ` +
    `"${d(tfr(c))}" ${c.bytesReceived} ${c.bytesSent} ${c.durationMs} ` +
    `${d(c.upstreamServiceTime)} "${d(c.xForwardedFor)}" "${d(c.userAgent)}" "${d(c.requestId)}" ` +
    `"${d(c.authority)}" "${d(c.upstreamHost)}" ${d(c.upstreamCluster)} ${d(c.upstreamLocalAddress)} ` +
    `${d(c.downstreamLocal)} ${d(c.downstreamRemote)} ${d(c.requestedServerName)} ${d(c.routeName)}\n`
  );
}

const n = (v: string | undefined): string | null => (v === undefined || v === '' ? null : v);

export function formatJson(c: RequestContext): string {
  // Keys in the order Envoy prints Istio's JSON struct (sorted).
  const flags = formatResponseFlags(c.flags);
  return (
    JSON.stringify({
      authority: n(c.authority),
      bytes_received: c.bytesReceived,
      bytes_sent: c.bytesSent,
      connection_termination_details: null,
      downstream_local_address: n(c.downstreamLocal),
      downstream_remote_address: n(c.downstreamRemote),
      duration: c.durationMs,
      method: n(c.method),
      path: n(c.originalPath ?? c.path),
      protocol: n(c.protocol),
      request_id: n(c.requestId),
      requested_server_name: n(c.requestedServerName),
      response_code: c.responseCode,
      response_code_details: n(c.details),
      response_flags: flags === '-' ? null : flags,
      route_name: n(c.routeName),
      start_time: startTime(c.startMs),
      upstream_cluster: n(c.upstreamCluster),
      upstream_host: n(c.upstreamHost),
      upstream_local_address: n(c.upstreamLocalAddress),
      upstream_service_time: n(c.upstreamServiceTime),
      upstream_transport_failure_reason: n(tfr(c)),
      user_agent: n(c.userAgent),
      x_forwarded_for: n(c.xForwardedFor),
    }) + '\n'
  );
}

// Istio's standard metrics: names, label order and histogram buckets, as the stats filter emits them.
// Names and label order: envoyproxy/envoy contrib/istio/filters/http/istio_stats/source/istio_stats.cc
// (Context::all_tags_, populatePeerInfo); istio.io docs reference/config/metrics.

export const HTTP_METRICS = {
  requestsTotal: 'istio_requests_total',
  requestDuration: 'istio_request_duration_milliseconds',
  requestBytes: 'istio_request_bytes',
  responseBytes: 'istio_response_bytes',
} as const;

export const TCP_METRICS = {
  sentBytes: 'istio_tcp_sent_bytes_total',
  receivedBytes: 'istio_tcp_received_bytes_total',
  opened: 'istio_tcp_connections_opened_total',
  closed: 'istio_tcp_connections_closed_total',
} as const;

/** The peer labels, in the order the stats filter pushes them. */
export const PEER_LABELS = [
  'reporter',
  'source_workload',
  'source_canonical_service',
  'source_canonical_revision',
  'source_workload_namespace',
  'source_principal',
  'source_app',
  'source_version',
  'source_cluster',
  'destination_workload',
  'destination_workload_namespace',
  'destination_principal',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_canonical_service',
  'destination_canonical_revision',
  'destination_service_name',
  'destination_service_namespace',
  'destination_cluster',
] as const;

/** HTTP series add these after the peer labels (IstioStatsFilter::log). */
export const HTTP_LABELS = [
  ...PEER_LABELS,
  'request_protocol',
  'response_code',
  'grpc_response_status',
  'response_flags',
  'connection_security_policy',
] as const;

/** TCP series: no response code (IstioStatsFilter::reportHelper for network filters). */
export const TCP_LABELS = [
  ...PEER_LABELS,
  'request_protocol',
  'response_flags',
  'connection_security_policy',
] as const;

export type HttpLabel = (typeof HTTP_LABELS)[number];

/**
 * Histogram buckets: Istio sets no histogram_bucket_settings by default, so Envoy's defaults apply to
 * all three histograms (envoyproxy/envoy source/common/stats/histogram_impl.cc defaultBuckets).
 */
export const BUCKETS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
  1800000, 3600000,
];

/** Index of the first bucket whose upper bound holds v (BUCKETS.length = only +Inf). */
export function bucketIndex(v: number): number {
  for (let i = 0; i < BUCKETS.length; i++) if (v <= (BUCKETS[i] ?? Infinity)) return i;
  return BUCKETS.length;
}

/** Prometheus text format 0.0.4 label value escaping. */
export function escapeLabel(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

export function formatNumber(n: number): string {
  if (n === Infinity) return '+Inf';
  return String(n);
}

// Envoy-named cluster counters (envoyproxy/envoy source/common/upstream/upstream_impl.h ALL_CLUSTER_TRAFFIC_STATS),
// kept per cluster name for the life of the proxy; stats() renders them as `cluster.<name>.<stat>`.
export class ClusterStats {
  upstream_rq_total = 0;
  upstream_rq_completed = 0;
  upstream_rq_active = 0;
  upstream_rq_pending_active = 0;
  upstream_rq_pending_total = 0;
  upstream_rq_pending_overflow = 0;
  upstream_rq_retry = 0;
  upstream_rq_retry_overflow = 0;
  upstream_rq_retry_success = 0;
  upstream_rq_retry_limit_exceeded = 0;
  upstream_rq_retry_backoff_exponential = 0;
  upstream_rq_timeout = 0;
  upstream_rq_per_try_timeout = 0;
  upstream_rq_rx_reset = 0;
  upstream_cx_total = 0;
  upstream_cx_active = 0;
  upstream_cx_connect_fail = 0;
  upstream_cx_overflow = 0;
  upstream_cx_connect_timeout = 0;
  /** Responses the HTTP/1 codec rejected (codec_client.cc onData). */
  upstream_cx_protocol_error = 0;
  /** DNS clusters: resolutions started / succeeded / failed (ALL_CLUSTER_CONFIG_UPDATE_STATS). */
  update_attempt = 0;
  update_success = 0;
  update_failure = 0;
  /** Picks made while in panic (healthy % below minHealthPercent): all hosts used. */
  lb_healthy_panic = 0;
  upstream_rq_2xx = 0;
  upstream_rq_3xx = 0;
  upstream_rq_4xx = 0;
  upstream_rq_5xx = 0;
  'outlier_detection.ejections_active' = 0;
  'outlier_detection.ejections_total' = 0;
  'outlier_detection.ejections_enforced_total' = 0;
  'outlier_detection.ejections_enforced_consecutive_5xx' = 0;
  'outlier_detection.ejections_enforced_consecutive_gateway_failure' = 0;
  'outlier_detection.ejections_enforced_consecutive_local_origin_failure' = 0;
  'outlier_detection.ejections_overflow' = 0;
  /** upstream_rq_<code> counters. */
  readonly codes = new Map<number, number>();

  recordCode(status: number): void {
    this.codes.set(status, (this.codes.get(status) ?? 0) + 1);
    if (status >= 500) this.upstream_rq_5xx++;
    else if (status >= 400) this.upstream_rq_4xx++;
    else if (status >= 300) this.upstream_rq_3xx++;
    else if (status >= 200) this.upstream_rq_2xx++;
  }

  render(prefix: string, into: Map<string, number>): void {
    for (const [k, v] of Object.entries(this)) {
      if (typeof v === 'number') into.set(`${prefix}.${k}`, v);
    }
    for (const [code, v] of this.codes) into.set(`${prefix}.upstream_rq_${code}`, v);
  }
}

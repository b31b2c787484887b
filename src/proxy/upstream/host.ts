// One upstream host (endpoint) of a cluster: its request gauge (least-request), outlier counters and
// ejection state, and its idle keep-alive connections. Lives in ClusterState, across snapshot swaps.
import type { Endpoint } from '../../model/index.js';
import type { Connection } from './connection.js';
import { formatHostPort } from '../../units/index.js';

export class Host {
  /** `address:port`, as %UPSTREAM_HOST% prints it. */
  readonly key: string;
  /** Requests in flight (Envoy host rq_active, used by least-request). */
  active = 0;
  // Outlier detection (envoyproxy/envoy source/extensions/outlier_detection_monitors, detector_impl.cc).
  consecutive5xx = 0;
  consecutiveGateway = 0;
  consecutiveLocal = 0;
  ejected = false;
  ejectedUntil = 0;
  /** Envoy's ejection multiplier: times ejected, decremented each healthy interval. */
  ejectionCount = 0;
  /** LIFO stack of idle keep-alive connections. */
  readonly idle: Connection[] = [];
  /** Requests waiting for a connection of this host (Envoy pending requests). */
  readonly waiters: ((conn: Connection | undefined) => void)[] = [];
  connections = 0;
  closed = false;
  /**
   * Envoy's per-host counters (envoy/upstream/host_description.h ALL_HOST_STATS), as the admin
   * /clusters output and `proxy-config endpoints -o json` show them; the gauges are `connections`
   * (cx_active) and `active` (rq_active).
   */
  readonly stats = {
    cx_connect_fail: 0,
    cx_total: 0,
    rq_error: 0,
    rq_success: 0,
    rq_timeout: 0,
    rq_total: 0,
  };
  constructor(public endpoint: Endpoint) {
    // Envoy's host address string (Ipv6Instance::asString `[::1]:80`): %UPSTREAM_HOST%, ring hash keys.
    this.key = formatHostPort(endpoint.address, endpoint.port);
  }
  get weight(): number {
    return this.endpoint.weight > 0 ? this.endpoint.weight : 1;
  }
}

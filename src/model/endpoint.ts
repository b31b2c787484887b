// An endpoint of a cluster: what the registry produces and compile, proxy and telemetry read.

export interface Endpoint {
  /** IP or hostname (DNS ServiceEntry). */
  address: string;
  port: number;
  labels: Readonly<Record<string, string>>;
  weight: number;
  /** `region/zone/subzone` (Envoy LocalityLbEndpoints.locality). */
  locality?: string;
  /** Envoy priority of its LocalityLbEndpoints relative to this proxy (0 = highest); absent = 0. */
  priority?: number;
  /** load_balancing_weight of its LocalityLbEndpoints, read only when the cluster is locality-weighted. */
  localityWeight?: number;
  /** Workload name for logs/graph (e.g. `reviews-v1`). */
  workload?: string;
  /**
   * `istio` when the workload has a sidecar (the endpoint's `security.istio.io/tlsMode` label, Envoy
   * metadata `envoy.transport_socket_match`): auto mTLS sends mTLS only to these endpoints.
   */
  tlsMode?: string;
  /**
   * Envoy health_status when not HEALTHY: `DRAINING` for a terminating Kubernetes endpoint still
   * serving a persistent-session service (istio/istio endpoint_builder.go); absent = HEALTHY.
   */
  health?: 'DRAINING';
}

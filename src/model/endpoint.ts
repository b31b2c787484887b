// An endpoint of a cluster: what the registry produces and compile, proxy and telemetry read.

export interface Endpoint {
  /** IP or hostname (DNS ServiceEntry). */
  address: string;
  port: number;
  labels: Readonly<Record<string, string>>;
  weight: number;
  locality?: string;
  /** Workload name for logs/graph (e.g. `reviews-v1`). */
  workload?: string;
}

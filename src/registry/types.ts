// The service registry model: services with ports and the instances behind them, as Istio's
// pilot/pkg/model/service.go (Service, Port, ServiceInstance / IstioEndpoint) describes them.
import type { Resource } from '../config/types.js';
import type { Endpoint, Protocol } from '../model/index.js';

export type Resolution =
  'NONE' | 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN' | 'DYNAMIC_DNS' | 'CLIENT_SIDE_LB';

export interface ServicePort {
  name: string;
  port: number;
  /** Kubernetes targetPort (number or container port name) or ServiceEntry targetPort. */
  targetPort?: number | string;
  protocol: Protocol;
}

export interface Service {
  /** FQDN (`reviews.default.svc.cluster.local`) or ServiceEntry host (may be `*.example.com`). */
  hostname: string;
  namespace: string;
  /** Kubernetes Service or ServiceEntry name. */
  name: string;
  registry: 'Kubernetes' | 'ServiceEntry';
  ports: readonly ServicePort[];
  /** Cluster IPs / ServiceEntry addresses (placeholders offline when a Service has none). */
  addresses: readonly string[];
  /** Kubernetes services resolve as CLIENT_SIDE_LB (EDS); headless ones as NONE. */
  resolution: Resolution;
  meshExternal: boolean;
  exportTo?: readonly string[];
  /** Kubernetes selector or ServiceEntry workloadSelector.labels. */
  selector?: Readonly<Record<string, string>>;
  source: Resource;
}

/** A workload known to the registry: a Pod (from config), a WorkloadEntry, or a local workload. */
export interface Workload {
  /** Deployment / Pod / WorkloadEntry name. */
  name: string;
  /** Istio proxy id prefix: the pod name (`productpage-v1-0`). */
  podName: string;
  namespace: string;
  labels: Readonly<Record<string, string>>;
  serviceAccount: string;
  address: string;
  kind: 'Pod' | 'WorkloadEntry' | 'Local';
  /** Container ports by name (Pods), or WorkloadEntry ports map by service port name. */
  namedPorts: Readonly<Record<string, number>>;
  containerPorts: readonly number[];
  /** Local workloads: service port or targetPort -> the port other proxies connect to. */
  localPorts?: Readonly<Record<string, number>>;
  /** Local workloads: where the application itself listens (inbound cluster endpoint). */
  appAddress?: string;
  appPorts?: Readonly<Record<string, number>>;
  weight?: number;
  /** `region/zone/subzone` (registry/locality.ts says where it comes from). */
  locality?: string;
  /** Pods: spec.nodeName (Istio's `kubernetes.io/hostname` topology label). */
  nodeName?: string;
  /**
   * `istio` when the workload runs a sidecar, else `disabled` (Istio's IstioEndpoint.TLSMode, from the
   * `security.istio.io/tlsMode` label the injector sets): auto mTLS sends mTLS only to `istio`.
   */
  tlsMode: string;
}

/**
 * A workload started by the local mesh runner. `ports` maps a service port (or its targetPort) to the
 * port other proxies connect to (the workload's sidecar inbound socket); `appPorts` the same keys to
 * the application's own port (the inbound cluster endpoint, on `appAddress`, default 127.0.0.1).
 */
export interface LocalWorkload {
  name: string;
  namespace: string;
  labels: Readonly<Record<string, string>>;
  serviceAccount: string;
  address: string;
  ports: Readonly<Record<string, number>>;
  appAddress?: string;
  appPorts?: Readonly<Record<string, number>>;
  /** `region/zone/subzone`; else read from the labels as for a pod (`istio-locality`...). */
  locality?: string;
  /** False for gateways (Istio's gateway injection template sets no tlsMode label); default true. */
  sidecar?: boolean;
}

/** An endpoint of one service port, with the workload behind it. */
export interface ServiceInstance {
  hostname: string;
  servicePort: number;
  endpoint: Endpoint;
  serviceAccount?: string;
}

export interface Registry {
  readonly services: readonly Service[];
  readonly workloads: readonly Workload[];
  /** Services by hostname; several namespaces may define the same host (ServiceEntries). */
  servicesByHost(hostname: string): readonly Service[];
  /** Endpoints of a service port (Istio's EDS for `outbound|port||host`). */
  instances(service: Service, port: number): readonly ServiceInstance[];
  /** Services whose selector selects the workload (its inbound ports). */
  servicesForWorkload(workload: Workload): readonly Service[];
}

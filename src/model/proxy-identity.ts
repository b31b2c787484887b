// Who a proxy is: the node identity compile, registry, telemetry and the mesh share.

export type ProxyKind = 'sidecar' | 'router';

export interface ProxyIdentity {
  /** `sidecar` for a workload's proxy, `router` for an ingress/egress gateway (Envoy node type). */
  kind: ProxyKind;
  /** Istio's proxy name: `<pod>.<namespace>`, e.g. `productpage-v1-0.default`, `istio-ingressgateway-0.istio-system`. */
  id: string;
  namespace: string;
  /** Pod labels: drive Gateway selection, Sidecar and DR workloadSelector, sourceLabels matches. */
  labels: Readonly<Record<string, string>>;
  serviceAccount: string;
  /** The address the workload listens on (inbound target) and the mesh IP of the proxy. */
  ip: string;
  /** `region/zone/subzone` of the workload it fronts (Envoy node locality); absent = unknown. */
  locality?: string;
}

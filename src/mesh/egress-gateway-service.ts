// The `istio-egressgateway` Service in istio-system, as Istio's gateway chart defines it (ports
// http2 80->8080, https 443->8443, selector istio: egressgateway; istio/istio
// manifests/charts/gateways/istio-egress/values.yaml), so sidecars can route to
// `istio-egressgateway.istio-system.svc.cluster.local` in the egress-gateway two-hop. Its endpoint is
// the egress gateway proxy's own listener for the Gateway server port (egressGatewayPorts).
import type { Resource } from '../config/types.js';
import { parseResources } from '../config/index.js';

export const EGRESS_GATEWAY_NAME = 'istio-egressgateway';
export const EGRESS_GATEWAY_NAMESPACE = 'istio-system';

const SERVICE_YAML = `apiVersion: v1
kind: Service
metadata:
  name: ${EGRESS_GATEWAY_NAME}
  namespace: ${EGRESS_GATEWAY_NAMESPACE}
  labels: {app: istio-egressgateway, istio: egressgateway}
spec:
  selector: {istio: egressgateway}
  ports:
  - {name: http2, port: 80, targetPort: 8080, protocol: TCP}
  - {name: https, port: 443, targetPort: 8443, protocol: TCP}
`;

let cached: Resource | undefined;

/** The resources plus the egress gateway Service, unless the config defines one itself. */
export function withEgressGatewayService(resources: readonly Resource[]): Resource[] {
  const defined = resources.some(
    (r) =>
      r.kind === 'Service' &&
      r.metadata.name === EGRESS_GATEWAY_NAME &&
      r.metadata.namespace === EGRESS_GATEWAY_NAMESPACE,
  );
  if (defined) return [...resources];
  cached ??= parseResources(SERVICE_YAML, '<switchyard: istio-egressgateway Service>').resources[0];
  return cached ? [...resources, cached] : [...resources];
}

/**
 * The egress gateway workload's ports for the registry: each bound Gateway listener
 * (`0.0.0.0_<serverPort>` -> local port) under its server port and under the Service port whose
 * targetPort it is (Istio binds a Gateway server port 80 as the Service's targetPort 8080).
 */
export function egressGatewayPorts(listeners: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  const chart: Record<number, number> = { 80: 8080, 443: 8443 };
  for (const [name, local] of listeners) {
    if (local <= 0) continue;
    const m = /^0\.0\.0\.0_(\d+)$/.exec(name);
    if (!m) continue;
    const port = Number(m[1]);
    out[String(port)] = local;
    const target = chart[port];
    if (target !== undefined) out[String(target)] ??= local;
    for (const [svcPort, t] of Object.entries(chart)) if (t === port) out[svcPort] ??= local;
  }
  return out;
}

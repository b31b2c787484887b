// The resources istioctl adds to every files-only analysis: a dummy ingress gateway Pod and its Service
// (istio/istio pkg/config/analysis/local/defaults.go, rendered with namespace istio-system).
// One deliberate difference: defaults.go maps 80->80 and 443->443, while the ingress gateway Istio
// actually installs runs as non-root behind 80->8080 and 443->8443 (istio/istio manifests/charts/
// gateways/istio-ingress values.yaml), which is why samples such as Bookinfo's Gateway listen on 8080.
// We use the installed target ports so that those samples are not flagged IST0162; Service ports
// 80/443 still count, so a Gateway on 80 or 443 is accepted exactly as istioctl accepts it.
import { parseResources, resourceKey, type Resource } from '../config/index.js';

const DEFAULT_INGRESS_YAML = `
apiVersion: v1
kind: Pod
metadata:
  labels:
    istio: ingressgateway
  name: istio-ingressgateway-dummypod
  namespace: istio-system
spec:
  containers:
    - name: istio-proxy
---
apiVersion: v1
kind: Service
metadata:
  name: istio-ingressgateway
  namespace: istio-system
spec:
  ports:
    - { name: http2, nodePort: 31380, port: 80, protocol: TCP, targetPort: 8080 }
    - { name: https, nodePort: 31390, port: 443, protocol: TCP, targetPort: 8443 }
    - { name: tcp, nodePort: 31400, port: 31400, protocol: TCP, targetPort: 31400 }
    - { name: tls, nodePort: 31447, port: 15443, protocol: TCP, targetPort: 15443 }
  selector:
    istio: ingressgateway
`;

/** Fresh copies of the default ingress Pod and Service (no file position: istioctl prints none). */
export function defaultIngressResources(): Resource[] {
  return parseResources(DEFAULT_INGRESS_YAML, '<default>').resources.map((r) => {
    const { source: _source, ...rest } = r;
    return rest;
  });
}

/** Adds the default ingress resources unless the input already defines them. */
export function withDefaultResources(resources: readonly Resource[]): Resource[] {
  const have = new Set(resources.map(resourceKey));
  return [...resources, ...defaultIngressResources().filter((r) => !have.has(resourceKey(r)))];
}

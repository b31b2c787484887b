// The resources istioctl adds to every files-only analysis: a dummy ingress gateway Pod and its Service
// (istio/istio pkg/config/analysis/local/defaults.go, rendered with namespace istio-system).
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
    - { name: http2, nodePort: 31380, port: 80, protocol: TCP, targetPort: 80 }
    - { name: https, nodePort: 31390, port: 443, protocol: TCP, targetPort: 443 }
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

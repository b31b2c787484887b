// service.PortNameAnalyzer (istio/istio pkg/config/analysis/analyzers/service/portname.go): a Service
// port whose protocol Istio cannot tell from its name or appProtocol (IST0118), and ExternalName
// Services with such (or `tcp`) ports (IST0150). Protocol from the name as pkg/config/kube
// ConvertProtocol does: UDP, appProtocol, `grpc-web` prefix, the part before `-`, well-known ports.
import type { KubeServiceSpec } from '../../config/istio-types.js';
import type { Analyzer } from '../types.js';

/** pkg/config/protocol Parse (case-insensitive). */
const PROTOCOLS = new Set([
  'tcp',
  'udp',
  'grpc',
  'grpc-web',
  'http',
  'http_proxy',
  'http2',
  'https',
  'tls',
  'mongo',
  'redis',
  'mysql',
]);
/** SMTP, DNS, MySQL, MongoDB: TCP when the name says nothing. */
const WELL_KNOWN_PORTS = new Set([25, 53, 3306, 27017]);
const SYSTEM_NAMESPACES = new Set([
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'local-path-storage',
]);

export function protocolSupported(
  port: number,
  name: string,
  proto: string | undefined,
  appProtocol: string | undefined,
): boolean {
  if (proto === 'UDP') return true;
  let n = (appProtocol ?? name).toLowerCase();
  if (n.startsWith('grpc-web')) return true;
  const dash = n.indexOf('-');
  if (dash >= 0) n = n.slice(0, dash);
  return PROTOCOLS.has(n) || WELL_KNOWN_PORTS.has(port);
}

export const servicePortNameAnalyzer: Analyzer = {
  name: 'service.PortNameAnalyzer',
  description: 'Checks the port names associated with each service',
  inputs: ['Service'],
  analyze(ctx) {
    for (const r of ctx.snapshot.byKind('Service')) {
      if (SYSTEM_NAMESPACES.has(r.metadata.namespace)) continue;
      // The Istio control plane and gateways name their ports their own way.
      const istio = r.metadata.labels.istio ?? '';
      if (['pilot', 'istiod', 'ingressgateway', 'egressgateway'].includes(istio)) continue;
      const svc = r.spec as KubeServiceSpec;
      (svc.ports ?? []).forEach((p, i) => {
        const name = p?.name ?? '';
        const port = p?.port ?? 0;
        const external = svc.type === 'ExternalName';
        if (
          protocolSupported(port, name, p?.protocol, p?.appProtocol) &&
          !(name === 'tcp' && external)
        )
          return;
        const path = ['spec', 'ports', i];
        if (external) ctx.report('IST0150', r, [], path);
        else ctx.report('IST0118', r, [name, port, String(p?.targetPort ?? 0)], path);
      });
    }
  },
};

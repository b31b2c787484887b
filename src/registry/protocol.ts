// Protocol selection from a port name prefix or appProtocol, as istio.io docs/ops/configuration/
// traffic-management/protocol-selection and istio/istio pkg/config/protocol/instance.go Parse define it.
import type { Protocol } from '../model/index.js';

/** Maps an Istio protocol string (`HTTP`, `grpc-web`, `Mongo`...) to the snapshot's protocol. */
export function parseProtocol(value: string | undefined): Protocol {
  switch ((value ?? '').toLowerCase()) {
    case 'http':
    case 'http_proxy':
      return 'http';
    case 'http2':
      return 'http2';
    // gRPC-Web is gRPC to Istio: IsGRPC and IsHTTP2 (an HTTP/2 upstream) hold for both
    // (istio/istio pkg/config/protocol/instance.go).
    case 'grpc':
    case 'grpc-web':
      return 'grpc';
    case 'https':
      return 'https';
    case 'tls':
      return 'tls';
    case 'tcp':
    case 'mongo':
    case 'mysql':
    case 'redis':
    case 'udp':
      return 'tcp';
    default:
      return 'unknown';
  }
}

// istio/istio pkg/config/kube/conversion.go ConvertProtocol: appProtocol wins, then the name prefix
// before the first `-`; Kubernetes `kubernetes.io/h2c` and `kubernetes.io/ws(s)` are understood too.
export function kubePortProtocol(
  name: string | undefined,
  appProtocol: string | undefined,
  l4: string | undefined,
): Protocol {
  if ((l4 ?? 'TCP').toUpperCase() === 'UDP') return 'tcp';
  if (appProtocol) {
    const ap = appProtocol.toLowerCase();
    if (ap === 'kubernetes.io/h2c') return 'http2';
    if (ap === 'kubernetes.io/ws' || ap === 'kubernetes.io/wss') return 'http';
    const p = parseProtocol(ap);
    if (p !== 'unknown') return p;
  }
  if (!name) return 'unknown';
  const prefix = name.split('-')[0] ?? '';
  return parseProtocol(prefix);
}

/** True when HTTP routes apply to the port (http, http2, grpc; unknown is sniffed as HTTP). */
export function isHttpProtocol(p: Protocol): boolean {
  return p === 'http' || p === 'http2' || p === 'grpc' || p === 'unknown';
}

// Gateway server TLS from file paths (serverCertificate, privateKey, caCertificates), as the
// gateway's Envoy reads them through file-based SDS when no credentialName is set
// (istio/istio pilot/pkg/networking/core/gateway.go buildGatewayListenerTLSContext). Locally the
// paths are read from this machine's disk when the proxy is compiled.
import { readFileSync } from 'node:fs';

/** A file's PEM text, or an error message naming the path. */
export function readPemFile(path: string): { pem: string } | { error: string } {
  try {
    const pem = readFileSync(path, 'utf8');
    if (!pem.includes('-----BEGIN')) return { error: `${path} holds no PEM block` };
    return { pem };
  } catch (err) {
    return { error: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
}

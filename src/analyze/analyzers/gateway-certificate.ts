// gateway.CertificateAnalyzer (istio/istio pkg/config/analysis/analyzers/gateway/certificate.go): TLS
// servers of Gateways on overlapping workloads sharing one certificate (IST0138).

import type { GatewaySpec, Server } from '../../config/istio-types.js';
import type { Analyzer } from '../types.js';
import { fullName } from '../util/routes.js';

export const gatewayCertificateAnalyzer: Analyzer = {
  name: 'gateway.CertificateAnalyzer',
  description: 'Checks a gateway certificate',
  inputs: ['Gateway'],
  analyze(ctx) {
    const gateways = ctx.snapshot.byKind('Gateway');
    for (const g of gateways) {
      const gs = g.spec as GatewaySpec;
      const gSel = gs.selector ?? {};
      const dupes: string[] = [fullName(g)];
      for (const h of gateways) {
        if (h === g) continue;
        const hs = h.spec as GatewaySpec;
        const hSel = hs.selector ?? {};
        // Only Gateways whose selector is a superset of this one's (every Gateway when it has none).
        if (!Object.entries(gSel).every(([k, v]) => hSel[k] === v)) continue;
        if (sharesCertificate(gs.servers ?? [], hs.servers ?? [])) dupes.push(fullName(h));
      }
      if (dupes.length > 1) ctx.report('IST0138', g, [dupes], ['metadata', 'name']);
    }
  },
};

function certKey(s: Server | undefined): string | undefined {
  const tls = s?.tls;
  if (!tls) return undefined;
  if (tls.credentialName) return `cred:${tls.credentialName}`;
  if (tls.serverCertificate && tls.privateKey)
    return `file:${tls.serverCertificate}:${tls.privateKey}`;
  return undefined;
}

function sharesCertificate(a: readonly Server[], b: readonly Server[]): boolean {
  const keys = new Set(a.map(certKey).filter((k): k is string => k !== undefined));
  return b.some((s) => {
    const k = certKey(s);
    return k !== undefined && keys.has(k);
  });
}

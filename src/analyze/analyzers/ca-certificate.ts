// destinationrule.CaCertificateAnalyzer (istio/istio pkg/config/analysis/analyzers/destinationrule/
// ca-certificate.go): SIMPLE/MUTUAL client TLS without caCertificates does not verify the server
// (IST0128 destination level, IST0129 port level), unless credentialName is used with a workloadSelector.
import type { ClientTLSSettings, DestinationRuleSpec } from '../../config/istio-types.js';
import type { Analyzer } from '../types.js';

export const caCertificateAnalyzer: Analyzer = {
  name: 'destinationrule.CaCertificateAnalyzer',
  description: 'Checks if caCertificates is set when TLS mode is SIMPLE/MUTUAL',
  inputs: ['DestinationRule'],
  analyze(ctx) {
    for (const r of ctx.snapshot.byKind('DestinationRule')) {
      const dr = r.spec as DestinationRuleSpec;
      const hasSelector = dr.workloadSelector !== undefined && dr.workloadSelector !== null;
      const unverified = (tls: ClientTLSSettings | undefined): boolean => {
        if (!tls || (tls.mode !== 'SIMPLE' && tls.mode !== 'MUTUAL')) return false;
        if (tls.caCertificates) return false;
        return !(tls.credentialName && hasSelector);
      };
      const tp = dr.trafficPolicy;
      const host = dr.host ?? '';
      if (unverified(tp?.tls))
        ctx.report(
          'IST0128',
          r,
          [r.metadata.name, r.metadata.namespace, tp?.tls?.mode ?? '', host],
          ['spec', 'trafficPolicy', 'tls', 'mode'],
        );
      (tp?.portLevelSettings ?? []).forEach((p, i) => {
        if (unverified(p?.tls))
          ctx.report(
            'IST0129',
            r,
            [
              r.metadata.name,
              r.metadata.namespace,
              p?.tls?.mode ?? '',
              host,
              // Go's proto String() of the PortSelector.
              p?.port?.number !== undefined ? `number:${p.port.number}` : '',
            ],
            ['spec', 'trafficPolicy', 'portLevelSettings', i, 'tls', 'mode'],
          );
      });
    }
  },
};

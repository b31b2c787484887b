// serviceentry.Analyzer (istio/istio pkg/config/analysis/analyzers/serviceentry/protocoladdresses.go):
// a ServiceEntry without addresses needs them for TCP (or unset) protocol ports, unless DNS capture
// with auto-allocation is on in the mesh config (IST0134, one per such port).
import type { ServiceEntrySpec } from '../../config/istio-types.js';
import type { Analyzer } from '../types.js';

export const serviceEntryAddressesAnalyzer: Analyzer = {
  name: 'serviceentry.Analyzer',
  description: 'Checks the validity of ServiceEntry',
  inputs: ['ServiceEntry', 'MeshConfig'],
  analyze(ctx) {
    const md = ctx.snapshot.meshConfig.defaultConfig.proxyMetadata;
    const autoAllocate =
      md.ISTIO_META_DNS_CAPTURE === 'true' &&
      (md.ISTIO_META_DNS_AUTO_ALLOCATE === 'true' || md.PILOT_ENABLE_IP_AUTOALLOCATE === 'true');
    if (autoAllocate) return;
    for (const r of ctx.snapshot.byKind('ServiceEntry')) {
      const se = r.spec as ServiceEntrySpec;
      if ((se.addresses ?? []).length > 0) continue;
      const status = r.raw.status as { addresses?: unknown[] } | undefined;
      if ((status?.addresses ?? []).length > 0) continue;
      (se.ports ?? []).forEach((p, i) => {
        const proto = (p?.protocol ?? '').toUpperCase();
        if (proto === '' || proto === 'TCP') ctx.report('IST0134', r, [], ['spec', 'ports', i]);
      });
    }
  },
};

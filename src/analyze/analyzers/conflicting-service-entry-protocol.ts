// serviceentry.ConflictingServiceEntryProtocolAnalyzer (istio/istio pkg/config/analysis/analyzers/
// serviceentry/conflictingprotocol.go): ServiceEntries defining one host and port with different
// protocols in overlapping exportTo scopes (IST0177).
import type { Resource } from '../../config/index.js';
import type { ServiceEntrySpec } from '../../config/istio-types.js';
import type { Analyzer } from '../types.js';
import { fullName } from '../util/routes.js';

interface Entry {
  scope: string;
  host: string;
  port: number;
  items: { se: Resource; protocol: string }[];
}

export const conflictingServiceEntryProtocolAnalyzer: Analyzer = {
  name: 'serviceentry.ConflictingServiceEntryProtocolAnalyzer',
  description:
    'Checks for ServiceEntries that define the same host and port with conflicting protocols',
  inputs: ['ServiceEntry'],
  analyze(ctx) {
    const groups = new Map<string, Entry>();
    for (const r of ctx.snapshot.byKind('ServiceEntry')) {
      const se = r.spec as ServiceEntrySpec;
      const exportTo = se.exportTo ?? [];
      const scopes =
        exportTo.length === 0 || exportTo.includes('*')
          ? ['*']
          : [...new Set(exportTo.map((e) => (e === '.' ? r.metadata.namespace : e)))];
      for (const scope of scopes)
        for (const host of se.hosts ?? [])
          for (const p of se.ports ?? []) {
            const port = p?.number ?? 0;
            const key = `${scope}|${host}|${port}`;
            const g = groups.get(key) ?? { scope, host, port, items: [] };
            g.items.push({ se: r, protocol: (p?.protocol ?? '').toUpperCase() });
            groups.set(key, g);
          }
    }
    const reported = new Set<string>();
    for (const g of groups.values()) {
      const items = [...g.items];
      if (g.scope !== '*') {
        const all = groups.get(`*|${g.host}|${g.port}`);
        if (all) items.push(...all.items);
      }
      const protocols = [...new Set(items.map((i) => i.protocol))].sort();
      if (protocols.length < 2) continue;
      const ses = [...new Set(items.map((i) => i.se))];
      const names = ses.map(fullName).sort().join(', ');
      for (const se of ses) {
        const key = `${fullName(se)}|${g.host}|${g.port}`;
        if (reported.has(key)) continue;
        reported.add(key);
        ctx.report('IST0177', se, [names, g.host, g.port, protocols.join(', ')], ['spec', 'hosts']);
      }
    }
  },
};

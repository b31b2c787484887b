// Route coverage, after Envoy's router_check_tool --coverage (envoyproxy/envoy
// test/tools/router_check/router.cc: the share of routes a test run reached): which VirtualService
// http rules, match blocks and destinations the traced requests reached, per file, and the rules never hit.
import type { ConfigSnapshot } from '../config/index.js';
import type { Trace } from './trace.js';

export interface Counts {
  hit: number;
  total: number;
}

export interface CoverageReport {
  files: { file: string; rules: Counts; matches: Counts; destinations: Counts }[];
  rules: Counts;
  matches: Counts;
  destinations: Counts;
  /** Share of http rules reached, 0..100 (100 when there are none). */
  percent: number;
  /** Rules no request reached: `VirtualService reviews.default http[1]` and where it is. */
  missed: { virtualService: string; rule: string; source?: string }[];
}

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function routeCoverage(config: ConfigSnapshot, traces: readonly Trace[]): CoverageReport {
  const hitRules = new Set<string>();
  const hitMatches = new Set<string>();
  for (const t of traces) {
    const r = t.route;
    if (!r?.virtualService || !r.origin) continue;
    hitRules.add(`${r.virtualService}#${r.origin.http}`);
    hitMatches.add(`${r.virtualService}#${r.origin.http}#${r.origin.match ?? 0}`);
  }
  const zero = (): Counts => ({ hit: 0, total: 0 });
  const byFile = new Map<string, { rules: Counts; matches: Counts; destinations: Counts }>();
  const report: CoverageReport = {
    files: [],
    rules: zero(),
    matches: zero(),
    destinations: zero(),
    percent: 100,
    missed: [],
  };
  for (const vs of config.byKind('VirtualService')) {
    const id = `${vs.metadata.name}.${vs.metadata.namespace}`;
    const file = vs.source?.file ?? '(live config)';
    let f = byFile.get(file);
    if (!f) byFile.set(file, (f = { rules: zero(), matches: zero(), destinations: zero() }));
    const http = arr((vs.spec as { http?: unknown }).http);
    http.forEach((rule, i) => {
      const o = (rule ?? {}) as { match?: unknown; route?: unknown };
      const hit = hitRules.has(`${id}#${i}`);
      const blocks = Math.max(1, arr(o.match).length);
      const dests = arr(o.route).length;
      for (const c of [f.rules, report.rules]) {
        c.total++;
        if (hit) c.hit++;
      }
      for (let j = 0; j < blocks; j++) {
        const mHit = hitMatches.has(`${id}#${i}#${j}`);
        for (const c of [f.matches, report.matches]) {
          c.total++;
          if (mHit) c.hit++;
        }
      }
      for (const c of [f.destinations, report.destinations]) {
        c.total += dests;
        if (hit) c.hit += dests;
      }
      if (!hit) {
        const pos = vs.source?.positionOf(['spec', 'http', i]);
        report.missed.push({
          virtualService: id,
          rule: `http[${i}]`,
          ...(pos ? { source: `${pos.file}:${pos.line}` } : {}),
        });
      }
    });
  }
  report.files = [...byFile].map(([file, c]) => ({ file, ...c }));
  report.percent = report.rules.total === 0 ? 100 : (report.rules.hit * 100) / report.rules.total;
  return report;
}

const pct = (c: Counts) => (c.total === 0 ? '100.0' : ((c.hit * 100) / c.total).toFixed(1));

export function renderCoverage(r: CoverageReport): string {
  const out = ['route coverage:'];
  for (const f of r.files)
    out.push(
      `  ${f.file}: http rules ${f.rules.hit}/${f.rules.total} (${pct(f.rules)}%), match blocks ${f.matches.hit}/${f.matches.total} (${pct(f.matches)}%), destinations ${f.destinations.hit}/${f.destinations.total} (${pct(f.destinations)}%)`,
    );
  out.push(
    `  total: http rules ${r.rules.hit}/${r.rules.total} (${pct(r.rules)}%), match blocks ${r.matches.hit}/${r.matches.total} (${pct(r.matches)}%), destinations ${r.destinations.hit}/${r.destinations.total} (${pct(r.destinations)}%)`,
  );
  if (r.missed.length) out.push('  never hit:');
  for (const m of r.missed)
    out.push(`    VirtualService ${m.virtualService} ${m.rule}${m.source ? ` (${m.source})` : ''}`);
  return out.join('\n') + '\n';
}

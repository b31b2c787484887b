// schema.ValidationAnalyzer.<Kind> (istio/istio pkg/config/analysis/analyzers/schema/validation.go): the
// admission webhook's validation as analysis messages. Errors -> IST0106, warnings carrying a code
// (IST0130 unreachable rule, IST0131 ineffective match) -> that code, other warnings -> IST0133.
import { validateResource, type ConfigDiagnostic, type Resource } from '../../config/index.js';
import type { Analyzer } from '../types.js';
import { isKnownCode } from '../messages.js';

export const SCHEMA_KINDS = [
  'DestinationRule',
  'Gateway',
  'PeerAuthentication',
  'ServiceEntry',
  'Sidecar',
  'VirtualService',
  'WorkloadEntry',
] as const;

/** The schema analyzer of one kind; `validate` is the webhook validation (validateResource). */
export function schemaAnalyzer(
  kind: string,
  validate: (r: Resource) => ConfigDiagnostic[] = validateResource,
): Analyzer {
  return {
    name: `schema.ValidationAnalyzer.${kind}`,
    description: `Runs schema validation as an analyzer and reports any violations for ${kind}`,
    inputs: [kind],
    analyze(ctx) {
      for (const r of ctx.snapshot.byKind(kind)) {
        for (const d of validate(r)) {
          const field = d.field;
          const path = field ? fieldToPath(field) : undefined;
          if (d.level === 'Error') ctx.report('IST0106', r, [d.message], path);
          else if (d.level === 'Warning') {
            if (d.code && isKnownCode(d.code) && d.code !== 'IST0106')
              ctx.reportText(d.code, r, d.message, path);
            else ctx.report('IST0133', r, [d.message], path);
          }
        }
      }
    },
  };
}

/** `spec.http[0].timeout` -> ['spec','http',0,'timeout']. */
function fieldToPath(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of field.split('.'))
    for (const m of part.matchAll(/([^[\]]+)|\[(\d+)\]/g)) {
      if (m[1] !== undefined) out.push(m[1]);
      else if (m[2] !== undefined) out.push(Number(m[2]));
    }
  return out;
}

export const schemaAnalyzers: Analyzer[] = SCHEMA_KINDS.map((k) => schemaAnalyzer(k));

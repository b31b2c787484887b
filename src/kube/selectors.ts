// labelSelector and fieldSelector query parameters with the semantics of
// k8s.io/apimachinery pkg/labels/selector.go and pkg/fields/selector.go.
import { badRequest } from './status.js';

type Requirement =
  | { key: string; op: 'in' | 'notin'; values: readonly string[] }
  | { key: string; op: 'exists' | '!' };

/** A parsed label selector; matches everything when empty. */
export type LabelSelector = readonly Requirement[];

/** Splits on commas that are not inside parentheses (`a in (x,y),b`). */
function splitTerms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

/** labels.Parse: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`. */
export function parseLabelSelector(text: string | null): LabelSelector {
  if (!text) return [];
  return splitTerms(text).map((term): Requirement => {
    let m = /^!\s*([\w./-]+)$/.exec(term);
    if (m) return { key: m[1]!, op: '!' };
    m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m)
      return {
        key: m[1]!,
        op: m[2] as 'in' | 'notin',
        values: m[3]!.split(',').map((v) => v.trim()),
      };
    m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term);
    if (m) return { key: m[1]!, op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]!] };
    m = /^([\w./-]+)$/.exec(term);
    if (m) return { key: m[1]!, op: 'exists' };
    throw badRequest(`unable to parse requirement: found '${term}', expected: identifier`);
  });
}

export function labelsMatch(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>>,
): boolean {
  return selector.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case '!':
        return !has;
      case 'in':
        return has && r.values.includes(labels[r.key]!);
      case 'notin':
        return !has || !r.values.includes(labels[r.key]!);
    }
  });
}

/** A parsed field selector: `field=value` / `field!=value` terms, all of which must hold. */
export type FieldSelector = readonly { field: string; value: string; negate: boolean }[];

/**
 * fields.ParseSelector, then the resource's field label check: custom resources and most kinds
 * answer only metadata.name and metadata.namespace (apiextensions-apiserver customresource
 * strategy GetAttrs); `supported` adds a kind's own labels (events: involvedObject.*).
 */
export function parseFieldSelector(
  text: string | null,
  supported: readonly string[] = [],
): FieldSelector {
  if (!text) return [];
  return splitTerms(text).map((term) => {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const field = m[1]!;
    if (field !== 'metadata.name' && field !== 'metadata.namespace' && !supported.includes(field))
      throw badRequest(`field label not supported: ${field}`);
    return { field, value: m[3]!, negate: m[2] === '!=' };
  });
}

export function fieldsMatch(
  selector: FieldSelector,
  fieldValue: (field: string) => string | undefined,
): boolean {
  return selector.every((t) => ((fieldValue(t.field) ?? '') === t.value) !== t.negate);
}

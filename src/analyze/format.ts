// istioctl analyze's output: sorting and de-duplication (istio/istio pkg/config/analysis/diag/messages.go),
// log lines (diag/message.go String, istioctl/pkg/util/formatting/formatter.go), JSON/YAML objects
// (diag/message.go Unstructured), thresholds and --suppress matching (pkg/config/analysis/local).
import { stringify } from 'yaml';
import type { Level } from '../config/index.js';
import type { AnalysisMessage } from './types.js';

/** istio/istio pkg/url ConfigAnalysis. */
export const CONFIG_ANALYSIS_URL = 'https://istio.io/latest/docs/reference/config/analysis';

const LEVEL_ORDER: Record<Level, number> = { Error: 0, Warning: 1, Info: 2 };

export function parseLevel(text: string): Level | undefined {
  const t = text.toLowerCase();
  return t === 'error' ? 'Error' : t === 'warning' ? 'Warning' : t === 'info' ? 'Info' : undefined;
}

/** True when `level` is at least as severe as `threshold` (diag.Level IsWorseThanOrEqualTo). */
export function atLeast(level: Level, threshold: Level): boolean {
  return LEVEL_ORDER[level] <= LEVEL_ORDER[threshold];
}

/** `Kind ns/name`, or `Kind name` without namespace (resource.Origin FriendlyName). */
export function friendlyName(m: AnalysisMessage): string | undefined {
  const r = m.resource;
  if (!r) return undefined;
  return r.namespace ? `${r.kind} ${r.namespace}/${r.name}` : `${r.kind} ${r.name}`;
}

/** `file:line`; JSON inputs carry no line (pkg/config/legacy/source/kube/origin.go Position.String). */
export function reference(m: AnalysisMessage): string | undefined {
  if (!m.position) return undefined;
  if (m.position.file.toLowerCase().endsWith('.json')) return m.position.file;
  return `${m.position.file}:${m.position.line}`;
}

/** `Error [IST0101] (VirtualService default/x file.yaml:12) Referenced host not found: "y"`. */
export function formatLogLine(m: AnalysisMessage, colorize = false): string {
  const who = friendlyName(m);
  const ref = reference(m);
  const origin = who ? ` (${who}${ref ? ` ${ref}` : ''})` : '';
  const color =
    colorize && m.level !== 'Info' ? (m.level === 'Error' ? '\u001b[1;31m' : '\u001b[33m') : '';
  const reset = color ? '\u001b[0m' : '';
  return `${color}${m.level}${reset} [${m.code}]${origin} ${m.message}`;
}

/** Sorted by level, code, origin, text; exact duplicates dropped (Messages.SortedDedupedCopy). */
export function sortAndDedupe(messages: readonly AnalysisMessage[]): AnalysisMessage[] {
  const sorted = [...messages].sort((a, b) => {
    if (a.level !== b.level) return LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level];
    if (a.code !== b.code) return a.code < b.code ? -1 : 1;
    const oa = originKey(a);
    const ob = originKey(b);
    if (oa !== ob) return oa < ob ? -1 : 1;
    const sa = formatLogLine(a);
    const sb = formatLogLine(b);
    return sa < sb ? -1 : sa > sb ? 1 : 0;
  });
  const out: AnalysisMessage[] = [];
  for (const m of sorted) {
    const last = out[out.length - 1];
    if (last && formatLogLine(last) === formatLogLine(m)) continue;
    out.push(m);
  }
  return out;
}

function originKey(m: AnalysisMessage): string {
  const r = m.resource;
  // kube Origin.Comparator: Kind/name/namespace.
  return r ? `${r.kind}/${r.name}/${r.namespace}` : '';
}

/** The JSON/YAML object of a message, keys in Go's (sorted) map order. */
export function messageObject(
  m: AnalysisMessage,
  docRef = 'istioctl-analyze',
): Record<string, string> {
  const obj: Record<string, string> = {
    code: m.code,
    documentationUrl: `${CONFIG_ANALYSIS_URL}/${m.code.toLowerCase()}/${docRef ? `?ref=${docRef}` : ''}`,
    level: m.level,
    message: m.message,
  };
  const who = friendlyName(m);
  if (who) obj.origin = who;
  const ref = reference(m);
  if (ref) obj.reference = ref;
  return obj;
}

export function formatJson(messages: readonly AnalysisMessage[]): string {
  return JSON.stringify(
    messages.map((m) => messageObject(m)),
    null,
    '\t',
  );
}

export function formatYaml(messages: readonly AnalysisMessage[]): string {
  if (messages.length === 0) return '[]\n';
  return stringify(
    messages.map((m) => messageObject(m)),
    { sortMapEntries: true },
  );
}

export interface Suppression {
  code: string;
  /** `Kind name.namespace`, `*` matching any run of characters. */
  resource: string;
}

/** Parses `-S CODE=Kind name.namespace`; undefined when malformed. */
export function parseSuppression(text: string): Suppression | undefined {
  const parts = text.split('=');
  if (parts.length !== 2) return undefined;
  return { code: parts[0] as string, resource: parts[1] as string };
}

/** True when a suppression drops the message. */
export function isSuppressed(m: AnalysisMessage, suppressions: readonly Suppression[]): boolean {
  const r = m.resource;
  if (!r) return false;
  const target = r.namespace ? `${r.kind} ${r.name}.${r.namespace}` : `${r.kind} ${r.name}`;
  return suppressions.some((s) => {
    if (s.code !== m.code && s.code !== '*') return false;
    const re = new RegExp(`^${s.resource.split('*').map(escapeRe).join('.*')}$`);
    return re.test(target);
  });
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Resources carrying `galley.istio.io/analyze-suppress: "IST0101,IST0102"` (or `*`) drop those codes. */
export const SUPPRESS_ANNOTATION = 'galley.istio.io/analyze-suppress';

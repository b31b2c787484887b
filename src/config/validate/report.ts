// Collects validation findings with the field path they are about (Istio's own errors carry none).
import type { FieldPath } from '../types.js';

export interface Finding {
  level: 'Error' | 'Warning';
  path: FieldPath;
  message: string;
  hint?: string;
  code?: string;
}

export class Report {
  readonly findings: Finding[] = [];

  error(path: FieldPath, message: string, hint?: string): void {
    this.findings.push({ level: 'Error', path, message, ...(hint ? { hint } : {}) });
  }

  warn(path: FieldPath, message: string, hint?: string, code?: string): void {
    this.findings.push({
      level: 'Warning',
      path,
      message,
      ...(hint ? { hint } : {}),
      ...(code ? { code } : {}),
    });
  }
}

/** Untyped access to YAML data: validators read raw specs without trusting their shape. */
export type Obj = Record<string, unknown>;

export function obj(v: unknown): Obj | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function strMap(v: unknown): Record<string, string> {
  const o = obj(v);
  const out: Record<string, string> = {};
  if (o) for (const [k, val] of Object.entries(o)) out[k] = typeof val === 'string' ? val : '';
  return out;
}

/** Go's %q for simple strings. */
export function q(s: string): string {
  return JSON.stringify(s);
}

// Config reaches the registry and compiler unvalidated: these keep odd shapes (null list items, a
// number where a string belongs) from throwing, so the piece is skipped instead of the proxy.

/** The non-null object items of a list (anything else yields []). */
export function objects<T extends object>(value: unknown): T[] {
  return Array.isArray(value)
    ? (value.filter((v) => v !== null && typeof v === 'object' && !Array.isArray(v)) as T[])
    : [];
}

/** The string items of a list. */
export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A string-to-string map (non-string values are stringified, nested objects dropped). */
export function stringMap(value: unknown): Record<string, string> | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value))
    if (v !== null && v !== undefined && typeof v !== 'object') out[k] = String(v);
  return out;
}

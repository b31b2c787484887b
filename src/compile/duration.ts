// Go/protobuf duration strings as Istio's API takes them (`1h`, `2.5s`, `30ms`) -> milliseconds.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a duration; undefined when absent or malformed (validation reports those). */
export function durationMs(value: string | undefined): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim();
  if (text === '') return undefined;
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  for (;;) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) break;
    total += Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 0);
    pos = re.lastIndex;
  }
  if (pos !== text.length || pos === 0) return undefined;
  return Math.round(total);
}

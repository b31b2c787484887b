// Parses protobuf/Go durations as Istio YAML writes them (`1s`, `500ms`, `1.5s`, `1m30s`, `2h`).

const UNITS: Record<string, number> = {
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
  ns: 0.000001,
};

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDurationMs(text: string | undefined): number | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ms|us|µs|ns|h|m|s)/gy;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * (UNITS[m[2] as string] ?? 0);
    consumed += m[0].length;
  }
  return consumed === text.length && consumed > 0 ? total : undefined;
}

/** Go's time.Duration String() for whole milliseconds: `1.5s`, `500ms`, `1m30s`. */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3600_000);
  const m = Math.floor((ms % 3600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s}s`;
}

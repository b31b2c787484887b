// The one duration grammar: Go's time.ParseDuration. Istio's CRD durations reach istiod through
// golang/protobuf jsonpb, whose google.protobuf.Duration decoder calls time.ParseDuration
// (golang/protobuf jsonpb/decode.go; istio/istio pkg/util/protomarshal/protomarshal.go says it
// keeps the legacy jsonpb on purpose; istio/api *_json.gen.go unmarshal with it), the API server's
// CEL rule `duration(self) >= duration('1ms')` parses with time.ParseDuration too
// (google/cel-go common/types/string.go), and fortio's -t is a Go flag.Duration. So `1.s`, `.5s`,
// `1h30m` and `+2s` are durations everywhere, and `1d`, `1 s` and `10` are not.

const NS_PER: ReadonlyMap<string, bigint> = new Map([
  // golang/go src/time/format.go unitMap
  ['ns', 1n],
  ['us', 1_000n],
  ['µs', 1_000n], // U+00B5 micro sign
  ['μs', 1_000n], // U+03BC Greek mu
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const LIMIT = 1n << 63n; // Go's Duration is an int64 of nanoseconds
const NS_PER_MS = 1_000_000n;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/**
 * Go time.ParseDuration, exactly (golang/go src/time/format.go ParseDuration, leadingInt,
 * leadingFraction): nanoseconds, or undefined where Go returns an error. A fraction is added as Go
 * adds it, through float64 and truncated, so `0.3333333333333333333h` is 20m as in Go.
 */
export function parseGoDuration(text: string): bigint | undefined {
  let s = text;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') return undefined;
  let total = 0n;
  let i = 0;
  while (i < s.length) {
    if (!(s[i] === '.' || isDigit(s[i]))) return undefined;
    // leadingInt: [0-9]*, an error past 1<<63
    const intStart = i;
    let v = 0n;
    for (; isDigit(s[i]); i++) {
      if (v > LIMIT / 10n) return undefined;
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > LIMIT) return undefined;
    }
    const pre = i > intStart;
    // leadingFraction: (\.[0-9]*)?, which stops gaining precision instead of failing
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[i] === '.') {
      i++;
      const fracStart = i;
      let overflow = false;
      for (; isDigit(s[i]); i++) {
        if (overflow) continue;
        if (f > (LIMIT - 1n) / 10n) {
          overflow = true;
          continue;
        }
        const y = f * 10n + BigInt(s.charCodeAt(i) - 48);
        if (y > LIMIT) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = i > fracStart;
    }
    if (!pre && !post) return undefined; // ".s", "-.s"
    const unitStart = i;
    while (i < s.length && s[i] !== '.' && !isDigit(s[i])) i++;
    if (i === unitStart) return undefined; // missing unit
    const unit = NS_PER.get(s.slice(unitStart, i));
    if (unit === undefined) return undefined; // unknown unit
    if (v > LIMIT / unit) return undefined;
    v *= unit;
    if (f > 0n) {
      // Go: v += uint64(float64(f) * (float64(unit) / scale))
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > LIMIT) return undefined;
    }
    total += v;
    if (total > LIMIT) return undefined;
  }
  if (neg) return -total;
  if (total > LIMIT - 1n) return undefined;
  return total;
}

/**
 * A config duration field in milliseconds (fractional below 1ms), or undefined when it is absent or
 * not a Go duration string. Validation reports malformed values; every stage reads them through here.
 */
export function durationMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ns = parseGoDuration(value);
  if (ns === undefined) return undefined;
  return Number(ns / NS_PER_MS) + Number(ns % NS_PER_MS) / 1e6;
}

/** Go time.Duration.String() (golang/go src/time/time.go): `75.208108ms`, `1.5s`, `1m0s`, `0s`. */
export function formatGoDuration(nanoseconds: number | bigint): string {
  let d = typeof nanoseconds === 'bigint' ? nanoseconds : BigInt(Math.round(nanoseconds));
  if (d === 0n) return '0s';
  const neg = d < 0n;
  if (neg) d = -d;
  const frac = (value: bigint, digits: number): string => {
    const scale = 10n ** BigInt(digits);
    const rest = (value % scale).toString().padStart(digits, '0').replace(/0+$/, '');
    return rest === '' ? `${value / scale}` : `${value / scale}.${rest}`;
  };
  let out: string;
  if (d < 1_000n) out = `${d}ns`;
  else if (d < 1_000_000n) out = `${frac(d, 3)}µs`;
  else if (d < 1_000_000_000n) out = `${frac(d, 6)}ms`;
  else {
    const minutesTotal = d / 60_000_000_000n;
    out = `${frac(d % 60_000_000_000n, 9)}s`;
    if (minutesTotal > 0n) {
      out = `${minutesTotal % 60n}m${out}`;
      if (minutesTotal >= 60n) out = `${minutesTotal / 60n}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** formatGoDuration for whole milliseconds, as analyzer messages print a computed duration. */
export function formatDurationMs(ms: number): string {
  return formatGoDuration(BigInt(Math.round(ms)) * NS_PER_MS);
}

// Go's number and duration formatting, so `switchyard load` prints exactly what fortio prints
// (fortio formats with fmt %g/%.Ng and time.Duration.String()).

/** Go fmt `%g` (prec undefined: shortest) or `%.<prec>g` for a float64 (strconv formatDigits 'g'). */
export function formatG(v: number, prec?: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const neg = v < 0;
  const a = Math.abs(v);
  const shortest = prec === undefined;
  let p = shortest ? 0 : Math.max(1, prec);
  const exp = shortest ? a.toExponential() : a.toExponential(p - 1);
  const [mant = '0', e = '0'] = exp.split('e');
  let digits = mant.replace('.', '').replace(/0+$/, '');
  if (digits === '') digits = '0';
  const nd = digits.length;
  const dp = Number(e) + 1;
  if (shortest) p = nd;
  let eprec = p;
  if (eprec > nd && nd >= dp) eprec = nd;
  if (shortest) eprec = 6;
  const x = dp - 1;
  let out: string;
  if (x < -4 || x >= eprec) {
    const pe = Math.min(p, nd);
    out = digits[0] + (pe > 1 ? `.${digits.slice(1, pe)}` : '');
    const ax = Math.abs(x);
    out += `e${x < 0 ? '-' : '+'}${ax < 10 ? '0' : ''}${ax}`;
  } else {
    if (p > dp) p = nd;
    const decimals = Math.max(p - dp, 0);
    const intPart = dp <= 0 ? '0' : digits.slice(0, dp) + '0'.repeat(Math.max(0, dp - nd));
    let frac = '';
    for (let i = 0; i < decimals; i++) {
      const idx = dp + i;
      frac += idx < 0 || idx >= nd ? '0' : digits[idx];
    }
    out = decimals > 0 ? `${intPart}.${frac}` : intPart;
  }
  return neg ? `-${out}` : out;
}

/** Go fmt `%.<n>f`. */
export function formatF(v: number, n: number): string {
  return v.toFixed(n);
}

/** Go time.Duration.String() for a duration in nanoseconds: `75.208108ms`, `5s`, `1m0s`. */
export function formatDuration(ns: number): string {
  let d = Math.round(ns);
  if (d === 0) return '0s';
  const neg = d < 0;
  d = Math.abs(d);
  const frac = (value: number, digits: number): string => {
    const scale = 10 ** digits;
    const whole = Math.floor(value / scale);
    const rest = (value % scale).toString().padStart(digits, '0').replace(/0+$/, '');
    return rest === '' ? `${whole}` : `${whole}.${rest}`;
  };
  let out: string;
  if (d < 1_000) out = `${d}ns`;
  else if (d < 1_000_000) out = `${frac(d, 3)}µs`;
  else if (d < 1_000_000_000) out = `${frac(d, 6)}ms`;
  else {
    const secondsNs = d % 60_000_000_000;
    const totalMinutes = Math.floor(d / 60_000_000_000);
    out = `${frac(secondsNs, 9)}s`;
    if (totalMinutes > 0) {
      const minutes = totalMinutes % 60;
      const hours = Math.floor(totalMinutes / 60);
      out = `${minutes}m${out}`;
      if (hours > 0) out = `${hours}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** Go time.ParseDuration (`5s`, `1m30s`, `250ms`, `1.5h`); returns nanoseconds or undefined. */
export function parseDuration(s: string): number | undefined {
  const t = s.trim();
  if (t === '0') return 0;
  const units: Record<string, number> = {
    ns: 1,
    us: 1e3,
    µs: 1e3,
    μs: 1e3,
    ms: 1e6,
    s: 1e9,
    m: 60e9,
    h: 3600e9,
  };
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  const sign = t.startsWith('-') ? -1 : 1;
  const body = t.replace(/^[-+]/, '');
  re.lastIndex = 0;
  while ((m = re.exec(body)) !== null) {
    total += Number(m[1]) * (units[m[2] ?? 's'] ?? 1);
    matched = re.lastIndex;
  }
  if (matched !== body.length || body.length === 0) return undefined;
  return sign * total;
}

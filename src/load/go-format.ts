// Go's number formatting, so `switchyard load` prints exactly what fortio prints (fortio formats
// with fmt %g/%.Ng; durations print through src/units formatGoDuration, Go's Duration.String()).

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

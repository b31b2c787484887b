// Renders Go fmt templates the way istioctl does (fmt.Sprintf): %s %v %q %d, slices as `[a b]`.

export type GoValue = string | number | boolean | readonly GoValue[];

/** Go's %v of a value: slices print as `[a b]`, everything else as its plain text. */
export function goValue(v: GoValue): string {
  if (Array.isArray(v)) return `[${v.map((x: GoValue) => goValue(x)).join(' ')}]`;
  return String(v);
}

/** Go's %q of a string (strconv.Quote): double-quoted with Go escapes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** fmt.Sprintf for the verbs the message templates use; missing arguments print as Go does. */
export function goSprintf(template: string, args: readonly GoValue[]): string {
  let i = 0;
  return template.replace(/%([svqd%])/g, (_m, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) return `%!${verb}(MISSING)`;
    const arg = args[i++] as GoValue;
    if (verb === 'q') {
      if (Array.isArray(arg)) return `[${arg.map((x: GoValue) => goQuote(goValue(x))).join(' ')}]`;
      return goQuote(goValue(arg));
    }
    return goValue(arg);
  });
}

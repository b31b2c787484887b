// Istio and Envoy regexes are RE2 (linear time, full match); JS RegExp backtracks, so routes use re2js.
import { RE2JS } from 're2js';

export interface CompiledRegex {
  readonly source: string;
  /** True when the whole input matches (Envoy safe_regex semantics). */
  fullMatch(input: string): boolean;
  /** Replaces every match, with `\1`-style group references as Envoy's regex_rewrite takes them. */
  replaceAll(input: string, replacement: string): string;
}

/** Compiles an RE2 pattern; throws an Error with RE2's message when it is not valid RE2. */
export function compileRe2(pattern: string, flags = 0): CompiledRegex {
  const re = RE2JS.compile(pattern, flags);
  return {
    source: pattern,
    fullMatch: (input) => re.matches(input),
    replaceAll: (input, replacement) =>
      re.matcher(input).replaceAll(replacement.replace(/\\(\d)/g, '$$$1')),
  };
}

/** Validates an RE2 pattern; returns the error message, or undefined when it compiles. */
export function re2Error(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export const RE2_CASE_INSENSITIVE = RE2JS.CASE_INSENSITIVE;

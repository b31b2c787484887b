// Whether the CLI colours its output when no --color flag says so: the terminal, TERM, NO_COLOR, FORCE_COLOR.

/** FORCE_COLOR values that enable colour (nodejs/node doc/api/cli.md FORCE_COLOR); any other disables it. */
const FORCE_COLOR_ON = new Set(['', '1', 'true', '2', '3']);

/**
 * The default for --color on `stream`. FORCE_COLOR, when set, decides and wins over NO_COLOR as in Node
 * (nodejs/node doc/api/cli.md); a non-empty NO_COLOR turns colour off (https://no-color.org); otherwise
 * colour on a terminal unless TERM is dumb (istio/istio istioctl/pkg/util/formatting/msg_output.go
 * IstioctlColorDefault). An explicit --color flag overrides all of these.
 */
export function colorDefault(
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return FORCE_COLOR_ON.has(force);
  if (env.NO_COLOR) return false;
  return Boolean(stream.isTTY) && (env.TERM ?? '').toLowerCase() !== 'dumb';
}

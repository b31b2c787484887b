// Exit codes as istioctl uses them (istioctl/cmd/sysexits.go): sysexits.h values.
export const EXIT = {
  ok: 0,
  failure: 1,
  /** EX_USAGE: bad flags or arguments. */
  usage: 64,
  /** EX_DATAERR: input files could not be parsed. */
  dataError: 65,
  /** istioctl analyze: messages at or above the failure threshold. */
  analyzeIssues: 79,
} as const;

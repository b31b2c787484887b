// What a command "inside the pod" sees: the container's environment, its stdout/stderr, stdin, and the
// files the container has (asked of the kubelet's view through the parent).

export interface PodIo {
  readonly env: Readonly<Record<string, string>>;
  out(data: string | Buffer): void;
  err(data: string | Buffer): void;
  /** The whole of stdin (for `cat` without a file); empty when the exec has none. */
  readStdin(): Promise<Buffer>;
  /** A file the container has, else undefined. */
  readFile(path: string): Promise<Buffer | undefined>;
}

/** A command: argv without its name; resolves with the exit status. */
export type PodCommand = (args: readonly string[], io: PodIo) => Promise<number>;

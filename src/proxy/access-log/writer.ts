// Access-log lines are batched per tick into one write (performance.md: the log is the costliest feature).
import { createWriteStream, type WriteStream } from 'node:fs';

export class AccessLogWriter {
  private buf: string[] = [];
  private scheduled = false;
  private stream: WriteStream | undefined;
  constructor(
    private readonly path: string | undefined,
    private readonly sink?: (line: string) => void,
  ) {
    if (path && path !== '/dev/stdout') this.stream = createWriteStream(path, { flags: 'a' });
  }

  write(line: string): void {
    if (this.sink) this.sink(line);
    if (!this.path) return;
    this.buf.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.buf.length === 0) return;
    const chunk = this.buf.join('');
    this.buf = [];
    if (this.stream) this.stream.write(chunk);
    else process.stdout.write(chunk);
  };

  async close(): Promise<void> {
    this.flush();
    const s = this.stream;
    if (s) await new Promise<void>((resolve) => s.end(resolve));
  }
}

// Access-log lines are batched into one write (docs/performance.md: the log is the costliest feature).
// Like Envoy's file access log (file_flush_interval_msec, default 1s) lines are flushed on an
// interval, or sooner when 64 KiB are buffered.
import { createWriteStream, type WriteStream } from 'node:fs';

const FLUSH_INTERVAL_MS = 1000;

export class AccessLogWriter {
  private buf: string[] = [];
  private bytes = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stream: WriteStream | undefined;
  constructor(
    private readonly path: string | undefined,
    private readonly sink?: (line: string) => void,
  ) {
    if (path && path !== '/dev/stdout')
      this.stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  }

  write(line: string): void {
    if (this.sink) this.sink(line);
    if (!this.path) return;
    this.buf.push(line);
    this.bytes += line.length;
    if (this.bytes >= 65_536) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(this.flush, FLUSH_INTERVAL_MS);
      this.timer.unref();
    }
  }

  private readonly flush = (): void => {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buf.length === 0) return;
    const chunk = this.buf.join('');
    this.buf = [];
    this.bytes = 0;
    if (this.stream) this.stream.write(chunk);
    else process.stdout.write(chunk);
  };

  async close(): Promise<void> {
    this.flush();
    const s = this.stream;
    if (s) await new Promise<void>((resolve) => s.end(resolve));
  }
}

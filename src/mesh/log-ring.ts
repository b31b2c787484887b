// The last N access-log lines of a proxy, kept in memory for `GET /logs` and `switchyard logs`.
export class LogRing {
  private readonly lines: string[] = [];
  constructor(private readonly capacity: number) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
  }

  tail(n: number): string[] {
    return this.lines.slice(Math.max(0, this.lines.length - n));
  }
}

// One container's log as the kubelet keeps it: the current instance's lines and the previous
// instance's (`kubectl logs --previous`), with followers for `logs -f`.
import type { PodLogLine } from '../model/pod-runtime.js';

export class ContainerLog {
  private current: PodLogLine[] = [];
  private previous: PodLogLine[] = [];
  private readonly followers = new Set<(line: PodLogLine) => void>();

  constructor(
    private readonly capacity = 5000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  push(text: string): void {
    const line: PodLogLine = { time: new Date(this.now()), text };
    this.current.push(line);
    if (this.current.length > this.capacity)
      this.current.splice(0, this.current.length - this.capacity);
    for (const f of [...this.followers]) f(line);
  }

  /** A new instance of the container starts: its lines become the previous instance's. */
  restarted(): void {
    this.previous = this.current;
    this.current = [];
  }

  lines(previous: boolean): readonly PodLogLine[] {
    return previous ? this.previous : this.current;
  }

  follow(onLine: (line: PodLogLine) => void): () => void {
    this.followers.add(onLine);
    return () => void this.followers.delete(onLine);
  }
}

// GET pods/{name}/log: a container's output as plain text, filtered by tailLines / sinceSeconds /
// sinceTime / limitBytes, each line prefixed with its RFC 3339 nanosecond time under timestamps=true,
// and kept open (chunked) under follow=true (k8s.io/api core/v1 PodLogOptions; kubelet
// pkg/kubelet/kuberuntime/logs ReadLogs).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PodContainerView, PodLogLine } from '../../model/pod-runtime.js';

export interface LogQuery {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
  /** Lines at or after this time only (sinceSeconds or sinceTime). */
  sinceMs?: number;
}

export function parseLogQuery(url: URL, nowMs: number): LogQuery | string {
  const q = url.searchParams;
  const bool = (name: string) => q.get(name) === 'true' || q.get(name) === '1';
  const int = (name: string): number | undefined | string => {
    const raw = q.get(name);
    if (raw === null || raw === '') return undefined;
    const n = Number(raw);
    return Number.isInteger(n) ? n : `${name}: Invalid value: "${raw}": must be an integer`;
  };
  const tailLines = int('tailLines');
  const limitBytes = int('limitBytes');
  const sinceSeconds = int('sinceSeconds');
  for (const v of [tailLines, limitBytes, sinceSeconds]) if (typeof v === 'string') return v;
  // pkg/apis/core/validation ValidatePodLogOptions.
  if (typeof tailLines === 'number' && tailLines < 0)
    return 'tailLines: Invalid value: ' + tailLines + ': must be greater than or equal to 0';
  if (typeof limitBytes === 'number' && limitBytes < 1)
    return 'limitBytes: Invalid value: ' + limitBytes + ': must be greater than 0';
  if (typeof sinceSeconds === 'number' && sinceSeconds < 1)
    return 'sinceSeconds: Invalid value: ' + sinceSeconds + ': must be greater than 0';
  const sinceTime = q.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime)
    return 'at most one of `sinceTime` or `sinceSeconds` may be specified';
  let sinceMs: number | undefined;
  if (typeof sinceSeconds === 'number') sinceMs = nowMs - sinceSeconds * 1000;
  else if (sinceTime) {
    sinceMs = Date.parse(sinceTime);
    if (Number.isNaN(sinceMs)) return `sinceTime: Invalid value: "${sinceTime}"`;
  }
  return {
    follow: bool('follow'),
    previous: bool('previous'),
    timestamps: bool('timestamps'),
    ...(typeof tailLines === 'number' ? { tailLines } : {}),
    ...(typeof limitBytes === 'number' ? { limitBytes } : {}),
    ...(sinceMs !== undefined ? { sinceMs } : {}),
  };
}

/** RFC 3339 with nanoseconds, as the kubelet prefixes lines (`2026-12-02T11:10:25.123000000Z`). */
export function logTimestamp(time: Date): string {
  return time.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

function render(line: PodLogLine, timestamps: boolean): string {
  const text = line.text.endsWith('\n') ? line.text : `${line.text}\n`;
  return timestamps ? `${logTimestamp(line.time)} ${text}` : text;
}

export function serveLog(
  req: IncomingMessage,
  res: ServerResponse,
  container: PodContainerView,
  query: LogQuery,
): void {
  let lines = container
    .logs(query.previous)
    .filter((l) => query.sinceMs === undefined || l.time.getTime() >= query.sinceMs);
  if (query.tailLines !== undefined)
    lines = lines.slice(Math.max(0, lines.length - query.tailLines));
  let budget = query.limitBytes ?? Infinity;
  res.writeHead(200, { 'content-type': 'text/plain' });
  const emit = (line: PodLogLine): boolean => {
    if (budget <= 0) return false;
    let bytes = Buffer.from(render(line, query.timestamps));
    if (bytes.length > budget) bytes = bytes.subarray(0, budget);
    budget -= bytes.length;
    res.write(bytes);
    return budget > 0;
  };
  for (const l of lines) if (!emit(l)) break;
  if (!query.follow || query.previous || budget <= 0) {
    res.end();
    return;
  }
  // follow: new lines as they come, until the client hangs up (or limitBytes is spent).
  const stop = container.follow((l) => {
    if (!emit(l)) finish();
  });
  const finish = () => {
    stop();
    res.end();
  };
  req.on('close', stop);
  res.on('close', stop);
}

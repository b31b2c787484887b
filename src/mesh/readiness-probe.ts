// A container's readinessProbe as the kubelet runs it (kubernetes pkg/kubelet/prober worker.go and
// pkg/probe/http, pkg/probe/tcp): httpGet (2xx/3xx is success) or tcpSocket, every periodSeconds
// after initialDelaySeconds, a result taken once successThreshold / failureThreshold consecutive
// probes agree; each failure is a `Warning Unhealthy` event "Readiness probe failed: <output>".
// The probe reaches the app where it listens here (127.0.0.1 at its mapped port) and speaks of it by
// the pod's IP and container port, as the kubelet would.
import { request } from 'node:http';
import { connect } from 'node:net';
import type { JsonObject } from '../config/json-value.js';
import { KUBE_MAJOR, KUBE_MINOR } from '../kube/discovery.js';

export interface ProbeSpec {
  kind: 'httpGet' | 'tcpSocket';
  /** The container port probed (a named port resolved against the container's ports). */
  port: number;
  path: string;
  scheme: 'HTTP' | 'HTTPS';
  headers: readonly [string, string][];
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

export interface ProbeResult {
  ok: boolean;
  /** The prober's output on failure (the event's text after "Readiness probe failed: "). */
  output: string;
}

const seconds = (v: unknown, dflt: number): number =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : dflt;

/**
 * The container's readinessProbe, or undefined when it has none (or only `exec`/`grpc`, which are
 * not run here). Defaults are the API's (k8s.io/api core/v1 Probe): period 10 s, timeout 1 s,
 * success 1, failure 3, path `/`.
 */
export function readinessProbeOf(container: JsonObject | undefined): ProbeSpec | undefined {
  const probe = container?.readinessProbe as JsonObject | undefined;
  if (!probe) return undefined;
  const http = probe.httpGet as JsonObject | undefined;
  const tcp = probe.tcpSocket as JsonObject | undefined;
  const handler = http ?? tcp;
  if (!handler) return undefined;
  const port = portOf(handler.port, container);
  if (port === undefined) return undefined;
  return {
    kind: http ? 'httpGet' : 'tcpSocket',
    port,
    path: typeof http?.path === 'string' && http.path !== '' ? http.path : '/',
    scheme: http?.scheme === 'HTTPS' ? 'HTTPS' : 'HTTP',
    headers: ((http?.httpHeaders ?? []) as { name?: string; value?: string }[])
      .filter((h) => typeof h.name === 'string')
      .map((h) => [h.name ?? '', h.value ?? ''] as [string, string]),
    initialDelayMs: seconds(probe.initialDelaySeconds, 0) * 1000,
    // pkg/apis/core/validation: periodSeconds and timeoutSeconds are at least 1.
    periodMs: Math.max(1, seconds(probe.periodSeconds, 10)) * 1000,
    timeoutMs: Math.max(1, seconds(probe.timeoutSeconds, 1)) * 1000,
    successThreshold: Math.max(1, seconds(probe.successThreshold, 1)),
    failureThreshold: Math.max(1, seconds(probe.failureThreshold, 3)),
  };
}

/** A number, a numeric string, or the name of one of the container's ports (prober.go findPortByName). */
function portOf(value: unknown, container: JsonObject | undefined): number | undefined {
  if (typeof value === 'number') return value > 0 && value < 65536 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const ports = (container?.ports ?? []) as { name?: string; containerPort?: number }[];
  const named = ports.find((p) => p.name === value)?.containerPort;
  if (named !== undefined) return named;
  const n = Number(value);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}

/**
 * One probe against `target` (where the app listens); messages name `podIP:port` as Go's dialer
 * and http client print them (pkg/probe/http/http.go "HTTP probe failed with statuscode: %d").
 */
export function runProbe(
  spec: ProbeSpec,
  target: { host: string; port: number },
  podIP: string,
): Promise<ProbeResult> {
  const shown = `${podIP}:${spec.port}`;
  const dialError = (err: NodeJS.ErrnoException): string =>
    `dial tcp ${shown}: connect: ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.message}`;
  if (spec.kind === 'tcpSocket')
    return new Promise((resolve) => {
      const s = connect({ host: target.host, port: target.port });
      const timer = setTimeout(() => {
        s.destroy();
        resolve({ ok: false, output: `dial tcp ${shown}: i/o timeout` });
      }, spec.timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.destroy();
        resolve({ ok: true, output: '' });
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        resolve({ ok: false, output: dialError(err) });
      });
    });
  const url = `${spec.scheme.toLowerCase()}://${shown}${spec.path}`;
  return new Promise((resolve) => {
    const headers: Record<string, string> = {
      // pkg/probe/http/request.go: the kubelet's User-Agent (`kube-probe/<major>.<minor>`) and Accept.
      'User-Agent': `kube-probe/${KUBE_MAJOR}.${KUBE_MINOR}`,
      Accept: '*/*',
    };
    for (const [k, v] of spec.headers) headers[k] = v;
    const req = request(
      { host: target.host, port: target.port, path: spec.path, method: 'GET', headers },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        clearTimeout(timer);
        req.destroy();
        resolve(
          code >= 200 && code < 400
            ? { ok: true, output: '' }
            : { ok: false, output: `HTTP probe failed with statuscode: ${code}` },
        );
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      resolve({
        ok: false,
        output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      });
    }, spec.timeoutMs);
    req.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, output: `Get "${url}": ${dialError(err)}` });
    });
    req.end();
  });
}

// The HTTP side of `switchyard load` (fortio/fortio fhttp/httprunner.go RunHTTPTest): one keep-alive
// connection per -c, warmup, per-code counts, sizes, sockets, and fortio's closing lines.
import http from 'node:http';
import os from 'node:os';
import { writeFileSync } from 'node:fs';
import type { Clock } from '../runtime/clock.js';
import { formatGoDuration as formatDuration } from '../units/index.js';
import { formatG } from './go-format.js';
import { Counter, type HistogramData } from './histogram.js';
import type { LoadOptions } from './options.js';
import { runPeriodic } from './periodic.js';
import { SWITCHYARD_VERSION } from '../runtime/version.js';

export const LOAD_VERSION = `switchyard-${SWITCHYARD_VERSION}`;

export interface LoadDeps {
  clock: Clock;
  /** stdout lines */
  out: (line: string) => void;
  /** stderr lines (progress) */
  err: (line: string) => void;
  signal?: AbortSignal;
  procs?: number;
}

export interface LoadResult {
  RunType: 'HTTP';
  Labels: string;
  StartTime: string;
  RequestedQPS: string;
  RequestedDuration: string;
  ActualQPS: number;
  ActualDuration: number;
  NumThreads: number;
  Version: string;
  DurationHistogram: HistogramData;
  Exactly: number;
  Jitter: boolean;
  RetCodes: Record<string, number>;
  Sizes: { Count: number; Min: number; Max: number; Sum: number; Avg: number };
  HeaderSizes: { Count: number; Min: number; Max: number; Sum: number; Avg: number };
  URL: string;
  SocketCount: number;
  Proxy?: string;
}

interface CallOutcome {
  code: number;
  headerSize: number;
  totalSize: number;
}

/** One connection's client: a keep-alive agent limited to one socket, as fortio's fast client. */
class Connection {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  readonly sockets = new Set<unknown>();
  readonly addresses = new Map<string, number>();

  constructor(
    private readonly o: LoadOptions,
    private readonly target: URL,
    private readonly proxy: URL | undefined,
  ) {}

  /** One call; a keep-alive socket found closed by the server is retried once on a new one. */
  async fetch(): Promise<CallOutcome> {
    const first = await this.once();
    return first.staleSocket ? this.once() : first;
  }

  private once(): Promise<CallOutcome & { staleSocket?: boolean }> {
    const t = this.target;
    const hostHeader = t.port ? `${t.hostname}:${t.port}` : t.hostname;
    const headers: Record<string, string> = {
      host: hostHeader,
      'user-agent': `fortio.org/fortio-${LOAD_VERSION}`,
    };
    for (const [k, v] of this.o.headers) headers[k.toLowerCase()] = v;
    const body = this.o.payload;
    if (body !== undefined) {
      headers['content-type'] = this.o.contentType ?? 'application/octet-stream';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const via = this.proxy;
    const options: http.RequestOptions = {
      agent: this.agent,
      method: body !== undefined ? 'POST' : 'GET',
      headers,
      host: via ? via.hostname : t.hostname,
      port: via ? Number(via.port || 80) : Number(t.port || 80),
      path: via ? t.href : `${t.pathname}${t.search}`,
    };
    return new Promise((resolve) => {
      let done = false;
      const finish = (o: CallOutcome & { staleSocket?: boolean }) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(o);
      };
      const req = http.request(options, (res) => {
        let size = 0;
        res.on('data', (c: Buffer) => (size += c.length));
        res.on('end', () => {
          let headerSize = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`.length + 2;
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            headerSize += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`.length;
          }
          finish({ code: res.statusCode ?? -1, headerSize, totalSize: headerSize + size });
        });
        res.on('error', () => finish({ code: -1, headerSize: 0, totalSize: 0 }));
      });
      req.on('socket', (s) => {
        if (this.sockets.has(s)) return;
        this.sockets.add(s);
        const record = () => {
          const key = `${s.remoteAddress ?? '?'}:${s.remotePort ?? '?'}`;
          this.addresses.set(key, (this.addresses.get(key) ?? 0) + 1);
        };
        if (s.remoteAddress) record();
        else s.once('connect', record);
      });
      const timer = setTimeout(() => {
        req.destroy(new Error('timeout'));
        finish({ code: -1, headerSize: 0, totalSize: 0 });
      }, this.o.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) =>
        finish({
          code: -1,
          headerSize: 0,
          totalSize: 0,
          staleSocket: req.reusedSocket && err.code === 'ECONNRESET',
        }),
      );
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

const pct = (n: number, total: number) => ((100 * n) / total).toFixed(1);

/** Runs the load test described by o, printing fortio's report; resolves with the JSON results. */
export async function runLoad(o: LoadOptions, deps: LoadDeps): Promise<LoadResult> {
  const target = new URL(o.url);
  const proxy = o.proxy
    ? new URL(o.proxy.includes('://') ? o.proxy : `http://${o.proxy}`)
    : undefined;
  const procs = deps.procs ?? os.availableParallelism();
  const forWhat =
    o.exactly > 0
      ? `for ${o.exactly} calls`
      : o.durationNs > 0
        ? `for ${formatDuration(o.durationNs)}`
        : 'until interrupted';
  deps.out(
    `Fortio ${LOAD_VERSION} running at ${formatG(o.qps)} queries per second, ${procs}->${procs} procs, ${forWhat}: ${o.url}`,
  );
  if (proxy) deps.out(`Sending through proxy ${proxy.host} (absolute-form requests)`);
  const connections: Connection[] = [];
  for (let i = 0; i < Math.max(1, o.connections); i++)
    connections.push(new Connection(o, target, proxy));
  const retCodes = new Map<number, number>();
  const sizes = new Counter();
  const headerSizes = new Counter();
  try {
    // warmup: one call per connection, not counted (fortio skips it with -n)
    const warmup = o.exactly > 0 ? 0 : connections.length;
    if (warmup > 0) {
      const results = await Promise.all(connections.map((c) => c.fetch()));
      const bad = results.find((r) => r.code < 200 || r.code >= 300);
      if (bad && !o.allowInitialErrors) {
        throw new Error(
          `Aborting because of error ${bad.code} for ${o.url} (use -allow-initial-errors to continue)`,
        );
      }
    }
    const result = await runPeriodic(
      {
        qps: o.qps,
        durationNs: o.durationNs,
        connections: connections.length,
        exactly: o.exactly,
        percentiles: o.percentiles,
        resolution: o.resolution,
        clock: deps.clock,
        signal: deps.signal,
        procs,
        progressMs: o.progressMs,
        onProgress: (calls, elapsedMs) =>
          deps.err(
            `progress: ${calls} calls in ${formatDuration(elapsedMs * 1e6)} (${formatG(calls / (elapsedMs / 1000), 5)} qps)`,
          ),
      },
      async (thread) => {
        const r = await connections[thread]!.fetch();
        retCodes.set(r.code, (retCodes.get(r.code) ?? 0) + 1);
        sizes.record(r.totalSize);
        headerSizes.record(r.headerSize);
      },
      deps.out,
    );
    const socketCount = connections.reduce((n, c) => n + c.sockets.size, 0);
    const addresses = new Map<string, number>();
    for (const c of connections)
      for (const [k, v] of c.addresses) addresses.set(k, (addresses.get(k) ?? 0) + v);
    deps.out(`Sockets used: ${socketCount} (for perfect keepalive, would be ${result.numThreads})`);
    deps.out('Uniform: false, Jitter: false');
    deps.out('IP addresses distribution:');
    for (const [k, v] of [...addresses].sort((a, b) => b[1] - a[1])) deps.out(`${k}: ${v}`);
    const total = result.histogram.Count;
    const codes = [...retCodes.keys()].sort((a, b) => a - b);
    for (const code of codes) {
      const n = retCodes.get(code) ?? 0;
      deps.out(`Code ${String(code).padStart(3)} : ${n} (${pct(n, total)} %)`);
    }
    if (sizes.count > 0) {
      deps.out(headerSizes.line('Response Header Sizes'));
      deps.out(sizes.line('Response Body/Total Sizes'));
    }
    deps.out(
      `All done ${total} calls (plus ${warmup} warmup) ${(1000 * (result.histogram.Avg || 0)).toFixed(3)} ms avg, ${result.actualQps.toFixed(1)} qps`,
    );
    const summary = (c: Counter) => ({
      Count: c.count,
      Min: c.min,
      Max: c.max,
      Sum: c.sum,
      Avg: c.count ? c.avg() : 0,
    });
    const json: LoadResult = {
      RunType: 'HTTP',
      Labels: o.labels ?? `${target.host}${target.pathname} , ${os.hostname().split('.')[0] ?? ''}`,
      StartTime: result.startTime.toISOString(),
      RequestedQPS: result.requestedQps,
      RequestedDuration: result.requestedDuration,
      ActualQPS: result.actualQps,
      ActualDuration: Math.round(result.elapsedMs * 1e6),
      NumThreads: result.numThreads,
      Version: LOAD_VERSION,
      DurationHistogram: result.histogram,
      Exactly: o.exactly,
      Jitter: false,
      RetCodes: Object.fromEntries(codes.map((c) => [String(c), retCodes.get(c) ?? 0])),
      Sizes: summary(sizes),
      HeaderSizes: summary(headerSizes),
      URL: o.url,
      SocketCount: socketCount,
      ...(proxy ? { Proxy: proxy.href } : {}),
    };
    if (o.json !== undefined) {
      const text = JSON.stringify(json, null, 2) + '\n';
      if (o.json === '-') {
        deps.out(text.trimEnd());
        deps.out(`Successfully wrote ${Buffer.byteLength(text)} bytes of Json data to stdout`);
      } else {
        writeFileSync(o.json, text);
        deps.out(`Successfully wrote ${Buffer.byteLength(text)} bytes of Json data to ${o.json}`);
      }
    }
    return json;
  } finally {
    for (const c of connections) c.close();
  }
}

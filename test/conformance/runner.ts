// Case-table conformance runner: a snapshot built from named echo backends, a real proxy on port 0,
// and rows of {request, expect: {backend, status, headers, flags}} checked against what the client got,
// what the backend received, and the proxy's access-log line (JSON) for that request.
import assert from 'node:assert/strict';
import { request as httpRequest, Agent } from 'node:http';
import type { ProxySnapshot } from '../../src/compile/snapshot.js';
import { createProxy, type Proxy } from '../../src/proxy/index.js';
import type { Random } from '../../src/runtime/random.js';
import { startEcho, type EchoBackend, type Received } from '../helpers/echo-backend.js';

export interface CaseRequest {
  method?: string;
  /** Host header (and the destination port for virtualOutbound). */
  authority: string;
  path?: string;
  headers?: Record<string, string>;
  /** Send as an absolute-form (proxy-form) request target. */
  proxyForm?: boolean;
}

export interface CaseExpect {
  /** Backend name that must have received it; null = no backend. */
  backend?: string | null;
  status: number;
  headers?: Record<string, string | RegExp>;
  absentHeaders?: string[];
  /** Headers the backend must have received. */
  upstreamHeaders?: Record<string, string | RegExp | undefined>;
  upstreamPath?: string;
  /** %RESPONSE_FLAGS% as printed, e.g. `NR`, `-`. */
  flags?: string;
  details?: string;
  routeName?: string;
  upstreamCluster?: string;
  body?: string;
}

export interface Case {
  name: string;
  request: CaseRequest;
  expect: CaseExpect;
}

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

export function send(port: number, r: CaseRequest): Promise<Response> {
  const path = r.proxyForm ? `http://${r.authority}${r.path ?? '/'}` : (r.path ?? '/');
  return sendHttp(port, r.method ?? 'GET', path, { host: r.authority, ...r.headers });
}

/** One request over a keep-alive agent; shared by the hand-built and the YAML case runners. */
export function sendHttp(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    // A test must fail, never hang, when the proxy does not answer.
    req.setTimeout(15_000, () => req.destroy(new Error('no response within 15s')));
    req.end();
  });
}

export interface Harness {
  proxy: Proxy;
  port: number;
  backends: Map<string, EchoBackend>;
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Starts the named backends, builds the snapshot from their ports, and a proxy bound to `listener`. */
export async function harness(
  backendNames: string[],
  build: (port: (name: string) => number) => ProxySnapshot,
  opts: { random?: Random; listener?: string } = {},
): Promise<Harness> {
  const backends = new Map<string, EchoBackend>();
  for (const n of backendNames) backends.set(n, await startEcho(n));
  const logs: Record<string, unknown>[] = [];
  const proxy = createProxy({
    name: 'test',
    random: opts.random,
    accessLog: {
      encoding: 'JSON',
      sink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
    },
  });
  proxy.update(build((n) => backends.get(n)?.port ?? 1));
  const { port } = await proxy.listen(opts.listener ?? 'virtualOutbound', {
    host: '127.0.0.1',
    port: 0,
  });
  return {
    proxy,
    port,
    backends,
    logs,
    async close() {
      await proxy.close(100);
      for (const b of backends.values()) await b.close();
    },
  };
}

let seq = 0;

/** Runs one case; returns the response. */
export async function runCase(h: Harness, c: Case): Promise<Response> {
  const rid = `case-${++seq}`;
  for (const b of h.backends.values()) b.received.length = 0;
  const res = await send(h.port, {
    ...c.request,
    headers: { 'x-request-id': rid, ...c.request.headers },
  });
  const e = c.expect;
  assert.equal(res.status, e.status, `${c.name}: status (body ${res.body})`);
  for (const [k, v] of Object.entries(e.headers ?? {})) {
    const got = res.headers[k];
    const s = Array.isArray(got) ? got.join(', ') : got;
    if (v instanceof RegExp) assert.match(s ?? '', v, `${c.name}: response header ${k}`);
    else assert.equal(s, v, `${c.name}: response header ${k}`);
  }
  for (const k of e.absentHeaders ?? [])
    assert.equal(res.headers[k], undefined, `${c.name}: ${k} absent`);
  if (e.body !== undefined) assert.equal(res.body, e.body, `${c.name}: body`);
  let got: Received | undefined;
  for (const b of h.backends.values())
    got ??= b.received.find((r) => r.headers['x-request-id'] === rid);
  if (e.backend !== undefined) assert.equal(got?.name ?? null, e.backend, `${c.name}: backend`);
  if (e.upstreamPath !== undefined)
    assert.equal(got?.url, e.upstreamPath, `${c.name}: upstream path`);
  for (const [k, v] of Object.entries(e.upstreamHeaders ?? {})) {
    const g = got?.headers[k];
    const s = Array.isArray(g) ? g.join(', ') : g;
    if (v === undefined) assert.equal(s, undefined, `${c.name}: upstream header ${k} absent`);
    else if (v instanceof RegExp) assert.match(s ?? '', v, `${c.name}: upstream header ${k}`);
    else assert.equal(s, v, `${c.name}: upstream header ${k}`);
  }
  // The access-log line is written when the response finishes; wait a tick for it.
  let line: Record<string, unknown> | undefined;
  for (let i = 0; i < 50 && !line; i++) {
    line = h.logs.find((l) => l.request_id === rid);
    if (!line) await new Promise((r) => setImmediate(r));
  }
  if (e.flags !== undefined) assert.equal(line?.response_flags ?? '-', e.flags, `${c.name}: flags`);
  if (e.details !== undefined)
    assert.equal(line?.response_code_details, e.details, `${c.name}: details`);
  if (e.routeName !== undefined)
    assert.equal(line?.route_name, e.routeName, `${c.name}: route name`);
  if (e.upstreamCluster !== undefined)
    assert.equal(line?.upstream_cluster, e.upstreamCluster, `${c.name}: cluster`);
  return res;
}

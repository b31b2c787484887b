// Runs one case-file row against a MeshHarness: sends the request(s) over real sockets, then checks
// the response, what the echo backend received, and the proxy's access-log line for that request.
import assert from 'node:assert/strict';
import { sendHttp, type Response } from '../runner.js';
import type { Received } from '../../helpers/echo-backend.js';
import type { Row, RowExpect, RowRequest } from './case-file.js';
import type { MeshHarness } from './mesh-harness.js';

interface Outcome {
  res: Response;
  received: Received | undefined;
  log: Record<string, unknown> | undefined;
}

function send(port: number, r: RowRequest, headers: Record<string, string>): Promise<Response> {
  let path = r.path ?? '/';
  const q = new URLSearchParams(r.query ?? {}).toString();
  if (q) path += (path.includes('?') ? '&' : '?') + q;
  if (r.proxyForm) path = `http://${r.host}${path}`;
  return sendHttp(port, r.method ?? 'GET', path, { host: r.host, ...r.headers, ...headers });
}

function portFor(h: MeshHarness, r: RowRequest): number {
  if (r.proxy === 'gateway') {
    if (!h.gateway) throw new Error('case file has no gateway: true');
    const ports = h.gateway.ports;
    const port = r.port !== undefined ? ports.get(`0.0.0.0_${r.port}`) : [...ports.values()][0];
    if (port === undefined)
      throw new Error(`gateway has no listener for port ${r.port}; has ${[...ports.keys()]}`);
    return port;
  }
  const from = r.from ?? [...h.sidecars.keys()][0];
  const sc = from ? h.sidecars.get(from) : undefined;
  if (!sc) throw new Error(`no client sidecar ${from}`);
  return sc.ports.get('virtualOutbound')!;
}

let seq = 0;

async function once(
  h: MeshHarness,
  r: RowRequest,
  extra: Record<string, string>,
): Promise<Outcome> {
  const rid = `yaml-case-${++seq}`;
  r = { ...r, host: h.expand(r.host) };
  const res = await send(portFor(h, r), r, { 'x-request-id': rid, ...extra });
  let received: Received | undefined;
  for (const b of h.backends.values())
    received ??= b.received.find((x) => x.headers['x-request-id'] === rid);
  // The access-log line is written when the response finishes; give it a few turns.
  let log: Record<string, unknown> | undefined;
  for (let i = 0; i < 50 && !log; i++) {
    log = h.logs.find((l) => l.request_id === rid);
    if (!log) await new Promise((res) => setImmediate(res));
  }
  return { res, received, log };
}

function headerText(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

function checkValue(got: string | undefined, want: string, what: string): void {
  if (want.length > 1 && want.startsWith('/') && want.endsWith('/'))
    assert.match(got ?? '', new RegExp(want.slice(1, -1)), what);
  else assert.equal(got, want, what);
}

function check(name: string, o: Outcome, e: RowExpect): void {
  const { res, received, log } = o;
  if (e.status !== undefined) assert.equal(res.status, e.status, `${name}: status (${res.body})`);
  for (const [k, v] of Object.entries(e.headers ?? {}))
    checkValue(headerText(res.headers[k.toLowerCase()]), v, `${name}: response header ${k}`);
  for (const k of e.absentHeaders ?? [])
    assert.equal(res.headers[k.toLowerCase()], undefined, `${name}: header ${k} absent`);
  if (e.body !== undefined) assert.equal(res.body, e.body, `${name}: body`);
  if (e.backend !== undefined) assert.equal(received?.name ?? null, e.backend, `${name}: backend`);
  if (e.path !== undefined) assert.equal(received?.url, e.path, `${name}: path received`);
  for (const [k, v] of Object.entries(e.upstreamHeaders ?? {})) {
    const got = headerText(received?.headers[k.toLowerCase()]);
    if (v === null) assert.equal(got, undefined, `${name}: upstream header ${k} absent`);
    else checkValue(got, v, `${name}: upstream header ${k}`);
  }
  if (e.flags !== undefined) assert.equal(log?.response_flags ?? '-', e.flags, `${name}: flags`);
  if (e.details !== undefined)
    assert.equal(log?.response_code_details, e.details, `${name}: details`);
  if (e.routeName !== undefined) assert.equal(log?.route_name, e.routeName, `${name}: route`);
  if (e.cluster !== undefined) assert.equal(log?.upstream_cluster, e.cluster, `${name}: cluster`);
  if (e.authority !== undefined) assert.equal(log?.authority, e.authority, `${name}: authority`);
}

function cookiesOf(res: Response): string[] {
  const sc = res.headers['set-cookie'];
  return (Array.isArray(sc) ? sc : sc ? [sc] : []).map((c) => c.split(';')[0]!);
}

async function runRepeated(h: MeshHarness, row: Row): Promise<void> {
  const n = row.repeat ?? 1;
  const outcomes: Outcome[] = [];
  const jar: string[] = [];
  for (let i = 0; i < n; i++) {
    const extra: Record<string, string> = {};
    let req = row.request;
    if (row.vary) {
      const value = row.vary.value.replaceAll('{i}', String(i));
      if (row.vary.header) extra[row.vary.header] = value;
      if (row.vary.query) req = { ...req, query: { ...req.query, [row.vary.query]: value } };
    }
    if (row.carryCookies && jar.length > 0) extra.cookie = jar.join('; ');
    const o = await once(h, req, extra);
    if (row.carryCookies) jar.push(...cookiesOf(o.res));
    outcomes.push(o);
  }
  const [first, ...rest] = outcomes;
  check(row.name, first!, row.expect);
  // Later repetitions are judged on everything but the first response's headers (e.g. set-cookie).
  const { headers: _h, absentHeaders: _a, ...later } = row.expect;
  void _h;
  void _a;
  rest.forEach((o, i) => check(`${row.name} #${i + 2}`, o, { ...later, backend: undefined }));
  const names = outcomes.map((o) => o.received?.name ?? 'none');
  if (row.expect.sticky === true)
    assert.equal(new Set(names).size, 1, `${row.name}: sticky, got ${names.join(',')}`);
  if (row.expect.sticky === false)
    assert.ok(new Set(names).size > 1, `${row.name}: spread, got ${names.join(',')}`);
  if (row.expect.backendCounts) {
    const counts: Record<string, number> = {};
    for (const x of names) counts[x] = (counts[x] ?? 0) + 1;
    assert.deepEqual(counts, row.expect.backendCounts, `${row.name}: backend counts`);
  }
  if (n === 1 || (row.expect.sticky === undefined && !row.expect.backendCounts)) {
    if (row.expect.backend !== undefined)
      for (const o of outcomes)
        assert.equal(o.received?.name ?? null, row.expect.backend, `${row.name}: backend`);
  }
}

/** Snapshot swap under load: `concurrency` loops send until `requests` completed; the YAML changes mid-way. */
async function runLoad(h: MeshHarness, row: Row): Promise<void> {
  const spec = row.load!;
  let started = 0;
  let done = 0;
  let swapped = false;
  const failures: string[] = [];
  const after: string[] = [];
  const loop = async () => {
    while (started < spec.requests) {
      started++;
      const afterSwap = swapped;
      try {
        const o = await once(h, row.request, {});
        if (o.res.status !== (row.expect.status ?? 200))
          failures.push(`${o.res.status} ${String(o.log?.response_flags)}`);
        if (afterSwap) after.push(o.received?.name ?? 'none');
      } catch (err) {
        failures.push(String(err));
      }
      done++;
      if (!swapped && done >= spec.applyAfter) {
        swapped = true;
        await h.apply(spec.manifest);
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, loop));
  assert.deepEqual(failures, [], `${row.name}: failed requests during the swap`);
  assert.ok(swapped, `${row.name}: the swap happened`);
  if (spec.backendAfter) {
    assert.ok(after.length > 0, `${row.name}: requests after the swap`);
    assert.deepEqual(
      [...new Set(after)],
      [spec.backendAfter],
      `${row.name}: requests started after the swap reach the new backend`,
    );
  }
}

/** A request the proxy answers by closing the connection: no response, one TCP-shaped log line. */
async function runClosed(h: MeshHarness, row: Row): Promise<void> {
  const r = { ...row.request, host: h.expand(row.request.host) };
  const before = h.logs.length;
  await assert.rejects(send(portFor(h, r), r, {}), `${row.name}: closed without a response`);
  let log: Record<string, unknown> | undefined;
  for (let i = 0; i < 50 && !log; i++) {
    log = h.logs[before];
    if (!log) await new Promise((res) => setImmediate(res));
  }
  assert.ok(log, `${row.name}: an access-log line`);
  assert.equal(log.method, null, `${row.name}: a TCP line has no method`);
  assert.equal(log.response_code, 0, `${row.name}: no response code`);
  let received: Received | undefined;
  for (const b of h.backends.values()) received ??= b.received[0];
  check(row.name, { res: { status: 0, headers: {}, body: '' }, received, log }, row.expect);
}

export async function runRow(h: MeshHarness, row: Row): Promise<void> {
  h.random.reset(row.random);
  for (const b of h.backends.values()) b.received.length = 0;
  if (row.load) await runLoad(h, row);
  else if (row.expect.closed) await runClosed(h, row);
  else await runRepeated(h, row);
}

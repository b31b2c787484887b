// Runs route test cases against traces: Switchyard's expectations are checked against the compiled
// route (destinations, subsets, weights, rewrites, policies), istio-config-validator's against the
// VirtualService http rule the request matched, compared whole as its unit.Run does with
// reflect.DeepEqual (getyourguide/istio-config-validator internal/pkg/unit/unit.go), true == wantMatch.
import { isDeepStrictEqual } from 'node:util';
import { stringify } from 'yaml';
import { durationMs } from '../units/index.js';
import type { HeaderOps } from '../compile/index.js';
import type { RouteTestCase } from './test-file.js';
import type { DestinationView, Trace, TraceRequest } from './trace.js';

export interface CaseResult {
  test: RouteTestCase;
  passed: boolean;
  /** One entry per failed assertion: what, expected and actual. */
  failures: { request: string; field: string; expected: unknown; actual: unknown }[];
  traces: Trace[];
  /** The case could not run (unknown workload, ...). */
  error?: string;
}

export interface TestEnvironment {
  trace(test: RouteTestCase, request: TraceRequest): Trace | Promise<Trace>;
  /** The VirtualService http rule a trace matched (config as written), for istio-config-validator. */
  ruleOf(trace: Trace): Record<string, unknown> | undefined;
}

function requestText(r: TraceRequest): string {
  const h = Object.entries(r.headers).map(([k, v]) => ` ${k}=${v}`);
  return `${r.method} ${r.scheme}://${r.authority}${r.path}${r.query ? `?${r.query}` : ''}${h.join('')}`;
}

/** `reviews` matches `reviews.default.svc.cluster.local`; a full name matches itself. */
function hostMatches(expected: unknown, actual: string): boolean {
  if (typeof expected !== 'string') return false;
  return actual === expected || actual.startsWith(`${expected}.`);
}

interface DestExpect {
  host?: string;
  subset?: string;
  port?: number | { number?: number };
  weight?: number;
}

function destMatches(e: DestExpect, d: DestinationView): boolean {
  const c = d.details;
  if (e.host !== undefined && !hostMatches(e.host, c?.serviceHost ?? d.cluster)) return false;
  if (e.subset !== undefined && (c?.subset ?? '') !== e.subset) return false;
  const port = typeof e.port === 'object' ? e.port?.number : e.port;
  if (port !== undefined && c?.port !== port) return false;
  if (e.weight !== undefined && Math.round(d.percent) !== e.weight) return false;
  return true;
}

function destPlain(d: DestinationView): Record<string, unknown> {
  const c = d.details;
  return {
    host: c?.serviceHost ?? d.cluster,
    ...(c?.subset ? { subset: c.subset } : {}),
    ...(c ? { port: c.port } : {}),
    weight: Math.round(d.percent * 100) / 100,
  };
}

function status(t: Trace): number | string {
  const o = t.outcome;
  if (o.kind === 'not-found' || o.kind === 'redirect' || o.kind === 'direct') return o.status;
  if (o.kind === 'blackhole') return o.status ?? 'closed';
  return o.kind === 'forward' ? 'forwarded' : o.kind;
}

function opsPlain(h: HeaderOps | undefined): Record<string, unknown> {
  if (!h) return {};
  return {
    ...(h.set.length ? { set: Object.fromEntries(h.set) } : {}),
    ...(h.add.length ? { add: Object.fromEntries(h.add) } : {}),
    ...(h.remove.length ? { remove: [...h.remove] } : {}),
  };
}

/** Whether every key/value of `expected` is in `actual` (maps compared by subset, else equal). */
function contains(actual: unknown, expected: unknown): boolean {
  if (expected && typeof expected === 'object' && !Array.isArray(expected)) {
    if (!actual || typeof actual !== 'object') return false;
    return Object.entries(expected).every(([k, v]) =>
      contains((actual as Record<string, unknown>)[k], v),
    );
  }
  if (Array.isArray(expected) && Array.isArray(actual))
    return expected.every((e) => actual.some((a) => isDeepStrictEqual(a, e)));
  return isDeepStrictEqual(actual, expected);
}

const asMs = (v: unknown): number | undefined =>
  typeof v === 'number' ? v * 1000 : typeof v === 'string' ? durationMs(v) : undefined;

/** One Switchyard expectation against one trace: undefined when it holds, else the actual value. */
function checkField(key: string, expected: unknown, t: Trace): { ok: boolean; actual: unknown } {
  const ds = t.destinations;
  const single = ds.length === 1 ? ds[0] : undefined;
  switch (key) {
    case 'status':
      return { ok: status(t) === expected, actual: status(t) };
    case 'virtualService': {
      const vs = t.route?.virtualService;
      const ok = !!vs && (vs === expected || vs.split('.')[0] === expected);
      return { ok, actual: vs ?? null };
    }
    case 'route':
      return { ok: t.route?.routeName === expected, actual: t.route?.routeName ?? null };
    case 'rule':
      return { ok: t.route?.rule === expected, actual: t.route?.rule ?? null };
    case 'cluster':
      return { ok: single?.cluster === expected, actual: ds.map((d) => d.cluster) };
    case 'destination': {
      const ok = !!single && destMatches(expected as DestExpect, single);
      return { ok, actual: ds.length === 1 ? destPlain(single!) : ds.map(destPlain) };
    }
    case 'destinations': {
      const list = Array.isArray(expected) ? (expected as DestExpect[]) : [];
      const ok = list.length === ds.length && list.every((e, i) => destMatches(e, ds[i]!));
      return { ok, actual: ds.map(destPlain) };
    }
    case 'redirect': {
      const o = t.outcome;
      const actual = o.kind === 'redirect' ? { location: o.location, status: o.status } : null;
      return { ok: contains(actual, expected), actual };
    }
    case 'directResponse': {
      const o = t.outcome;
      const actual =
        o.kind === 'direct' ? { status: o.status, ...(o.body ? { body: o.body } : {}) } : null;
      return { ok: contains(actual, expected), actual };
    }
    case 'rewrite': {
      const r = t.policies?.rewrite;
      const actual = {
        ...(r?.path ? { uri: r.path } : {}),
        ...(r?.authority ? { authority: r.authority } : {}),
      };
      return { ok: contains(actual, expected), actual };
    }
    case 'headers': {
      const actual = {
        request: opsPlain(t.policies?.requestHeaders),
        response: opsPlain(t.policies?.responseHeaders),
      };
      return { ok: contains(actual, expected), actual };
    }
    case 'fault': {
      const f = t.policies?.fault;
      const e = (expected ?? {}) as { delay?: unknown; abort?: unknown };
      const actual = {
        ...(f?.delay ? { delay: f.delay } : {}),
        ...(f?.abort ? { abort: f.abort } : {}),
      };
      // f.delay reads `7s for 100%`: the duration is its first word.
      const delayOk =
        e.delay === undefined || (!!f?.delay && asMs(f.delay.split(' ')[0]) === asMs(e.delay));
      const abortOk =
        e.abort === undefined || (!!f?.abort && f.abort.startsWith(`HTTP ${String(e.abort)} `));
      return { ok: !!f && delayOk && abortOk, actual: f ? actual : null };
    }
    case 'timeout': {
      const actual = t.policies?.timeout ?? 'none';
      const want = expected === 'none' || expected === 0 ? 'none' : asMs(expected);
      const got = actual === 'none' ? 'none' : asMs(actual);
      return { ok: want === got, actual };
    }
    case 'retries': {
      const r = t.policies?.retries;
      const actual = r ?? { attempts: 0 };
      if (typeof expected === 'number') return { ok: (r?.attempts ?? 0) === expected, actual };
      const e = (expected ?? {}) as { attempts?: number; retryOn?: string; perTryTimeout?: string };
      const ok =
        (e.attempts === undefined || (r?.attempts ?? 0) === e.attempts) &&
        (e.retryOn === undefined || r?.retryOn === e.retryOn) &&
        (e.perTryTimeout === undefined || asMs(r?.perTryTimeout ?? '0s') === asMs(e.perTryTimeout));
      return { ok, actual };
    }
    case 'mirror': {
      const ms = t.policies?.mirrors ?? [];
      const ok = ms.some(
        (m) =>
          m.cluster === expected ||
          (typeof expected === 'string' &&
            m.cluster.split('|').some((p) => hostMatches(expected, p))),
      );
      return { ok, actual: ms.map((m) => m.cluster) };
    }
    default:
      return { ok: false, actual: `unknown expectation "${key}"` };
  }
}

export async function runCase(test: RouteTestCase, env: TestEnvironment): Promise<CaseResult> {
  const result: CaseResult = { test, passed: true, failures: [], traces: [] };
  for (const request of test.requests) {
    let t: Trace;
    try {
      t = await env.trace(test, request);
    } catch (err) {
      return { ...result, passed: false, error: (err as Error).message };
    }
    result.traces.push(t);
    const req = requestText(request);
    if (test.format === 'switchyard') {
      for (const [k, v] of Object.entries(test.expect)) {
        const { ok, actual } = checkField(k, v, t);
        if (!ok) result.failures.push({ request: req, field: k, expected: v, actual });
      }
    } else {
      const rule = env.ruleOf(t) ?? {};
      for (const [k, v] of Object.entries(test.expect)) {
        const actual = rule[k] ?? null;
        if (isDeepStrictEqual(actual, v) !== test.wantMatch)
          result.failures.push({
            request: req,
            field: `${k} (wantMatch ${String(test.wantMatch)})`,
            expected: v,
            actual,
          });
      }
    }
  }
  result.passed = result.failures.length === 0;
  return result;
}

/** A failure as a small diff: `-` expected lines, `+` actual lines. */
export function formatFailure(f: CaseResult['failures'][number]): string {
  const lines = (prefix: string, v: unknown) =>
    (typeof v === 'object' && v !== null ? stringify(v).trimEnd() : String(v))
      .split('\n')
      .map((l) => `${prefix} ${l}`);
  return [`${f.request}: ${f.field}`, ...lines('-', f.expected), ...lines('+', f.actual)].join(
    '\n',
  );
}

// One duration grammar end to end: whatever validation accepts in a duration field, compile reads to
// the same value, and validation accepts exactly what a cluster accepts. Istio reads these fields
// with Go's time.ParseDuration (golang/protobuf jsonpb/decode.go, used by istio/api *_json.gen.go)
// and rejects below 1ms or finer than 1ms (istio/istio pkg/config/validation/agent/validation.go
// ValidateDuration). The oracle here is decimal arithmetic over the generated parts, not the parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parseResources, validateResources } from '../src/config/index.js';
import type { ForwardAction } from '../src/compile/index.js';
import { compileFrom } from './helpers/compile.js';
import { fixture } from './helpers/shared.js';

const bookinfo = readFileSync(fixture('compile', 'bookinfo.yaml'), 'utf8');

// Nanoseconds per unit and how many fraction digits stay exact in integer nanoseconds.
const UNITS: Record<string, { ns: bigint; exactDigits: number }> = {
  ns: { ns: 1n, exactDigits: 0 },
  us: { ns: 1_000n, exactDigits: 3 },
  µs: { ns: 1_000n, exactDigits: 3 },
  ms: { ns: 1_000_000n, exactDigits: 6 },
  s: { ns: 1_000_000_000n, exactDigits: 9 },
  m: { ns: 60_000_000_000n, exactDigits: 10 },
  h: { ns: 3_600_000_000_000n, exactDigits: 11 },
};
const NOT_UNITS = ['d', 'S', 'sec', ' s', 'M'];

interface Part {
  int: string;
  frac: string | undefined;
  unit: string;
}

const digits = (max: number) =>
  fc.array(fc.constantFrom(...'0123456789'), { maxLength: max }).map((a) => a.join(''));
const part: fc.Arbitrary<Part> = fc
  .record({
    int: digits(4),
    frac: fc.option(digits(4), { nil: undefined }),
    unit: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...Object.keys(UNITS)) },
      { weight: 1, arbitrary: fc.constantFrom(...NOT_UNITS) },
    ),
  })
  // every part has a digit, so a part never merges into the previous one's unit ("3m" + "s")
  .filter((p) => p.int !== '' || (p.frac ?? '') !== '');
const candidate = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.constantFrom('', '', '-', '+'), fc.array(part, { minLength: 1, maxLength: 3 }))
      .map(([sign, parts]) => ({ sign, parts })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('0', '1.s', '.5s', '10', '1 s', '-0', '', 's', '.s', '-.s', '1h.s'),
  },
);

/** Exact nanoseconds of a generated duration, or undefined where Go's grammar rejects it. */
function oracle(c: { sign: string; parts: Part[] } | string): bigint | undefined {
  if (typeof c === 'string') {
    const known: Record<string, bigint | undefined> = {
      '0': 0n,
      '-0': 0n,
      '1.s': 1_000_000_000n,
      '.5s': 500_000_000n,
    };
    return known[c];
  }
  let total = 0n;
  for (const p of c.parts) {
    const u = UNITS[p.unit];
    if (!u) return undefined;
    const frac = (p.frac ?? '').slice(0, u.exactDigits);
    total += BigInt(p.int || '0') * u.ns;
    if (frac) total += (BigInt(frac) * u.ns) / 10n ** BigInt(frac.length);
  }
  return c.sign === '-' ? -total : total;
}

function text(c: { sign: string; parts: Part[] } | string): string {
  if (typeof c === 'string') return c;
  return (
    c.sign +
    c.parts.map((p) => `${p.int}${p.frac === undefined ? '' : `.${p.frac}`}${p.unit}`).join('')
  );
}

function manifests(d: string): string {
  const q = JSON.stringify(d);
  return `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http:
    - route: [{ destination: { host: reviews } }]
      timeout: ${q}
      retries: { attempts: 2, perTryTimeout: ${q} }
      fault: { delay: { fixedDelay: ${q}, percentage: { value: 100 } } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: default }
spec:
  host: reviews
  trafficPolicy:
    connectionPool: { tcp: { connectTimeout: ${q} } }
    outlierDetection: { consecutive5xxErrors: 1, baseEjectionTime: ${q} }
`;
}

test('a duration validation accepts is the duration compile reads; accepted exactly as Istio accepts', () => {
  fc.assert(
    fc.property(candidate, (c) => {
      // Keep to parts whose fraction is exact in nanoseconds, where decimal arithmetic is Go's.
      if (
        typeof c !== 'string' &&
        c.parts.some((p) => (p.frac?.length ?? 0) > (UNITS[p.unit]?.exactDigits ?? 9))
      )
        return;
      const d = text(c);
      const want = oracle(c);
      const yaml = manifests(d);
      const diags = validateResources(parseResources(yaml, 'p.yaml').resources);
      const rejected = (field: string) =>
        diags.some((x) => x.level === 'Error' && (x.field ?? '').endsWith(field));
      // ValidateDuration: a Go duration of at least 1ms in whole milliseconds.
      const istioAccepts = want !== undefined && want >= 1_000_000n && want % 1_000_000n === 0n;
      const fields = [
        '.timeout',
        '.perTryTimeout',
        '.fixedDelay',
        '.connectTimeout',
        '.baseEjectionTime',
      ];
      for (const f of fields) assert.equal(!rejected(f), istioAccepts, `${f} ${JSON.stringify(d)}`);
      if (!istioAccepts) return;
      const ms = Number(want / 1_000_000n);
      const { snapshot } = compileFrom([bookinfo, yaml], 'productpage-v1');
      const route = snapshot.routeTables
        .get('9080')!
        .virtualHosts.find((v) => v.name === 'reviews.default.svc.cluster.local:9080')!.routes[0]!;
      const action = route.action as ForwardAction;
      assert.equal(action.timeoutMs, ms, `timeout ${d}`);
      assert.equal(action.retry?.perTryTimeoutMs, ms, `perTryTimeout ${d}`);
      assert.equal(route.fault?.delay?.delayMs, ms, `fixedDelay ${d}`);
      const cluster = snapshot.clusters.get('outbound|9080||reviews.default.svc.cluster.local')!;
      assert.equal(cluster.connectionPool.connectTimeoutMs, ms, `connectTimeout ${d}`);
      assert.equal(cluster.outlierDetection?.baseEjectionTimeMs, ms, `baseEjectionTime ${d}`);
    }),
    { numRuns: 300, seed: 20261202 },
  );
});

test('`timeout: 1.s` validates and compiles to one second (it compiled to "no timeout")', () => {
  const yaml = manifests('1.s');
  const errors = validateResources(parseResources(yaml, 'p.yaml').resources).filter(
    (x) => x.level === 'Error',
  );
  assert.deepEqual(errors, []);
  const { snapshot } = compileFrom([bookinfo, yaml], 'productpage-v1');
  const route = snapshot.routeTables
    .get('9080')!
    .virtualHosts.find((v) => v.name === 'reviews.default.svc.cluster.local:9080')!.routes[0]!;
  assert.equal((route.action as ForwardAction).timeoutMs, 1000);
});

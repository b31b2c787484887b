// The incremental compile (kept clusters, reused and patched route tables, a kept registry) must give
// what a compile from scratch gives, for any sequence of changes: random sequences of VirtualService
// edits (bodies only, hosts, gateways), adds and removes, DestinationRule and Service changes, each
// compiled through one SnapshotCache + RegistryCache and compared with compileProxy on a fresh
// registry. Fixed seed; PROPERTY_RUNS / PROPERTY_SEED change them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createConfigSnapshot, type Resource } from '../src/config/index.js';
import { SnapshotCache, compileProxy, type CompileWarning } from '../src/compile/index.js';
import { buildRegistry, RegistryCache, resolveProxy } from '../src/registry/index.js';
import { comparable, resourcesOf, sleepAndGateway as locals } from './helpers/compile.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 25);
const SEED = Number(process.env.PROPERTY_SEED ?? 20261202);
const SERVICES = 4;

const PROXIES = ['sleep.default', 'istio-ingressgateway-0.istio-system'];

interface VsModel {
  hosts: number[];
  extraHost: boolean;
  gateways: 'mesh' | 'web' | 'both';
  prefix: number;
  subset: 'v1' | 'v2';
  weight: number;
  empty: boolean;
}

type Change =
  | { op: 'body'; vs: number; prefix: number; subset: 'v1' | 'v2'; weight: number }
  | { op: 'hosts'; vs: number; hosts: number[]; extraHost: boolean }
  | { op: 'gateways'; vs: number; gateways: VsModel['gateways'] }
  | { op: 'empty'; vs: number; empty: boolean }
  | { op: 'add'; vs: VsModel }
  | { op: 'remove'; vs: number }
  | { op: 'dr'; svc: number; lb: 'ROUND_ROBIN' | 'RANDOM' }
  | { op: 'service'; svc: number; port: number }
  | { op: 'same' };

const hostsArb = fc.uniqueArray(fc.integer({ min: 0, max: SERVICES - 1 }), {
  minLength: 1,
  maxLength: 2,
});
const gatewaysArb = fc.constantFrom<VsModel['gateways']>('mesh', 'web', 'both');
const subsetArb = fc.constantFrom<'v1' | 'v2'>('v1', 'v2');
const vsArb: fc.Arbitrary<VsModel> = fc.record({
  hosts: hostsArb,
  extraHost: fc.boolean(),
  gateways: gatewaysArb,
  prefix: fc.integer({ min: 0, max: 3 }),
  subset: subsetArb,
  weight: fc.integer({ min: 0, max: 100 }),
  empty: fc.constant(false),
});
const vsIndex = fc.integer({ min: 0, max: 5 });
const changeArb: fc.Arbitrary<Change> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('body' as const),
      vs: vsIndex,
      prefix: fc.integer({ min: 0, max: 3 }),
      subset: subsetArb,
      weight: fc.integer({ min: 0, max: 100 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('hosts' as const),
      vs: vsIndex,
      hosts: hostsArb,
      extraHost: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('gateways' as const),
      vs: vsIndex,
      gateways: gatewaysArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('empty' as const), vs: vsIndex, empty: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('add' as const), vs: vsArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), vs: vsIndex }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('dr' as const),
      svc: fc.integer({ min: 0, max: SERVICES - 1 }),
      lb: fc.constantFrom<'ROUND_ROBIN' | 'RANDOM'>('ROUND_ROBIN', 'RANDOM'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('service' as const),
      svc: fc.integer({ min: 0, max: SERVICES - 1 }),
      port: fc.constantFrom(80, 8000, 9080),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'same' as const }) },
);

function vsYaml(name: string, m: VsModel): string {
  const hosts = m.hosts.map((h) => `svc-${h}`);
  if (m.extraHost) hosts.push(`${name}.example.com`);
  const gateways = m.gateways === 'both' ? ['mesh', 'web'] : [m.gateways];
  // An "empty" VS has only rules bound to another gateway: no routes for these proxies.
  const http = m.empty
    ? `  - match: [{ gateways: [elsewhere] }]\n    route: [{ destination: { host: svc-${m.hosts[0]} } }]`
    : `  - match: [{ uri: { prefix: /p${m.prefix} } }]
    route: [{ destination: { host: svc-${m.hosts[0]}, subset: ${m.subset} } }]
  - route:
    - { destination: { host: svc-${m.hosts[0]}, subset: v1 }, weight: ${m.weight} }
    - { destination: { host: svc-${m.hosts[0]}, subset: v2 }, weight: ${100 - m.weight} }`;
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${name}, namespace: default }
spec:
  hosts: [${hosts.join(', ')}]
  gateways: [${gateways.join(', ')}]
  http:
${http}`;
}

function one(text: string): Resource {
  const [r] = resourcesOf(text);
  return r!;
}

const serviceYaml = (i: number, port: number) => `apiVersion: v1
kind: Service
metadata: { name: svc-${i}, namespace: default }
spec: { selector: { app: svc-${i} }, ports: [{ name: http, port: ${port} }] }`;
const drYaml = (i: number, lb: string) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: svc-${i}, namespace: default }
spec:
  host: svc-${i}
  trafficPolicy: { loadBalancer: { simple: ${lb} } }
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]`;
const gatewayYaml = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: web, namespace: default }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 8080, name: http, protocol: HTTP }, hosts: ['*'] }]`;

const sortedWarnings = (ws: CompileWarning[]) => ws.map((w) => JSON.stringify(w)).sort();

let patches = 0;
let reuses = 0;

test('incremental compiles equal compiles from scratch for random change sequences', () => {
  fc.assert(
    fc.property(
      fc.array(vsArb, { minLength: 1, maxLength: 5 }),
      fc.array(changeArb, { maxLength: 12 }),
      (initial, changes) => {
        // Objects by key in creation order; an edit replaces the object in place (as the store does).
        const objects = new Map<string, Resource>();
        objects.set('gw', one(gatewayYaml));
        for (let i = 0; i < SERVICES; i++) {
          objects.set(`svc-${i}`, one(serviceYaml(i, 8000)));
          objects.set(`dr-${i}`, one(drYaml(i, 'ROUND_ROBIN')));
        }
        const models = new Map<string, VsModel>();
        let nextName = 0;
        const putVs = (name: string, m: VsModel) => {
          models.set(name, m);
          objects.set(`vs-${name}`, one(vsYaml(name, m)));
        };
        for (const m of initial) putVs(`vs${nextName++}`, m);
        const cache = new SnapshotCache();
        const registries = new RegistryCache();
        const check = (revision: number) => {
          const config = createConfigSnapshot([...objects.values()], undefined, revision);
          const registry = registries.build(config, { localWorkloads: locals });
          const fresh = buildRegistry(config, { localWorkloads: locals });
          for (const id of PROXIES) {
            const incWarnings: CompileWarning[] = [];
            const fullWarnings: CompileWarning[] = [];
            const inc = cache.compile(config, registry, resolveProxy(registry, id)!, {
              warnings: incWarnings,
            });
            const full = compileProxy(config, fresh, resolveProxy(fresh, id)!, {
              warnings: fullWarnings,
            });
            assert.deepStrictEqual(
              comparable(inc),
              comparable(full),
              `${id} at revision ${revision}`,
            );
            assert.deepStrictEqual(sortedWarnings(incWarnings), sortedWarnings(fullWarnings));
          }
        };
        check(1);
        changes.forEach((c, step) => {
          const names = [...models.keys()];
          const pick = (i: number) => names[i % Math.max(1, names.length)];
          if (c.op === 'body' || c.op === 'hosts' || c.op === 'gateways' || c.op === 'empty') {
            const name = pick(c.vs);
            if (name) {
              const m = { ...models.get(name)! };
              if (c.op === 'body')
                Object.assign(m, { prefix: c.prefix, subset: c.subset, weight: c.weight });
              if (c.op === 'hosts') Object.assign(m, { hosts: c.hosts, extraHost: c.extraHost });
              if (c.op === 'gateways') m.gateways = c.gateways;
              if (c.op === 'empty') m.empty = c.empty;
              putVs(name, m);
            }
          } else if (c.op === 'add') putVs(`vs${nextName++}`, c.vs);
          else if (c.op === 'remove') {
            const name = pick(c.vs);
            if (name) {
              models.delete(name);
              objects.delete(`vs-${name}`);
            }
          } else if (c.op === 'dr') objects.set(`dr-${c.svc}`, one(drYaml(c.svc, c.lb)));
          else if (c.op === 'service') objects.set(`svc-${c.svc}`, one(serviceYaml(c.svc, c.port)));
          check(step + 2);
        });
        patches += cache.memo.tablePatches;
        reuses += cache.clusterReuses;
      },
    ),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );
  // The fast paths were taken, not only the full rebuild.
  assert.ok(patches > 0, 'some route tables were patched in place');
  assert.ok(reuses > 0, 'some compiles kept the cluster map');
});

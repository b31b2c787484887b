// Control-plane work on the serving event loop gives requests turns: a sliced compile and a sliced
// apply yield between units of work (counted here with a slicer that ends every slice, no clocks),
// other callbacks run in between, and the result equals the straight-through one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigStore, createConfigSnapshot, parseResources } from '../src/config/index.js';
import { parseResourcesSteps } from '../src/config/parse.js';
import { SnapshotCache, compileProxy, runStepsSliced, type Slicer } from '../src/compile/index.js';
import { buildRegistry, resolveProxy } from '../src/registry/index.js';
import { comparable, sleepAndGateway as locals } from './helpers/compile.js';

/** Ends every slice with one setImmediate turn, counting them. */
function everyStep(): Slicer & { turns: number } {
  const s = {
    turns: 0,
    shouldYield: () => true,
    yieldTurn: () =>
      new Promise<void>((resolve) =>
        setImmediate(() => {
          s.turns++;
          resolve();
        }),
      ),
  };
  return s;
}

/** Counts setImmediate callbacks of a competing task (a stand-in for requests) until stopped. */
function competitor(): { ticks: number; stop(): void } {
  const c = { ticks: 0, running: true, stop: () => (c.running = false) };
  const tick = () => {
    if (!c.running) return;
    c.ticks++;
    setImmediate(tick);
  };
  setImmediate(tick);
  return c;
}

function manyVirtualServices(n: number): string {
  const docs = [
    `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: web, namespace: default }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 8080, name: http, protocol: HTTP }, hosts: ['*'] }]`,
  ];
  for (let i = 0; i < n; i++)
    docs.push(`apiVersion: v1
kind: Service
metadata: { name: svc-${i}, namespace: default }
spec: { selector: { app: svc-${i} }, ports: [{ name: http, port: 8000 }] }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: svc-${i}, namespace: default }
spec:
  hosts: [svc-${i}, svc-${i}.example.com]
  gateways: [web, mesh]
  http: [{ match: [{ uri: { prefix: /v${i} } }], route: [{ destination: { host: svc-${i} } }] }]`);
  return docs.join('\n---\n');
}

test('a sliced compile yields between units of work, other callbacks run, and it equals compileProxy', async () => {
  const config = createConfigSnapshot(
    parseResources(manyVirtualServices(300), 'many.yaml').resources,
  );
  const registry = buildRegistry(config, { localWorkloads: locals });
  for (const id of ['sleep.default', 'istio-ingressgateway-0.istio-system']) {
    const proxy = resolveProxy(registry, id)!;
    const slicer = everyStep();
    const other = competitor();
    const sliced = await new SnapshotCache().compileSliced(config, registry, proxy, slicer);
    other.stop();
    // 300 services, 300 VSs: many units of work, so many turns (the exact count is the compile's).
    assert.ok(slicer.turns >= 20, `${id}: ${slicer.turns} turns`);
    assert.ok(other.ticks >= slicer.turns - 1, `${id}: the competitor ran ${other.ticks} times`);
    assert.deepStrictEqual(comparable(sliced), comparable(compileProxy(config, registry, proxy)));
  }
});

test('a slicer that never ends a slice runs the compile straight through', async () => {
  const config = createConfigSnapshot(
    parseResources(manyVirtualServices(50), 'many.yaml').resources,
  );
  const registry = buildRegistry(config, { localWorkloads: locals });
  const proxy = resolveProxy(registry, 'sleep.default')!;
  let turns = 0;
  const slicer: Slicer = {
    shouldYield: () => false,
    yieldTurn: async () => void turns++,
  };
  await new SnapshotCache().compileSliced(config, registry, proxy, slicer);
  assert.equal(turns, 0);
});

test('a large body parses one document per step and equals parseResources', async () => {
  const text = manyVirtualServices(200);
  const slicer = everyStep();
  const sliced = await runStepsSliced(parseResourcesSteps(text, 'many.yaml'), slicer);
  assert.ok(slicer.turns >= 400, `${slicer.turns} turns for 401 documents`);
  // Source positions carry a lookup function: compared as data.
  const data = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
  assert.deepStrictEqual(data(sliced), data(parseResources(text, 'many.yaml')));
});

test('a sliced apply yields per object, commits once, and starts over when another write commits meanwhile', async () => {
  const resources = parseResources(manyVirtualServices(100), 'many.yaml').resources;
  const store = new ConfigStore();
  let commits = 0;
  store.subscribe(() => commits++);
  const slicer = everyStep();
  const other = competitor();
  // A write lands while the apply is being prepared: the apply sees it and still applies everything.
  let wrote = false;
  const write = () => {
    if (slicer.turns < 10) return setImmediate(write);
    wrote = true;
    store.apply(
      parseResources(
        `apiVersion: v1
kind: Service
metadata: { name: late, namespace: default }
spec: { ports: [{ name: http, port: 80 }] }`,
        'late.yaml',
      ).resources,
    );
  };
  setImmediate(write);
  const outcome = await store.applySliced(resources, slicer);
  other.stop();
  assert.ok(wrote, 'the competing write happened during the apply');
  assert.ok(
    slicer.turns >= resources.length,
    `${slicer.turns} turns for ${resources.length} objects`,
  );
  assert.ok(other.ticks >= 10);
  assert.equal(commits, 2, 'the competing write and the apply, each one commit');
  assert.equal(outcome.revision, 2);
  assert.equal(outcome.results.length, resources.length);
  assert.ok(outcome.results.every((r) => r.action === 'created'));
  assert.ok(store.get('Service', 'default', 'late'));
  assert.equal(store.list('VirtualService').length, 100);
});

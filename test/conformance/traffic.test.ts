// Conformance: weighted destinations (exact outcome with injected randomness), each LB policy and
// consistent-hash stickiness (header, cookie generated with a ttl, source IP, query parameter).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { HashPolicy, LbPolicy } from '../../src/compile/snapshot.js';
import type { Random } from '../../src/runtime/random.js';
import {
  cluster,
  endpoint,
  forward,
  m,
  outbound,
  route,
  routeTable,
  snapshot,
  vhost,
} from '../helpers/snapshot-builder.js';
import { harness, runCase, send, type Harness } from './runner.js';

/** Returns queued draws, then 0. */
class QueueRandom implements Random {
  values: number[] = [];
  next(): number {
    return this.values.shift() ?? 0;
  }
}

const H = 'svc.default.svc.cluster.local';
const V1 = outbound(80, 'v1', H);
const V2 = outbound(80, 'v2', H);
const POLICIES: LbPolicy[] = ['ROUND_ROBIN', 'RANDOM', 'LEAST_REQUEST', 'RING_HASH', 'MAGLEV'];
const HASHES: Record<string, HashPolicy> = {
  header: { kind: 'header', name: 'x-user' },
  cookie: { kind: 'cookie', name: 'session', path: '/', ttlMs: 60_000 },
  sourceIp: { kind: 'sourceIp' },
  query: { kind: 'queryParameter', name: 'u' },
};

const random = new QueueRandom();
let h: Harness;

before(async () => {
  h = await harness(
    ['v1', 'v2', 'a', 'b', 'c'],
    (port) => {
      const abc = [
        endpoint('127.0.0.1', port('a')),
        endpoint('127.0.0.1', port('b')),
        endpoint('127.0.0.1', port('c')),
      ];
      const routes = [
        route(
          'weights',
          forward([
            [V1, 25],
            [V2, 75],
          ]),
          { path: m.prefix('/w') },
        ),
      ];
      const clusters = [
        cluster(V1, [endpoint('127.0.0.1', port('v1'))]),
        cluster(V2, [endpoint('127.0.0.1', port('v2'))]),
      ];
      for (const p of POLICIES) {
        const name = outbound(80, p.toLowerCase(), H);
        clusters.push(cluster(name, abc, { lbPolicy: p }));
        routes.push(route(p, forward(name), { path: m.prefix(`/lb/${p}`) }));
        if (p === 'RING_HASH' || p === 'MAGLEV') {
          for (const [k, hp] of Object.entries(HASHES)) {
            routes.push(
              route(`${p}-${k}`, forward(name, { hashPolicy: hp }), {
                path: m.prefix(`/hash/${p}/${k}`),
              }),
            );
          }
        }
      }
      return snapshot({
        outbound: { 80: routeTable('80', [vhost('svc', ['svc'], routes)]) },
        clusters,
      });
    },
    { random },
  );
});

after(() => h.close());

test('weighted destinations: draw x total weight walks the cumulative weights', async () => {
  const draws = [0, 0.24, 0.2499, 0.25, 0.5, 0.99];
  const expected = ['v1', 'v1', 'v1', 'v2', 'v2', 'v2'];
  for (let i = 0; i < draws.length; i++) {
    random.values = [draws[i] ?? 0];
    await runCase(h, {
      name: `draw ${draws[i]}`,
      request: { authority: 'svc', path: '/w' },
      expect: { status: 200, backend: expected[i] ?? null },
    });
  }
});

async function backendOf(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ name: string; setCookie: string | undefined }> {
  const res = await send(h.port, { authority: 'svc', path, headers });
  assert.equal(res.status, 200);
  const sc = res.headers['set-cookie'];
  return { name: String(res.headers['x-backend']), setCookie: Array.isArray(sc) ? sc[0] : sc };
}

test('ROUND_ROBIN cycles through the hosts in order', async () => {
  const seen: string[] = [];
  for (let i = 0; i < 6; i++) seen.push((await backendOf('/lb/ROUND_ROBIN')).name);
  assert.deepEqual(seen.slice(3), seen.slice(0, 3));
  assert.deepEqual([...new Set(seen)].sort(), ['a', 'b', 'c']);
});

test('RANDOM picks the host at draw x hosts', async () => {
  const seen: string[] = [];
  for (const d of [0, 0.4, 0.8]) {
    random.values = [d];
    seen.push((await backendOf('/lb/RANDOM')).name);
  }
  assert.deepEqual(seen, ['a', 'b', 'c']);
});

test('LEAST_REQUEST (P2C) picks among two random draws', async () => {
  random.values = [0.9, 0.9];
  assert.equal((await backendOf('/lb/LEAST_REQUEST')).name, 'c');
  random.values = [0.4, 0.4];
  assert.equal((await backendOf('/lb/LEAST_REQUEST')).name, 'b');
});

for (const p of ['RING_HASH', 'MAGLEV']) {
  test(`${p}: the same header key sticks to one host, different keys spread`, async () => {
    const byKey = new Map<string, Set<string>>();
    for (let round = 0; round < 3; round++) {
      for (let u = 0; u < 12; u++) {
        const { name } = await backendOf(`/hash/${p}/header`, { 'x-user': `user-${u}` });
        const set = byKey.get(`user-${u}`) ?? new Set<string>();
        set.add(name);
        byKey.set(`user-${u}`, set);
      }
    }
    for (const set of byKey.values()) assert.equal(set.size, 1);
    const all = new Set([...byKey.values()].flatMap((s) => [...s]));
    assert.ok(all.size >= 2, `12 keys landed on ${all.size} host(s)`);
  });

  test(`${p}: query parameter and source IP keys stick`, async () => {
    const q = new Set<string>();
    const ip = new Set<string>();
    for (let i = 0; i < 5; i++) {
      q.add((await backendOf(`/hash/${p}/query?u=alice`)).name);
      ip.add((await backendOf(`/hash/${p}/sourceIp`)).name);
    }
    assert.equal(q.size, 1);
    assert.equal(ip.size, 1);
  });

  test(`${p}: a cookie with a ttl is generated once, then sticks`, async () => {
    const first = await backendOf(`/hash/${p}/cookie`);
    assert.match(first.setCookie ?? '', /^session="[0-9a-f]+"; Max-Age=60; Path=\/; HttpOnly$/);
    const value = /session="([0-9a-f]+)"/.exec(first.setCookie ?? '')?.[1] ?? '';
    for (let i = 0; i < 5; i++) {
      const next = await backendOf(`/hash/${p}/cookie`, { cookie: `other=1; session="${value}"` });
      assert.equal(next.name, first.name);
      assert.equal(next.setCookie, undefined);
    }
  });
}

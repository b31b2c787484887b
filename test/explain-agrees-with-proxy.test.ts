// One trace, one matcher: for a table of requests, what `explain` says (traceRequest over the compiled
// snapshot) is what the real proxy does with the same snapshot on a socket - the backend reached, the
// 404 NR, the redirect, the direct response. Endpoints are swapped for echo backends named by cluster.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster, ProxySnapshot } from '../src/compile/index.js';
import { buildRequest, traceRequest, type Trace, type TraceOptions } from '../src/explain/index.js';
import { SequenceRandom } from '../src/runtime/random.js';
import { compileFrom, filesText } from './helpers/compile.js';
import { fixture } from './helpers/shared.js';
import { harness, send, type Harness } from './conformance/runner.js';

const harnesses: Harness[] = [];
after(async () => {
  for (const h of harnesses) await h.close();
});

/** The snapshot with every cluster's endpoints replaced by the echo backend named after it. */
function onEchoBackends(snap: ProxySnapshot, port: (name: string) => number): ProxySnapshot {
  const clusters = new Map<string, Cluster>();
  for (const [name, c] of snap.clusters)
    clusters.set(name, {
      ...c,
      type: c.type === 'EDS' ? 'EDS' : 'STATIC',
      tls: undefined,
      endpoints: [{ address: '127.0.0.1', port: port(name), labels: {}, weight: 1 }],
    } as Cluster);
  return { ...snap, clusters };
}

interface Row {
  url: string;
  headers?: string[];
}

async function agree(
  snap: ProxySnapshot,
  listener: string,
  target: TraceOptions['target'],
  rows: readonly Row[],
): Promise<void> {
  const names = [...snap.clusters.keys()].filter(
    (n) => n !== 'BlackHoleCluster' && n !== 'PassthroughCluster' && !n.startsWith('inbound'),
  );
  // Draws of 0.99: fault percentages below 100 do not fire; a weighted pick takes the last cluster.
  const h = await harness(names, (port) => onEchoBackends(snap, port), {
    listener,
    random: new SequenceRandom([0.99]),
  });
  harnesses.push(h);
  for (const row of rows) {
    const req = buildRequest(row.url, { headers: row.headers ?? [] });
    const trace: Trace = traceRequest(snap, req, { target });
    const headers = Object.fromEntries(
      (row.headers ?? []).map((x) => x.split(':').map((s) => s.trim()) as [string, string]),
    );
    const res = await send(h.port, {
      authority: req.authority,
      path: req.path + (req.query ? `?${req.query}` : ''),
      headers,
    });
    const o = trace.outcome;
    const what = `${row.url} ${JSON.stringify(row.headers ?? [])}`;
    if (o.kind === 'forward') {
      assert.equal(res.status, 200, `${what}: explain says forward; proxy answered ${res.status}`);
      const backend = String(res.headers['x-backend']);
      assert.ok(
        trace.destinations.some((d) => d.cluster === backend),
        `${what}: proxy reached ${backend}, explain listed ${trace.destinations.map((d) => d.cluster).join(', ')}`,
      );
    } else if (o.kind === 'not-found') {
      assert.equal(res.status, 404, `${what}: explain says NR`);
    } else if (o.kind === 'redirect') {
      assert.equal(res.status, o.status, what);
      assert.equal(res.headers['location'], o.location, what);
    } else if (o.kind === 'direct') {
      assert.equal(res.status, o.status, what);
      assert.equal(res.body, o.body ?? '', what);
    } else assert.fail(`${what}: outcome ${o.kind} not in this table`);
  }
}

test('gateway: explain and the proxy agree on host/path/header matches across merged VirtualServices', async () => {
  const { snapshot } = compileFrom(
    filesText(fixture('compile', 'bookinfo.yaml'), fixture('explain', 'gateway-merge.yaml')),
    'istio-ingressgateway',
  );
  await agree(snapshot, '0.0.0.0_8080', { kind: 'gateway', port: 8080 }, [
    { url: 'http://bookinfo.example.com/productpage' },
    { url: 'http://bookinfo.example.com/static/x.css' },
    { url: 'http://bookinfo.example.com/old-reviews' },
    { url: 'http://bookinfo.example.com/reviews/1' },
    { url: 'http://bookinfo.example.com/reviews/1', headers: ['x-canary: yes'] },
    { url: 'http://bookinfo.example.com/healthz' },
    { url: 'http://bookinfo.example.com/nope' },
    { url: 'http://a.shop.example.com/anything' },
    { url: 'http://nope.example.com/productpage' },
    { url: 'http://BOOKINFO.example.com:8080/productpage' },
  ]);
});

test('sidecar: explain and the proxy agree on jason, others and the 80/20 split', async () => {
  const base = [fixture('compile', 'bookinfo.yaml'), fixture('compile', 'destination-rules.yaml')];
  for (const vs of ['reviews-jason-v2.yaml', 'reviews-80-20.yaml']) {
    const { snapshot } = compileFrom(filesText(...base, fixture('mesh', vs)), 'productpage-v1');
    await agree(snapshot, 'virtualOutbound', { kind: 'sidecar' }, [
      { url: 'http://reviews:9080/reviews/0', headers: ['end-user: jason'] },
      { url: 'http://reviews:9080/reviews/0', headers: ['end-user: bob'] },
      { url: 'http://reviews:9080/reviews/0' },
      { url: 'http://ratings:9080/ratings/0' },
      { url: 'http://details.default.svc.cluster.local:9080/details/0' },
    ]);
  }
});

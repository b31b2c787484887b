// Istio's standard metrics and the live graph on `switchyard up --demo bookinfo`: both reporters
// for every hop, per-proxy and mesh-wide scrape endpoints, and the graph page in a real Chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from './helpers/shared.js';
import { get, startMesh, type RunningMesh } from './helpers/mesh.js';

let mesh: RunningMesh;

before(async () => {
  mesh = await startMesh(['--demo', 'bookinfo', '-f', fixture('mesh', 'reviews-v2.yaml')]);
  for (let i = 0; i < 10; i++) {
    const r = await get(`${mesh.gateway}/productpage`);
    assert.equal(r.status, 200);
  }
});

after(async () => {
  await mesh?.stop();
});

/** Parses `name{a="b",...} value` lines of one metric. */
function series(text: string, metric: string): { labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${metric}{`))
    .map((l) => {
      const body = l.slice(metric.length + 1, l.lastIndexOf('}'));
      const labels = Object.fromEntries(
        [...body.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
      );
      return { labels, value: Number(l.slice(l.lastIndexOf(' ') + 1)) };
    });
}

function find(
  rows: { labels: Record<string, string>; value: number }[],
  want: Record<string, string>,
): { labels: Record<string, string>; value: number } | undefined {
  return rows.find((r) => Object.entries(want).every(([k, v]) => r.labels[k] === v));
}

test('GET /metrics has istio_requests_total from both reporters of every hop', async () => {
  const r = await get(`${mesh.admin}/metrics`);
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const rows = series(r.body, 'istio_requests_total');
  const hop = {
    source_workload: 'productpage-v1',
    source_workload_namespace: 'default',
    source_app: 'productpage',
    source_version: 'v1',
    destination_workload: 'reviews-v2',
    destination_workload_namespace: 'default',
    destination_app: 'reviews',
    destination_version: 'v2',
    destination_service: 'reviews.default.svc.cluster.local',
    destination_service_name: 'reviews',
    destination_service_namespace: 'default',
    request_protocol: 'http',
    response_code: '200',
    response_flags: '-',
  };
  const source = find(rows, { reporter: 'source', ...hop });
  const destination = find(rows, { reporter: 'destination', ...hop });
  assert.equal(source?.value, 10, `source series:\n${r.body}`);
  assert.equal(destination?.value, 10);
  assert.equal(source?.labels['connection_security_policy'], 'unknown');
  // Auto mTLS (meshConfig.enableAutoMtls, default true): sidecar to sidecar is mutual TLS without
  // any DestinationRule (istio/istio pilot/pkg/networking/core/cluster_tls.go buildUpstreamTLSSettings).
  assert.equal(destination?.labels['connection_security_policy'], 'mutual_tls');
  assert.equal(
    destination?.labels['source_principal'],
    'spiffe://cluster.local/ns/default/sa/bookinfo-productpage',
  );
  // The ingress gateway reports as source; productpage's sidecar sees it as its downstream peer.
  const fromGateway = {
    source_workload: 'istio-ingressgateway',
    destination_workload: 'productpage-v1',
  };
  assert.equal(find(rows, { reporter: 'source', ...fromGateway })?.value, 10);
  assert.equal(find(rows, { reporter: 'destination', ...fromGateway })?.value, 10);
  // reviews v2 calls ratings; v1 and v3 got no traffic.
  assert.ok(
    find(rows, {
      reporter: 'source',
      source_workload: 'reviews-v2',
      destination_workload: 'ratings-v1',
    }),
  );
  assert.equal(find(rows, { destination_workload: 'reviews-v1' }), undefined);
  const count = series(r.body, 'istio_request_duration_milliseconds_count');
  assert.equal(find(count, { reporter: 'source', ...hop })?.value, 10);
});

test('GET /stats/prometheus?proxy= serves one proxy; unknown proxies are 404', async () => {
  const r = await get(`${mesh.admin}/stats/prometheus?proxy=reviews-v2`);
  assert.equal(r.status, 200);
  const rows = series(r.body, 'istio_requests_total');
  assert.ok(rows.length > 0);
  for (const row of rows) {
    const mine =
      row.labels['reporter'] === 'destination'
        ? row.labels['destination_workload']
        : row.labels['source_workload'];
    assert.equal(mine, 'reviews-v2', JSON.stringify(row.labels));
  }
  const missing = await get(`${mesh.admin}/stats/prometheus?proxy=nope`);
  assert.equal(missing.status, 404);
});

test('GET /graph.json: workloads and gateways as nodes, source-reported edges', async () => {
  const g = JSON.parse((await get(`${mesh.admin}/graph.json`)).body) as {
    nodes: { id: string; label: string; kind: string }[];
    edges: { source: string; target: string; total: number; errors: number }[];
  };
  const labels = g.nodes.map((n) => n.label);
  for (const l of ['productpage v1', 'reviews v2', 'ratings v1', 'istio-ingressgateway'])
    assert.ok(labels.includes(l), `${l} in ${labels.join(', ')}`);
  const edge = g.edges.find(
    (e) => e.source === 'default/productpage-v1' && e.target === 'default/reviews-v2',
  );
  assert.equal(edge?.total, 10);
  assert.equal(edge?.errors, 0);
});

function chromium(): string | undefined {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}

test('the /graph page draws the mesh in headless Chromium', async (t) => {
  const bin = chromium();
  if (!bin) {
    t.skip('chromium is not installed (scripts/install-test-deps.sh installs it)');
    return;
  }
  const profile = mkdtempSync(join(tmpdir(), 'switchyard-chromium-'));
  const shot = join(tmpdir(), `switchyard-graph-${process.pid}.png`);
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    // Virtual time runs the page's polling and waits for its fetches before dumping.
    '--virtual-time-budget=3000',
    '--window-size=1400,800',
  ];
  try {
    const dom = spawnSync(bin, [...flags, '--dump-dom', `${mesh.admin}/graph`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(dom.status, 0, dom.stderr);
    assert.match(dom.stdout, /<body[^>]*data-ready="true"/);
    assert.match(dom.stdout, /class="node workload"[^>]*data-label="productpage v1"/);
    assert.match(dom.stdout, /class="node workload"[^>]*data-label="reviews v2"/);
    assert.match(dom.stdout, /class="node gateway"[^>]*data-label="istio-ingressgateway"/);
    assert.match(
      dom.stdout,
      /class="edge" data-source="default\/productpage-v1" data-target="default\/reviews-v2"/,
    );
    const png = spawnSync(bin, [...flags, `--screenshot=${shot}`, `${mesh.admin}/graph`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(png.status, 0, png.stderr);
    assert.ok(statSync(shot).size > 10_000, 'a non-empty screenshot');
    assert.equal(readFileSync(shot).subarray(1, 4).toString(), 'PNG');
    console.log(`# graph screenshot: ${shot}`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
});

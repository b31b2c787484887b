// The live service graph in a real Chromium, after Kiali's versioned-app graph: a box per app around
// its versions, edge labels switchable between rps, % of requests and response time, edges coloured
// by the health the server computed with Kiali's default tolerances (kiali/kiali config/config.go
// AddHealthDefault), a padlock on mTLS edges (auto mTLS between sidecars), a dot per request on each
// edge (red for errors), service nodes on demand, a time window, and a side panel with a node's
// inbound and outbound traffic and its services' VirtualService/DestinationRule badges, on Bookinfo
// with test/fixtures/mesh/graph-traffic-policies.yaml and ratings-abort-all.yaml. Screenshots are
// left in test-results/screenshots.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Browser, Locator, Page } from 'playwright-core';
import { fixture } from './helpers/shared.js';
import { CLI, get, startMesh, type RunningMesh } from './helpers/mesh.js';
import { launchChromium, screenshotPath } from './helpers/browser.js';

let mesh: RunningMesh;
let browser: Browser | string;
let page: Page;
let traffic: Promise<void> | undefined;
let stopTraffic = false;

before(async () => {
  browser = await launchChromium();
  if (typeof browser === 'string') return;
  mesh = await startMesh([
    '--demo',
    'bookinfo',
    '-f',
    fixture('mesh', 'graph-traffic-policies.yaml'),
    '-f',
    fixture('mesh', 'ratings-abort-all.yaml'),
  ]);
  page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
  await page.goto(`${mesh.admin}/graph`);
  await page.waitForSelector('body[data-ready="true"]');
  // Steady traffic while the page samples it: rates need two samples with requests between them.
  traffic = (async () => {
    while (!stopTraffic) {
      await get(`${mesh.gateway}/productpage`).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  await page.waitForSelector(
    '.edge[data-source="default/productpage-v1"][data-target="default/reviews-v2"][data-active="true"]',
    { timeout: 60_000 },
  );
  await page.waitForSelector('.edge[data-source="default/reviews-v2"][data-health="failure"]', {
    timeout: 60_000,
  });
  // Pause the refresh (Kiali's refresh menu) so the checks below read one stable drawing; a fetch
  // already in flight may still land, so let it.
  await page.selectOption('#refresh', '0');
  await page.waitForSelector('body[data-fetching="false"]');
});

after(async () => {
  stopTraffic = true;
  await traffic;
  if (typeof browser !== 'string') await browser?.close();
  await mesh?.stop();
});

const edge = (source: string, target: string): Locator =>
  page.locator(`.edge[data-source="${source}"][data-target="${target}"]`);

async function style(locator: Locator, property: string): Promise<string> {
  type Window = { getComputedStyle(e: unknown): Record<string, string> };
  return locator.evaluate(
    (e, p) => (globalThis as unknown as Window).getComputedStyle(e)[p] ?? '',
    property,
  );
}

test('versioned-app boxes: reviews v1, v2 and v3 inside one reviews box', async (t) => {
  if (typeof browser === 'string') return t.skip(browser);
  await page.screenshot({ path: screenshotPath('graph.png') });
  const box = await page.locator('.app-box[data-app="default/reviews"] rect').boundingBox();
  assert.ok(box, 'the reviews box');
  for (const v of ['v1', 'v2', 'v3']) {
    const n = await page.locator(`.node[data-id="default/reviews-${v}"] circle`).boundingBox();
    assert.ok(n, `reviews ${v} drawn`);
    assert.ok(
      n.x >= box.x &&
        n.y >= box.y &&
        n.x + n.width <= box.x + box.width &&
        n.y + n.height <= box.y + box.height,
      `reviews-${v} inside the reviews box: ${JSON.stringify({ n, box })}`,
    );
  }
  assert.equal(
    await page.locator('.node[data-id="default/reviews-v2"] text.name').textContent(),
    'v2',
  );
});

test("edges: healthy green with a padlock for mTLS, failing red (Kiali's tolerances)", async (t) => {
  if (typeof browser === 'string') return t.skip(browser);
  const pr = edge('default/productpage-v1', 'default/reviews-v2');
  assert.equal(await pr.getAttribute('data-health'), 'healthy');
  assert.equal(await style(pr.locator('path.line'), 'stroke'), 'rgb(63, 156, 53)');
  assert.ok(await pr.locator('.mtls').isVisible(), 'padlock on the sidecar-to-sidecar edge');
  // reviews v2 -> ratings is aborted 100% by the fault filter: failure.
  const failing = page.locator('.edge[data-source="default/reviews-v2"][data-health="failure"]');
  assert.equal(await style(failing.first().locator('path.line'), 'stroke'), 'rgb(201, 25, 11)');
  // The ingress gateway's edge into productpage: healthy too.
  const gw = page.locator('.edge[data-source="istio-system/istio-ingressgateway"]');
  assert.equal(await gw.first().getAttribute('data-health'), 'healthy');
});

test('traffic animation: dots per request on live edges, as many as the rate, red for errors', async (t) => {
  if (typeof browser === 'string') return t.skip(browser);
  const toReviews = '.dot[data-edge^="default/productpage-v1|default/reviews-v2|"]';
  // Aborted by the fault before any endpoint is picked: the edge ends at the ratings service node.
  const toRatings =
    '.dot[data-edge^="default/reviews-v2|service:ratings.default.svc.cluster.local|"]';
  await page.waitForSelector(toReviews, { timeout: 30_000 });
  await page.waitForSelector(`${toRatings}.error`, { timeout: 30_000 });
  await page.screenshot({ path: screenshotPath('graph-dots.png') });
  // The healthy edge's dots are all green, the aborted edge's all red (100% 500s).
  assert.equal(await page.locator(`${toReviews}.error`).count(), 0);
  assert.equal(await page.locator(`${toRatings}:not(.error)`).count(), 0);
  // Dots per second follow each edge's request rate from the server (capped at 20).
  const drawn = (await page.evaluate(
    '(state.data.edges || []).map((e) => [e.source + "|" + e.target, e.rps])',
  )) as [string, number][];
  for (const [key, rps] of drawn) {
    const [source, target] = key.split('|');
    const attr = await edge(source ?? '', target ?? '')
      .first()
      .getAttribute('data-dots-per-second');
    assert.equal(Number(attr), Number(Math.min(rps, 20).toFixed(2)), key);
  }
  // Switched off, the dots go.
  await page.uncheck('#animation');
  await page.waitForFunction("document.querySelectorAll('.dot').length === 0");
  await page.check('#animation');
  // The dot is placed on its edge's path: inside the box of the edge's line.
  const dot = page.locator(toReviews).first();
  await dot.waitFor();
  const line = await edge('default/productpage-v1', 'default/reviews-v2')
    .locator('path.line')
    .boundingBox();
  const d = await dot.boundingBox();
  assert.ok(line && d, 'dot and line drawn');
  assert.ok(
    d.x + d.width / 2 >= line.x - 5 && d.x + d.width / 2 <= line.x + line.width + 5,
    JSON.stringify({ d, line }),
  );
});

test('edge labels switch between request rate, % of requests and response time', async (t) => {
  if (typeof browser === 'string') return t.skip(browser);
  const label = edge('default/productpage-v1', 'default/reviews-v2').locator('.edge-label');
  assert.match((await label.textContent()) ?? '', /^\d+(\.\d)? rps$/);
  await page.selectOption('#edge-labels', 'percent');
  await page.waitForFunction(
    "(document.querySelector('.edge[data-target=\"default/reviews-v2\"] .edge-label')?.textContent || '').endsWith('%')",
  );
  await page.selectOption('#edge-labels', 'p95');
  await page.waitForFunction(
    "(document.querySelector('.edge[data-target=\"default/reviews-v2\"] .edge-label')?.textContent || '').endsWith(' ms')",
  );
  await page.screenshot({ path: screenshotPath('graph-p95.png') });
  await page.selectOption('#edge-labels', 'rps');
});

test('the side panel shows a node’s inbound and outbound traffic', async (t) => {
  if (typeof browser === 'string') return t.skip(browser);
  await page.locator('.node[data-id="default/productpage-v1"]').click();
  const panel = page.locator('#panel');
  await panel.waitFor({ state: 'visible' });
  assert.equal(await panel.getAttribute('data-node'), 'default/productpage-v1');
  const text = (await panel.textContent()) ?? '';
  assert.match(text, /Inbound: \d+(\.\d)? rps/);
  assert.match(text, /Outbound: \d+(\.\d)? rps/);
  assert.match(text, /details v1/);
  assert.match(text, /reviews v2/);
  const graph = await page.locator('#graph').boundingBox();
  const box = await panel.boundingBox();
  assert.ok(graph && box && box.x >= graph.x + graph.width - 1, 'panel beside the graph');
  await page.screenshot({ path: screenshotPath('graph-panel.png') });
  await page.locator('.node[data-id="default/productpage-v1"]').click();
  await panel.waitFor({ state: 'hidden' });
});

async function panelBadges(node: string): Promise<string[]> {
  await page.locator(`.node[data-id="${node}"]`).click();
  const panel = page.locator(`#panel[data-node="${node}"]`);
  await panel.waitFor({ state: 'visible' });
  const badges = await panel
    .locator('.badge')
    .evaluateAll((els) =>
      els.map((e) => (e as unknown as { dataset: { badge: string } }).dataset.badge),
    );
  return badges.sort();
}

test('VirtualService and DestinationRule badges from the compiled config, in the panel and on nodes', async (t) => {
  if (typeof browser === 'string') return t.skip(browser);
  assert.deepEqual(await panelBadges('default/reviews-v2'), [
    'requestRouting',
    'requestTimeout',
    'retries',
    'trafficShifting',
    'virtualService',
  ]);
  const panel = page.locator('#panel');
  const text = (await panel.textContent()) ?? '';
  assert.match(text, /VirtualService reviews\.default/);
  assert.match(text, /DestinationRule reviews\.default/);
  assert.match(text, /Traffic shifting: v2 50%, v3 50%/);
  assert.match(text, /Request timeout: timeout 5s/);
  assert.match(text, /Retries: 3 attempts, 2s per try/);
  await page.screenshot({ path: screenshotPath('graph-badges-reviews.png') });
  await page.locator('.node[data-id="default/reviews-v2"]').click();

  assert.deepEqual(await panelBadges('default/details-v1'), [
    'circuitBreaker',
    'mirroring',
    'requestRouting',
    'virtualService',
  ]);
  assert.match((await panel.textContent()) ?? '', /Circuit breaker: .*http1MaxPendingRequests 100/);
  await page.locator('.node[data-id="default/details-v1"]').click();

  assert.deepEqual(await panelBadges('service:ratings.default.svc.cluster.local'), [
    'faultInjection',
    'virtualService',
  ]);
  assert.match((await panel.textContent()) ?? '', /Fault injection: abort 100% → 500/);
  await page.locator('.node[data-id="service:ratings.default.svc.cluster.local"]').click();

  // On the graph: a tag per badge above the node (the VirtualService itself is implied).
  const tags = (node: string) =>
    page
      .locator(`.node[data-id="${node}"] .node-badges [data-badge]`)
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-badge')).sort());
  assert.deepEqual(await tags('default/details-v1'), [
    'circuitBreaker',
    'mirroring',
    'requestRouting',
  ]);
  assert.deepEqual(await tags('service:ratings.default.svc.cluster.local'), ['faultInjection']);
  assert.deepEqual(await tags('istio-system/istio-ingressgateway'), []);
});

test('service nodes and the time window', async (t) => {
  if (typeof browser === 'string') return t.skip(browser);
  await page.check('#service-nodes');
  const svc = page.locator('.node.service[data-id="svc:reviews.default.svc.cluster.local"]');
  await svc.waitFor();
  await edge('default/productpage-v1', 'svc:reviews.default.svc.cluster.local').waitFor();
  await edge('svc:reviews.default.svc.cluster.local', 'default/reviews-v2').waitFor();
  // The caller -> service edge carries the health the server computed on the merged traffic.
  assert.equal(
    await edge('default/productpage-v1', 'svc:reviews.default.svc.cluster.local').getAttribute(
      'data-health',
    ),
    'healthy',
  );
  await page.screenshot({ path: screenshotPath('graph-service-nodes.png') });
  await page.uncheck('#service-nodes');
  // Kiali's duration menu; the server answers with rates over that window (or less, right after start).
  const options = await page
    .locator('#window option')
    .evaluateAll((els) => els.map((e) => e.textContent));
  assert.deepEqual(options, ['Last 1m', 'Last 5m', 'Last 10m', 'Last 30m', 'Last 1h']);
  const asked = page.waitForResponse((r) => r.url().includes('graph.json?window=300'));
  await page.selectOption('#window', '300');
  const body = (await (await asked).json()) as { window: { requestedSeconds: number } };
  assert.equal(body.window.requestedSeconds, 300);
  await page.waitForFunction(
    "document.getElementById('status').textContent.includes('of the last 300s')",
  );
});

test('switchyard dashboard prints the graph URL of the running mesh (and opens nothing without a desktop)', (t) => {
  if (typeof browser === 'string') return t.skip(browser);
  const env = { ...process.env };
  delete env['DISPLAY'];
  delete env['WAYLAND_DISPLAY'];
  for (const args of [['--browser=false'], []]) {
    const r = spawnSync(process.execPath, [CLI, 'dashboard', ...args, '--server', mesh.admin], {
      encoding: 'utf8',
      env,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), `${mesh.admin}/graph`);
  }
});

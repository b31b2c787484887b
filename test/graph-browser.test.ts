// The live service graph in a real Chromium, after Kiali's versioned-app graph: a box per app around
// its versions, edge labels switchable between rps, % of requests and response time, edges coloured
// with Kiali's health thresholds (HTTP 4xx/5xx; degraded from 0.1%, failure from 20%: kiali/kiali
// frontend/src/config/HealthConfig), a padlock on mTLS edges (auto mTLS between sidecars), moving
// dashes on live edges, service nodes on demand, and a side panel with a node's inbound and outbound
// traffic. Screenshots are left in test-results/screenshots.
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
    fixture('mesh', 'reviews-v2.yaml'),
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
  await new Promise((r) => setTimeout(r, 1500));
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
  assert.equal(await page.locator('.node[data-id="default/reviews-v2"] text').textContent(), 'v2');
});

test("edges: healthy green with a padlock for mTLS, failing red (Kiali's thresholds), moving dashes", async (t) => {
  if (typeof browser === 'string') return t.skip(browser);
  const pr = edge('default/productpage-v1', 'default/reviews-v2');
  assert.equal(await pr.getAttribute('data-health'), 'healthy');
  assert.equal(await style(pr.locator('path.line'), 'stroke'), 'rgb(63, 156, 53)');
  assert.ok(await pr.locator('.mtls').isVisible(), 'padlock on the sidecar-to-sidecar edge');
  assert.equal(await style(pr.locator('path.line'), 'animationName'), 'flow');
  // reviews v2 -> ratings is aborted 100% by the fault filter: failure.
  const failing = page.locator('.edge[data-source="default/reviews-v2"][data-health="failure"]');
  assert.equal(await style(failing.first().locator('path.line'), 'stroke'), 'rgb(201, 25, 11)');
  // The ingress gateway's edge into productpage: healthy too.
  const gw = page.locator('.edge[data-source="istio-system/istio-ingressgateway"]');
  assert.equal(await gw.first().getAttribute('data-health'), 'healthy');
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

test('service nodes and the time window', async (t) => {
  if (typeof browser === 'string') return t.skip(browser);
  await page.check('#service-nodes');
  const svc = page.locator('.node.service[data-id="svc:reviews.default.svc.cluster.local"]');
  await svc.waitFor();
  await edge('default/productpage-v1', 'svc:reviews.default.svc.cluster.local').waitFor();
  await edge('svc:reviews.default.svc.cluster.local', 'default/reviews-v2').waitFor();
  await page.uncheck('#service-nodes');
  const asked = page.waitForRequest((r) => r.url().includes('graph.json?window=60'));
  await page.selectOption('#window', '60');
  await asked;
});

test('switchyard dashboard prints the graph URL of the running mesh', (t) => {
  if (typeof browser === 'string') return t.skip(browser);
  const r = spawnSync(
    process.execPath,
    [CLI, 'dashboard', '--browser=false', '--server', mesh.admin],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), `${mesh.admin}/graph`);
});

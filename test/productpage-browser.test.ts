// Bookinfo's product page in a real Chromium, through the ingress gateway of `switchyard up --demo
// bookinfo`: it looks like Istio's (istio/istio samples/bookinfo/src/productpage/templates/
// productpage.html with Bootstrap 3 and jQuery under /static/): a dark navbar with Sign in on the right,
// the sign-in modal hidden until clicked, Book Details and Book Reviews side by side, glyphicon stars.
// Positions and visibility are checked, not pixels; screenshots are left in test-results/screenshots.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Locator, Page } from 'playwright-core';
import { fixture } from './helpers/shared.js';
import { startMesh, type RunningMesh } from './helpers/mesh.js';
import { launchChromium, screenshotPath } from './helpers/browser.js';

let mesh: RunningMesh;
let browser: Browser | string;

before(async () => {
  browser = await launchChromium();
  if (typeof browser === 'string') return;
  // All traffic to reviews v2: black stars on every review.
  mesh = await startMesh(['--demo', 'bookinfo', '-f', fixture('mesh', 'reviews-v2.yaml')]);
});

after(async () => {
  if (typeof browser !== 'string') await browser?.close();
  await mesh?.stop();
});

/** A computed style property, read in the page (the test itself has no DOM types). */
async function style(locator: Locator, property: string): Promise<string> {
  type Window = { getComputedStyle(e: unknown): Record<string, string> };
  return locator.evaluate(
    (e, p) => (globalThis as unknown as Window).getComputedStyle(e)[p] ?? '',
    property,
  );
}

/** Opens /productpage at a desktop width (Bootstrap's md grid from 992px); records every response. */
async function open(
  b: Browser,
): Promise<{ page: Page; responses: { url: string; status: number }[] }> {
  const page = await b.newPage({ viewport: { width: 1280, height: 900 } });
  const responses: { url: string; status: number }[] = [];
  page.on('response', (r) => responses.push({ url: r.url(), status: r.status() }));
  await page.goto(`${mesh.gateway}/productpage`, { waitUntil: 'load' });
  await page.evaluate('document.fonts.ready.then(() => undefined)');
  return { page, responses };
}

test('static assets: Bootstrap 3 CSS, JS and fonts and jQuery come from the gateway, none from a CDN', async (t) => {
  if (typeof browser === 'string') return t.skip(browser);
  const { page, responses } = await open(browser);
  try {
    const gateway = new URL(mesh.gateway).host;
    for (const r of responses) assert.equal(new URL(r.url).host, gateway, `${r.url} left the mesh`);
    for (const want of [
      '/static/bootstrap/css/bootstrap.min.css',
      '/static/bootstrap/css/bootstrap-theme.min.css',
      '/static/bootstrap/js/bootstrap.min.js',
      '/static/jquery.min.js',
    ]) {
      const r = responses.find((x) => new URL(x.url).pathname === want);
      assert.equal(r?.status, 200, `${want}: ${JSON.stringify(responses)}`);
    }
    const versions = (await page.evaluate(
      '({ jquery: window.jQuery && jQuery.fn.jquery, bootstrap: window.jQuery && jQuery.fn.modal && jQuery.fn.modal.Constructor.VERSION })',
    )) as { jquery?: string; bootstrap?: string };
    assert.match(versions.bootstrap ?? '', /^3\./, JSON.stringify(versions));
    assert.ok(versions.jquery, 'jQuery loaded');
    const glyphicons = await page.evaluate(
      "[...document.fonts].some((f) => f.family.includes('Glyphicons') && f.status === 'loaded')",
    );
    assert.ok(glyphicons, 'the Glyphicons Halflings font loaded from /static/bootstrap/fonts');
  } finally {
    await page.close();
  }
});

test('layout: dark navbar on top with Sign in at the right, details and reviews columns, stars', async (t) => {
  if (typeof browser === 'string') return t.skip(browser);
  const { page } = await open(browser);
  try {
    await page.screenshot({ path: screenshotPath('productpage.png'), fullPage: true });
    const nav = await page.locator('nav.navbar').boundingBox();
    assert.ok(nav, 'navbar rendered');
    assert.equal(nav.y, 0);
    assert.ok(nav.width >= 1270 && nav.height >= 40 && nav.height <= 60, JSON.stringify(nav));
    const navColour = await style(page.locator('nav.navbar'), 'backgroundColor');
    assert.equal(navColour, 'rgb(34, 34, 34)', 'navbar-inverse is #222');
    const brand = await page.locator('.navbar-brand').boundingBox();
    const signIn = page.locator('nav button', { hasText: 'Sign' });
    assert.ok(await signIn.isVisible());
    const button = await signIn.boundingBox();
    assert.ok(brand && button);
    assert.ok(
      brand.x < 400 && button.x > 800,
      `brand left, Sign in right: ${brand.x}, ${button.x}`,
    );
    assert.ok(button.y >= nav.y && button.y + button.height <= nav.y + nav.height, 'inside navbar');
    // The sign-in form is in the hidden modal, not spread across the page.
    assert.equal(await page.locator('#login-modal').isVisible(), false);
    assert.equal(await page.locator('#username').isVisible(), false);
    // The title centred under the navbar, then two columns side by side.
    const title = await page.locator('h3.text-center').boundingBox();
    assert.ok(title && title.y > nav.y + nav.height);
    const details = await page.locator('h4', { hasText: 'Book Details' }).boundingBox();
    const reviews = await page.locator('h4', { hasText: 'Book Reviews' }).boundingBox();
    assert.ok(details && reviews, 'both column headings render');
    assert.ok(Math.abs(details.y - reviews.y) < 2, `same row: ${details.y} vs ${reviews.y}`);
    assert.ok(details.x + details.width <= 660 && reviews.x >= 620, 'details left, reviews right');
    // Reviews v2: every review shows five glyphicon stars, drawn in the icon font, black.
    const quotes = page.locator('blockquote');
    assert.equal(await quotes.count(), 2);
    for (let i = 0; i < 2; i++) {
      const stars = quotes.nth(i).locator('.glyphicon-star, .glyphicon-star-empty');
      assert.equal(await stars.count(), 5);
      const star = await stars.first().boundingBox();
      assert.ok(star && star.width > 5 && star.height > 5, JSON.stringify(star));
      const family = await style(stars.first(), 'fontFamily');
      assert.equal(family.replace(/['"]/g, ''), 'Glyphicons Halflings');
    }
    const colour = await style(page.locator('blockquote font').first(), 'color');
    assert.equal(colour, 'rgb(0, 0, 0)', 'reviews v2 stars are black');
  } finally {
    await page.close();
  }
});

test('sign in: the modal opens on click with the cursor in User Name, Cancel hides it, signing in shows the user', async (t) => {
  if (typeof browser === 'string') return t.skip(browser);
  const { page } = await open(browser);
  try {
    await page.locator('nav button', { hasText: 'Sign' }).click();
    await page.locator('#login-modal').waitFor({ state: 'visible' });
    await page.waitForFunction(
      "document.activeElement && document.activeElement.id === 'username'",
    );
    await page.screenshot({ path: screenshotPath('productpage-sign-in.png') });
    const dialog = await page.locator('#login-modal .modal-dialog').boundingBox();
    assert.ok(dialog && dialog.x > 100 && dialog.x + dialog.width < 1180, 'modal centred');
    await page.locator('#login-modal button', { hasText: 'Cancel' }).click();
    await page.locator('#login-modal').waitFor({ state: 'hidden' });
    await page.locator('nav button', { hasText: 'Sign' }).click();
    await page.locator('#username').waitFor({ state: 'visible' });
    await page.locator('#username').fill('jason');
    await page.locator('input[name=passwd]').fill('password');
    await Promise.all([
      page.waitForURL(/\/productpage$/),
      page.locator('#login-modal button[type=submit]').click(),
    ]);
    const user = page.locator('nav .navbar-text.navbar-right');
    await user.waitFor({ state: 'visible' });
    assert.match((await user.textContent()) ?? '', /jason \( sign out \)/);
    await page.screenshot({ path: screenshotPath('productpage-jason.png'), fullPage: true });
  } finally {
    await page.close();
  }
});

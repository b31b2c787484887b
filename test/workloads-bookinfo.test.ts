// The whole Bookinfo chain wired directly on port 0: productpage -> details/reviews -> ratings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  startDetails,
  startProductpage,
  startRatings,
  startReviews,
  type RunningWorkload,
} from '../src/workloads/index.js';

const fullStars = (html: string) => (html.match(/class="glyphicon glyphicon-star"/g) ?? []).length;
const emptyStars = (html: string) =>
  (html.match(/class="glyphicon glyphicon-star-empty"/g) ?? []).length;

async function get(port: number, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers, redirect: 'manual' });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** A details stand-in that records the headers productpage sends it. */
async function recordingDetails(): Promise<{
  port: number;
  seen: http.IncomingHttpHeaders[];
  server: http.Server;
}> {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 0,
        type: 'paperback',
        pages: 200,
        publisher: 'PublisherA',
        language: 'English',
        'ISBN-10': '1',
        'ISBN-13': '2',
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, seen, server };
}

test('Bookinfo chain: pages, stars per version, fallbacks and end-user forwarding', async (t) => {
  const started: RunningWorkload[] = [];
  const env = (extra: Record<string, string>) => ({ ...extra }) as NodeJS.ProcessEnv;
  const ratings = await startRatings({ port: 0, env: env({}) });
  started.push(ratings);
  const details = await startDetails({ port: 0, env: env({}) });
  started.push(details);
  const toRatings = env({
    RATINGS_HOSTNAME: '127.0.0.1',
    RATINGS_SERVICE_PORT: String(ratings.port),
  });
  const reviews: Record<string, RunningWorkload> = {};
  for (const v of ['v1', 'v2', 'v3']) {
    reviews[v] = await startReviews({ port: 0, version: v, env: toRatings });
    started.push(reviews[v]);
  }
  const pages: Record<string, RunningWorkload> = {};
  for (const v of ['v1', 'v2', 'v3']) {
    pages[v] = await startProductpage({
      port: 0,
      env: env({
        DETAILS_HOSTNAME: '127.0.0.1',
        DETAILS_SERVICE_PORT: String(details.port),
        REVIEWS_HOSTNAME: '127.0.0.1',
        REVIEWS_SERVICE_PORT: String(reviews[v]!.port),
        RATINGS_HOSTNAME: '127.0.0.1',
        RATINGS_SERVICE_PORT: String(ratings.port),
      }),
    });
    started.push(pages[v]);
  }
  const recorder = await recordingDetails();
  const spyPage = await startProductpage({
    port: 0,
    env: env({
      DETAILS_HOSTNAME: '127.0.0.1',
      DETAILS_SERVICE_PORT: String(recorder.port),
      REVIEWS_HOSTNAME: '127.0.0.1',
      REVIEWS_SERVICE_PORT: String(reviews.v1!.port),
    }),
  });
  started.push(spyPage);
  t.after(async () => {
    await Promise.all(started.map((w) => w.close()));
    recorder.server.closeAllConnections();
    await new Promise((r) => recorder.server.close(r));
  });

  await t.test('health endpoints answer as the originals', async () => {
    assert.equal((await get(pages.v1!.port, '/health')).body, 'Product page is healthy');
    assert.deepEqual(JSON.parse((await get(details.port, '/health')).body), {
      status: 'Details is healthy',
    });
    assert.deepEqual(JSON.parse((await get(reviews.v1!.port, '/health')).body), {
      status: 'Reviews is healthy',
    });
    assert.deepEqual(JSON.parse((await get(ratings.port, '/health')).body), {
      status: 'Ratings is healthy',
    });
  });

  await t.test('details and ratings JSON', async () => {
    const d = JSON.parse((await get(details.port, '/details/0')).body) as Record<string, unknown>;
    assert.equal(d.author, 'William Shakespeare');
    assert.equal(d['ISBN-10'], '1234567890');
    assert.equal((await get(details.port, '/details/abc')).status, 400);
    assert.deepEqual(JSON.parse((await get(ratings.port, '/ratings/0')).body), {
      id: 0,
      ratings: { Reviewer1: 5, Reviewer2: 4 },
    });
    const posted = await fetch(`http://127.0.0.1:${ratings.port}/ratings/7`, {
      method: 'POST',
      body: JSON.stringify({ Reviewer1: 1, Reviewer2: 2 }),
    });
    assert.deepEqual(await posted.json(), { id: 7, ratings: { Reviewer1: 1, Reviewer2: 2 } });
  });

  await t.test('reviews JSON per version', async () => {
    const v1 = JSON.parse((await get(reviews.v1!.port, '/reviews/0')).body) as {
      reviews: { rating?: unknown }[];
    };
    assert.equal(v1.reviews.length, 2);
    assert.equal(v1.reviews[0]!.rating, undefined);
    const v3 = JSON.parse((await get(reviews.v3!.port, '/reviews/0')).body) as {
      reviews: { rating?: unknown }[];
    };
    assert.deepEqual(v3.reviews[0]!.rating, { stars: 5, color: 'red' });
  });

  await t.test('/productpage renders; v1 no stars, v2 black, v3 red', async () => {
    const v1 = await get(pages.v1!.port, '/productpage');
    assert.equal(v1.status, 200);
    assert.match(v1.body, /<title>Simple Bookstore App<\/title>/);
    assert.match(v1.body, /The Comedy of Errors/);
    assert.match(v1.body, /<dt>Type:<\/dt>paperback/);
    assert.match(v1.body, /Reviewer1/);
    assert.doesNotMatch(v1.body, /glyphicon-star/);
    const v2 = await get(pages.v2!.port, '/productpage');
    assert.equal(fullStars(v2.body), 9);
    assert.equal(emptyStars(v2.body), 1);
    assert.match(v2.body, /<font color="black">/);
    const v3 = await get(pages.v3!.port, '/productpage');
    assert.equal(fullStars(v3.body), 9);
    assert.match(v3.body, /<font color="red">/);
  });

  await t.test('the JSON API', async () => {
    const products = JSON.parse((await get(pages.v1!.port, '/api/v1/products')).body) as unknown[];
    assert.equal(products.length, 1);
    const d = JSON.parse((await get(pages.v1!.port, '/api/v1/products/0')).body) as {
      pages: number;
    };
    assert.equal(d.pages, 200);
    const r = JSON.parse((await get(pages.v2!.port, '/api/v1/products/0/reviews')).body) as {
      reviews: unknown[];
    };
    assert.equal(r.reviews.length, 2);
    const ra = JSON.parse((await get(pages.v1!.port, '/api/v1/products/0/ratings')).body) as {
      id: number;
    };
    assert.equal(ra.id, 0);
    assert.match(
      (await get(pages.v1!.port, '/')).body,
      /Hello! This is a simple bookstore application/,
    );
  });

  await t.test(
    'login as jason: session cookie, name shown, end-user and trace headers forwarded',
    async () => {
      const login = await fetch(`http://127.0.0.1:${spyPage.port}/login`, {
        method: 'POST',
        body: new URLSearchParams({ username: 'jason', passwd: 'x' }),
        headers: { referer: `http://127.0.0.1:${spyPage.port}/productpage` },
        redirect: 'manual',
      });
      assert.equal(login.status, 302);
      assert.equal(login.headers.get('location'), `http://127.0.0.1:${spyPage.port}/productpage`);
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
      assert.match(cookie, /^session=/);
      const page = await get(spyPage.port, '/productpage', {
        cookie,
        'x-request-id': 'req-42',
        'x-b3-traceid': 'aaaabbbbccccdddd',
        'x-b3-spanid': '1111222233334444',
        'x-b3-sampled': '1',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        'user-agent': 'switchyard-test',
      });
      assert.match(page.body, /jason \( <a href="logout">sign out<\/a> \)/);
      const seen = recorder.seen[recorder.seen.length - 1]!;
      assert.equal(seen['end-user'], 'jason');
      assert.equal(seen['x-request-id'], 'req-42');
      assert.equal(seen['x-b3-traceid'], 'aaaabbbbccccdddd');
      assert.equal(seen['x-b3-spanid'], '1111222233334444');
      assert.equal(seen.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
      assert.equal(seen['user-agent'], 'switchyard-test');
      assert.equal(seen.cookie, cookie);
      // a forged cookie is no session
      await get(spyPage.port, '/productpage', { cookie: 'session=eyJ1c2VyIjoiamFzb24ifQ.forged' });
      assert.equal(recorder.seen[recorder.seen.length - 1]!['end-user'], undefined);
      const logout = await get(spyPage.port, '/logout', { cookie, referer: '/productpage' });
      assert.equal(logout.status, 302);
      assert.match(logout.headers.get('set-cookie') ?? '', /^session=;.*Max-Age=0/);
    },
  );

  await t.test('ratings down: reviews says the ratings service is unavailable', async () => {
    await ratings.close();
    const v2 = await get(pages.v2!.port, '/productpage');
    assert.equal(fullStars(v2.body), 0);
    assert.match(v2.body, /<p><i>Ratings service is currently unavailable<\/i><\/p>/);
  });

  await t.test('reviews down: productpage falls back after its retry', async () => {
    await reviews.v1!.close();
    const v1 = await get(pages.v1!.port, '/productpage');
    assert.equal(v1.status, 200);
    assert.match(v1.body, /Error fetching product reviews!/);
    assert.match(v1.body, /Sorry, product reviews are currently unavailable for this book\./);
    assert.match(v1.body, /<dt>Type:<\/dt>paperback/);
    const api = await get(pages.v1!.port, '/api/v1/products/0/reviews');
    assert.equal(api.status, 500);
    await details.close();
    const noDetails = await get(pages.v1!.port, '/productpage');
    assert.match(
      noDetails.body,
      /Sorry, product details are currently unavailable for this book\./,
    );
  });
});

// The originals' timeouts decide outcomes against a backend that never answers: reviews v3 gives up
// on ratings (2.5 s) and productpage gives up on reviews after two 3 s attempts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startProductpage, startReviews } from '../src/workloads/index.js';

async function hangingServer(): Promise<{
  port: number;
  requests: () => number;
  close: () => void;
}> {
  let n = 0;
  const server = http.createServer(() => {
    n++; // never answers
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    requests: () => n,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

test('timeouts against backends that never answer', async (t) => {
  const ratings = await hangingServer();
  const reviewsBackend = await hangingServer();
  t.after(() => {
    ratings.close();
    reviewsBackend.close();
  });
  const reviews = await startReviews({
    port: 0,
    version: 'v3',
    env: { RATINGS_HOSTNAME: '127.0.0.1', RATINGS_SERVICE_PORT: String(ratings.port) },
  });
  const page = await startProductpage({
    port: 0,
    env: {
      DETAILS_HOSTNAME: '127.0.0.1',
      DETAILS_SERVICE_PORT: '1',
      REVIEWS_HOSTNAME: '127.0.0.1',
      REVIEWS_SERVICE_PORT: String(reviewsBackend.port),
    },
  });
  t.after(async () => {
    await reviews.close();
    await page.close();
  });
  const [v3, pp] = await Promise.all([
    fetch(`http://127.0.0.1:${reviews.port}/reviews/0`).then((r) => r.json()),
    fetch(`http://127.0.0.1:${page.port}/productpage`).then((r) => r.text()),
  ]);
  const rating = (v3 as { reviews: { rating: unknown }[] }).reviews[0]!.rating;
  assert.deepEqual(rating, { error: 'Ratings service is currently unavailable' });
  assert.match(pp, /Sorry, product reviews are currently unavailable for this book\./);
  assert.match(pp, /Sorry, product details are currently unavailable for this book\./);
  // getProductReviews tries twice
  assert.equal(reviewsBackend.requests(), 2);
});

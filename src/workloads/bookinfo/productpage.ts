// Bookinfo productpage (the Python Flask front end): the product page, the JSON API, and login.
// istio/istio samples/bookinfo/src/productpage/productpage.py
import type http from 'node:http';
import { MeshClient } from '../mesh-client.js';
import { header, sendJson, sendText, serveHttp } from '../http-server.js';
import type { RunningWorkload, WorkloadOptions } from '../types.js';
import { systemRandom, type Random } from '../../runtime/random.js';
import { serviceBase } from './endpoints.js';
import { B3_HEADERS, PRODUCTPAGE_FORWARDED, pickHeaders } from './forward-headers.js';
import { renderIndex, renderProductPage, type Product } from './productpage-html.js';
import { staticAsset } from './productpage-static.js';
import { SESSION_COOKIE, SessionCodec, parseCookies, type Session } from './session.js';

export const DETAILS_UNAVAILABLE =
  'Sorry, product details are currently unavailable for this book.';
export const REVIEWS_UNAVAILABLE =
  'Sorry, product reviews are currently unavailable for this book.';
export const RATINGS_UNAVAILABLE_PP =
  'Sorry, product ratings are currently unavailable for this book.';

/** requests.get(..., timeout=3.0) for every backend call. */
export const BACKEND_TIMEOUT_MS = 3_000;

// The original signs its Flask session with a fixed app.secret_key; a fixed key here too, so every
// productpage replica accepts the others' cookies.
const SESSION_SECRET = 'switchyard-bookinfo-productpage';

export function getProducts(): Product[] {
  return [
    {
      id: 0,
      title: 'The Comedy of Errors',
      descriptionHtml:
        '<a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a>: The Comedy of Errors is one of <b>William Shakespeare\'s</b> early plays. It is his shortest and one of his most farcical comedies, with a major part of the humour coming from slapstick and mistaken identity, in addition to puns and word play.',
    },
  ];
}

type Result = [status: number, body: Record<string, unknown>];

function hex(random: Random, bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++)
    s += Math.floor(random.next() * 256)
      .toString(16)
      .padStart(2, '0');
  return s;
}

export function startProductpage(options: WorkloadOptions): Promise<RunningWorkload> {
  const env = options.env ?? process.env;
  const random = options.random ?? systemRandom;
  const client = new MeshClient({ env });
  const sessions = new SessionCodec(SESSION_SECRET);
  const details = { name: serviceBase('details', env), endpoint: 'details', children: [] };
  const ratings = { name: serviceBase('ratings', env), endpoint: 'ratings', children: [] };
  const reviews = { name: serviceBase('reviews', env), endpoint: 'reviews', children: [ratings] };
  // the original's service tree (its "name" for productpage is the details URL, kept as is)
  const tree = { name: details.name, endpoint: 'details', children: [details, reviews] };

  const sessionOf = (req: http.IncomingMessage): Session =>
    sessions.decode(parseCookies(header(req, 'cookie')).get(SESSION_COOKIE));

  /** getForwardHeaders: B3 from the tracer, end-user from the session, then the listed headers. */
  function forwardHeaders(req: http.IncomingMessage): Record<string, string> {
    let b3 = pickHeaders(req, B3_HEADERS);
    if (!b3['x-b3-traceid'] || !b3['x-b3-spanid']) {
      // no inbound context: the tracer starts a fresh, sampled span (ConstSampler(True))
      const id = hex(random, 8);
      b3 = { 'x-b3-traceid': id, 'x-b3-spanid': id, 'x-b3-sampled': '1' };
    }
    const headers: Record<string, string> = { ...b3 };
    const user = sessionOf(req).user;
    if (user) headers['end-user'] = user;
    return { ...headers, ...pickHeaders(req, PRODUCTPAGE_FORWARDED) };
  }

  async function fetchJson(
    url: string,
    headers: Record<string, string>,
  ): Promise<{ status: number; json?: Record<string, unknown> } | undefined> {
    try {
      const res = await client.request(url, { headers, timeoutMs: BACKEND_TIMEOUT_MS });
      if (res.status !== 200) return { status: res.status };
      return {
        status: 200,
        json: JSON.parse(res.body.toString('utf8')) as Record<string, unknown>,
      };
    } catch {
      return undefined;
    }
  }

  async function getProductDetails(id: string, headers: Record<string, string>): Promise<Result> {
    const res = await fetchJson(`${details.name}/${details.endpoint}/${id}`, headers);
    if (res?.json) return [200, res.json];
    return [res?.status || 500, { error: DETAILS_UNAVAILABLE }];
  }

  async function getProductReviews(id: string, headers: Record<string, string>): Promise<Result> {
    // "Do not remove. Bug introduced explicitly for illustration in fault injection task": two tries
    let res: Awaited<ReturnType<typeof fetchJson>>;
    for (let i = 0; i < 2; i++) {
      res = await fetchJson(`${reviews.name}/${reviews.endpoint}/${id}`, headers);
      if (res?.json) return [200, res.json];
    }
    return [res?.status || 500, { error: REVIEWS_UNAVAILABLE }];
  }

  async function getProductRatings(id: string, headers: Record<string, string>): Promise<Result> {
    const res = await fetchJson(`${ratings.name}/${ratings.endpoint}/${id}`, headers);
    if (res?.json) return [200, res.json];
    return [res?.status || 500, { error: RATINGS_UNAVAILABLE_PP }];
  }

  const redirectBack = (req: http.IncomingMessage, res: http.ServerResponse, cookie: string) => {
    // redirect(request.referrer)
    const location = header(req, 'referer') ?? 'productpage';
    res.writeHead(302, {
      location,
      'set-cookie': cookie,
      'content-type': 'text/html; charset=utf-8',
    });
    res.end(`<p>Redirecting to <a href="${location}">${location}</a>.</p>`);
  };

  return serveHttp(
    'productpage',
    options,
    async (req, res, body) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const path = url.pathname;
      const method = req.method ?? 'GET';
      if ((path === '/' || path === '/index.html') && method === 'GET') {
        sendText(res, 200, renderIndex(tree), 'text/html; charset=utf-8');
        return;
      }
      const asset = method === 'GET' ? staticAsset(path) : undefined;
      if (asset) {
        res.writeHead(200, {
          'content-type': asset.contentType,
          'content-length': asset.body.length,
        });
        res.end(asset.body);
        return;
      }
      if (path === '/health') {
        sendText(res, 200, 'Product page is healthy', 'text/html; charset=utf-8');
        return;
      }
      if (path === '/login' && method === 'POST') {
        // request.values: query string and form body
        const form = new URLSearchParams(body.toString('utf8'));
        const user = form.get('username') ?? url.searchParams.get('username') ?? '';
        const session = { ...sessionOf(req), user };
        redirectBack(req, res, `${SESSION_COOKIE}=${sessions.encode(session)}; HttpOnly; Path=/`);
        return;
      }
      if (path === '/logout' && method === 'GET') {
        redirectBack(
          req,
          res,
          `${SESSION_COOKIE}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/`,
        );
        return;
      }
      if (path === '/productpage' && method === 'GET') {
        const productId = 0;
        const headers = forwardHeaders(req);
        const user = sessionOf(req).user ?? '';
        const [detailsStatus, detailsBody] = await getProductDetails(String(productId), headers);
        const [reviewsStatus, reviewsBody] = await getProductReviews(String(productId), headers);
        const html = renderProductPage({
          product: getProducts()[productId],
          detailsStatus,
          details: detailsBody,
          reviewsStatus,
          reviews: reviewsBody,
          user,
        });
        sendText(res, 200, html, 'text/html; charset=utf-8');
        return;
      }
      if (path === '/api/v1/products' && method === 'GET') {
        sendJson(res, 200, getProducts());
        return;
      }
      const api = /^\/api\/v1\/products\/([^/]+)(?:\/(reviews|ratings))?$/.exec(path);
      if (api && method === 'GET') {
        const id = decodeURIComponent(api[1] ?? '');
        const headers = forwardHeaders(req);
        const [status, json] =
          api[2] === 'reviews'
            ? await getProductReviews(id, headers)
            : api[2] === 'ratings'
              ? await getProductRatings(id, headers)
              : await getProductDetails(id, headers);
        sendJson(res, status, json);
        return;
      }
      sendText(res, 404, '<h1>Not Found</h1>', 'text/html; charset=utf-8');
    },
    () => client.close(),
  );
}

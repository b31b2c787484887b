// Bookinfo reviews v1/v2/v3 (the Java Liberty service): two reviews, with ratings from the ratings
// service in v2 (black stars) and v3 (red stars).
// istio/istio samples/bookinfo/src/reviews/reviews-application/.../LibertyRestEndpoint.java
import type http from 'node:http';
import { MeshClient } from '../mesh-client.js';
import { serveHttp, sendJson } from '../http-server.js';
import type { RunningWorkload, WorkloadOptions } from '../types.js';
import { serviceBase } from './endpoints.js';
import { REVIEWS_FORWARDED, pickHeaders } from './forward-headers.js';

export const RATINGS_UNAVAILABLE = 'Ratings service is currently unavailable';

export interface ReviewsSettings {
  ratingsEnabled: boolean;
  starColor: string;
  /** Connect and receive timeout toward ratings: 10 s for black stars, 2.5 s otherwise. */
  ratingsTimeoutMs: number;
}

/** v1 has ratings off; v2 on with black stars; v3 on with red stars (the images' build args,
 * istio/istio samples/bookinfo/src/build-services.sh); ENABLE_RATINGS and STAR_COLOR override. */
export function reviewsSettings(version: string, env: NodeJS.ProcessEnv): ReviewsSettings {
  const byVersion = version === 'v1' ? false : true;
  // Java Boolean.valueOf: true only for "true" (any case)
  const ratingsEnabled =
    env.ENABLE_RATINGS !== undefined ? env.ENABLE_RATINGS.toLowerCase() === 'true' : byVersion;
  const starColor = env.STAR_COLOR ?? (version === 'v3' ? 'red' : 'black');
  // getRatings: star_color.equals("black") ? 10000 : 2500
  return { ratingsEnabled, starColor, ratingsTimeoutMs: starColor === 'black' ? 10_000 : 2_500 };
}

/** getJsonResponse, byte for byte (the original concatenates strings rather than serialising). */
export function reviewsJson(
  productId: string,
  stars1: number,
  stars2: number,
  settings: ReviewsSettings,
  podname: string,
  clustername: string,
): string {
  const rating = (stars: number) =>
    !settings.ratingsEnabled
      ? ''
      : stars !== -1
        ? `, "rating": {"stars": ${stars}, "color": "${settings.starColor}"}`
        : `, "rating": {"error": "${RATINGS_UNAVAILABLE}"}`;
  return (
    `{"id": "${productId}","podname": "${podname}","clustername": "${clustername}","reviews": [` +
    `{  "reviewer": "Reviewer1",  "text": "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!"${rating(stars1)}},` +
    `{  "reviewer": "Reviewer2",  "text": "Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare."${rating(stars2)}}` +
    `]}`
  );
}

export function startReviews(options: WorkloadOptions): Promise<RunningWorkload> {
  const env = options.env ?? process.env;
  const version = options.version ?? env.SERVICE_VERSION ?? 'v1';
  const settings = reviewsSettings(version, env);
  const ratingsService = `${serviceBase('ratings', env)}/ratings`;
  const client = new MeshClient({ env });
  const podname = env.HOSTNAME ?? `reviews-${version}`;
  const clustername = env.CLUSTER_NAME ?? 'null';

  async function getRatings(
    productId: string,
    req: http.IncomingMessage,
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const res = await client.request(`${ratingsService}/${productId}`, {
        headers: { accept: 'application/json', ...pickHeaders(req, REVIEWS_FORWARDED) },
        timeoutMs: settings.ratingsTimeoutMs,
      });
      if (res.status !== 200) {
        options.log?.(`Error: unable to contact ${ratingsService} got status of ${res.status}`);
        return undefined;
      }
      return JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
    } catch (err) {
      options.log?.(`Error: unable to contact ${ratingsService} got exception ${String(err)}`);
      return undefined;
    }
  }

  return serveHttp(
    'reviews',
    { ...options, version },
    async (req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/health' && req.method === 'GET') {
        sendJson(res, 200, undefined, '{"status": "Reviews is healthy"}');
        return;
      }
      const m = /^\/reviews\/([^/]+)\/?$/.exec(path);
      // JAX-RS @PathParam int: a non-integer id does not match the resource (404)
      if (!m || req.method !== 'GET' || !/^[-+]?\d+$/.test(m[1] ?? '')) {
        sendJson(res, 404, { error: 'Not Found' });
        return;
      }
      const productId = String(Number.parseInt(m[1] ?? '0', 10));
      let stars1 = -1;
      let stars2 = -1;
      if (settings.ratingsEnabled) {
        const ratingsResponse = await getRatings(productId, req);
        const ratings = ratingsResponse?.ratings as Record<string, unknown> | undefined;
        if (ratings && typeof ratings === 'object') {
          if (typeof ratings.Reviewer1 === 'number') stars1 = ratings.Reviewer1;
          if (typeof ratings.Reviewer2 === 'number') stars2 = ratings.Reviewer2;
        }
      }
      sendJson(
        res,
        200,
        undefined,
        reviewsJson(productId, stars1, stars2, settings, podname, clustername),
      );
    },
    () => client.close(),
  );
}

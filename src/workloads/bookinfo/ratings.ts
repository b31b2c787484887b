// Bookinfo ratings v1 (the Node.js service): in-memory ratings, GET and POST.
// istio/istio samples/bookinfo/src/ratings/ratings.js
import { serveHttp, sendJson } from '../http-server.js';
import type { RunningWorkload, WorkloadOptions } from '../types.js';

export function startRatings(options: WorkloadOptions): Promise<RunningWorkload> {
  const userAdded = new Map<number, { id: number; ratings: unknown }>();
  const local = (id: number) =>
    userAdded.get(id) ?? { id, ratings: { Reviewer1: 5, Reviewer2: 4 } };
  return serveHttp('ratings', options, (req, res, body) => {
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    // dispatcher.onGet/onPost(/^\/ratings\/[0-9]*/): productId = parseInt(last path segment)
    if (/^\/ratings\/[0-9]*/.test(path) && (req.method === 'GET' || req.method === 'POST')) {
      const id = Number.parseInt(url.split('/').pop() ?? '', 10);
      if (Number.isNaN(id)) {
        sendJson(res, 400, { error: 'please provide numeric product ID' });
        return;
      }
      if (req.method === 'GET') {
        sendJson(res, 200, local(id));
        return;
      }
      let ratings: unknown;
      try {
        ratings = JSON.parse(body.toString('utf8'));
      } catch {
        sendJson(res, 400, { error: 'please provide valid ratings JSON' });
        return;
      }
      userAdded.set(id, { id, ratings });
      sendJson(res, 200, local(id));
      return;
    }
    if (path === '/health' && req.method === 'GET') {
      sendJson(res, 200, { status: 'Ratings is healthy' });
      return;
    }
    sendJson(res, 404, { error: 'Not Found' });
  });
}

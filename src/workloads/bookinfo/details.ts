// Bookinfo details v1 (the Ruby WEBrick service): the book's static details as JSON.
// istio/istio samples/bookinfo/src/details/details.rb
import { serveHttp, sendJson } from '../http-server.js';
import type { RunningWorkload, WorkloadOptions } from '../types.js';

/** get_book_details without the external Google Books lookup (ENABLE_EXTERNAL_BOOK_SERVICE). */
export function bookDetails(id: number): Record<string, unknown> {
  return {
    id,
    author: 'William Shakespeare',
    year: 1595,
    type: 'paperback',
    pages: 200,
    publisher: 'PublisherA',
    language: 'English',
    'ISBN-10': '1234567890',
    'ISBN-13': '123-1234567890',
  };
}

export function startDetails(options: WorkloadOptions): Promise<RunningWorkload> {
  return serveHttp('details', options, (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/health' || path.startsWith('/health/')) {
      sendJson(res, 200, { status: 'Details is healthy' });
      return;
    }
    // WEBrick mount_proc '/details' serves the whole subtree; the id is the last path segment
    if (path === '/details' || path.startsWith('/details/')) {
      const last =
        path
          .split('/')
          .filter((p) => p !== '')
          .pop() ?? '';
      if (!/^[-+]?\d+$/.test(last)) {
        sendJson(res, 400, { error: 'please provide numeric product id' });
        return;
      }
      sendJson(res, 200, bookDetails(Number.parseInt(last, 10)));
      return;
    }
    sendJson(res, 404, { error: 'Not Found' });
  });
}

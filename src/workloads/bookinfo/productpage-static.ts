// productpage's /static/ folder: the original ships Bootstrap 3 and jQuery there and its templates link
// them relatively (istio/istio samples/bookinfo/src/productpage/static/bootstrap/{css,fonts,js},
// static/jquery.min.js, at commit 2f6cb4f4e78). Here they come from the bootstrap@3 and jquery npm
// packages, never a CDN, so the page looks right offline.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.eot': 'application/vnd.ms-fontobject',
  '.svg': 'image/svg+xml',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

export interface StaticAsset {
  body: Buffer;
  contentType: string;
}

/** URL path (`/static/...`) -> file on disk: a fixed list, so no request path ever reaches the disk. */
function assetFiles(): Map<string, string> {
  const require = createRequire(import.meta.url);
  const bootstrap = join(dirname(require.resolve('bootstrap/package.json')), 'dist');
  const jquery = join(dirname(require.resolve('jquery/package.json')), 'dist');
  const files = new Map<string, string>([['/static/jquery.min.js', join(jquery, 'jquery.min.js')]]);
  for (const dir of ['css', 'fonts', 'js'])
    for (const name of readdirSync(join(bootstrap, dir)))
      if (CONTENT_TYPES[extname(name)])
        files.set(`/static/bootstrap/${dir}/${name}`, join(bootstrap, dir, name));
  return files;
}

let cache: Map<string, StaticAsset> | undefined;

/** The asset served at `path`, or undefined (a 404, as Flask answers for a missing static file). */
export function staticAsset(path: string): StaticAsset | undefined {
  cache ??= new Map(
    [...assetFiles()].map(([url, file]) => [
      url,
      {
        body: readFileSync(file),
        contentType: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      },
    ]),
  );
  return cache.get(path);
}

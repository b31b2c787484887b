// Benchmark subject: a Switchyard sidecar with routing (several virtual hosts, header + prefix
// matches before the catch-all), header operations, and the TEXT access log written to a file.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProxy } from '../src/proxy/index.js';
import {
  cluster,
  endpoint,
  forward,
  header,
  m,
  outbound,
  route,
  routeTable,
  snapshot,
  vhost,
} from '../test/helpers/snapshot-builder.js';

const upstreamPort = Number(process.argv[2]);
const H = 'bench.default.svc.cluster.local';
const C = outbound(80, 'v1', H);
const ops = {
  set: [['x-route', 'bench']] as [string, string][],
  add: [['x-added', '1']] as [string, string][],
  remove: ['x-remove'],
};
const routes = [
  route('jason', forward(C), { headers: [header('end-user', m.exact('jason'))] }),
  route('api', forward(C), { path: m.prefix('/api/v2') }),
  route('re', forward(C), { path: m.regex('/items/[0-9]+') }),
  route(
    'default',
    forward(C),
    {},
    {
      requestHeaders: ops,
      responseHeaders: { set: [['x-served-by', 'switchyard']], add: [], remove: [] },
    },
  ),
];
const vhosts = [
  vhost('other', ['other', 'other:80'], routes.slice(0, 1)),
  vhost(`${H}:80`, ['127.0.0.1', 'bench', 'bench:80', H, `${H}:80`], routes),
];
// SWITCHYARD_HTTP1=node runs the downstream on node:http's llhttp instead of the raw codec (to compare).
const proxy = createProxy({
  name: 'bench',
  http1Codec: process.env.SWITCHYARD_HTTP1 === 'node' ? 'node' : 'raw',
  accessLog: { encoding: 'TEXT', path: join(tmpdir(), `switchyard-bench-${process.pid}.log`) },
});
proxy.update(
  snapshot({
    outbound: { 80: routeTable('80', vhosts) },
    clusters: [cluster(C, [endpoint('127.0.0.1', upstreamPort)])],
  }),
);
// A gateway-style listener bound as is: requests carry Host: bench (port 80 implied).
proxy.update({
  ...proxy.snapshot()!,
  listeners: proxy
    .snapshot()!
    .listeners.map((l) => (l.name === '0.0.0.0_80' ? { ...l, direction: 'gateway' as const } : l)),
});
void proxy
  .listen('0.0.0.0_80', { host: '127.0.0.1', port: 0 })
  .then(({ port }) => console.log(JSON.stringify({ port })));
process.on('SIGTERM', () => process.exit(0));

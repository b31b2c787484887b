// Conformance: virtual-host and route selection, every match field, filters (rewrite, redirect,
// direct response, header ops, CORS) and the error outcomes (NR, NC, UH, BlackHole, passthrough).
import { after, before, test } from 'node:test';
import { BLACKHOLE_CLUSTER, PASSTHROUGH_CLUSTER } from '../../src/compile/snapshot.js';
import { compileRe2 } from '../../src/runtime/regex.js';
import {
  cluster,
  endpoint,
  forward,
  header,
  m,
  outbound,
  query,
  route,
  routeTable,
  snapshot,
  vhost,
} from '../helpers/snapshot-builder.js';
import { harness, runCase, type Case, type Harness } from './runner.js';

const HOST = 'reviews.default.svc.cluster.local';
const V1 = outbound(9080, 'v1', HOST);
const V2 = outbound(9080, 'v2', HOST);
const V3 = outbound(9080, 'v3', HOST);
const EMPTY = outbound(9080, 'v4', HOST);
const OTHER = outbound(9080, '', 'other.default.svc.cluster.local');

let h: Harness;
let otherPort = 0;

before(async () => {
  h = await harness(['v1', 'v2', 'v3', 'other'], (port) => {
    otherPort = port('other');
    const routes = [
      route('exact', forward(V1), { path: m.exact('/exact') }),
      route('prefix-ic', forward(V2), { path: m.prefix('/IC', true) }),
      route('regex', forward(V3), { path: m.regex('/re/[0-9]+') }),
      route('hdr-exact', forward(V2), { headers: [header('end-user', m.exact('jason'))] }),
      route('hdr-prefix', forward(V3), { headers: [header('x-p', m.prefix('ab'))] }),
      route('hdr-regex', forward(V3), { headers: [header('x-r', m.regex('v[0-9]'))] }),
      route('hdr-present', forward(V1), { headers: [header('x-present', m.present())] }),
      route('without', forward(V2), {
        path: m.prefix('/without'),
        headers: [header('x-block', m.present(), true)],
      }),
      route('query-exact', forward(V3), { queryParams: [query('q', m.exact('yes'))] }),
      route('query-empty', forward(V2), { queryParams: [query('flag', m.exact(''))] }),
      route('method', forward(V3), { headers: [header(':method', m.exact('POST'))] }),
      route('authority', forward(V2), {
        path: m.prefix('/auth'),
        headers: [header(':authority', m.prefix('reviews.default'))],
      }),
      route('scheme', forward(V1), {
        path: m.prefix('/scheme'),
        headers: [header(':scheme', m.exact('http'))],
      }),
      route('nc', forward(outbound(9080, 'nope', HOST)), { path: m.prefix('/nc') }),
      route('uh', forward(EMPTY), { path: m.prefix('/uh') }),
      route('rewrite', forward(V1, { prefixRewrite: '/new', hostRewrite: 'rewritten.host' }), {
        path: m.prefix('/old'),
      }),
      route(
        'regex-rewrite',
        forward(V1, {
          regexRewrite: {
            regex: compileRe2('^/service/([^/]+)(/.*)$'),
            substitution: '\\2/instance/\\1',
          },
        }),
        { path: m.prefix('/service/') },
      ),
      route(
        'redirect',
        { type: 'redirect', path: '/moved', host: 'new.example.com', responseCode: 302 },
        { path: m.prefix('/redir') },
      ),
      route(
        'redirect-https',
        { type: 'redirect', scheme: 'https', responseCode: 301 },
        { path: m.prefix('/secure') },
      ),
      route(
        'redirect-port',
        { type: 'redirect', port: 8443, prefixRewrite: '/p2', responseCode: 308 },
        { path: m.prefix('/port') },
      ),
      route(
        'direct',
        { type: 'direct', status: 418, body: Buffer.from('teapot') },
        { path: m.exact('/direct') },
      ),
      route(
        'headers',
        forward([
          {
            clusterName: V1,
            weight: 100,
            requestHeaders: { set: [['x-dest', 'd']], add: [], remove: [] },
            responseHeaders: { set: [['x-dest-resp', 'd']], add: [], remove: [] },
          },
        ]),
        { path: m.prefix('/headers') },
        {
          requestHeaders: {
            set: [
              ['x-set', 'route'],
              ['x-dest', 'route-wins'],
            ],
            add: [['x-add', 'a2']],
            remove: ['x-remove-me'],
          },
          responseHeaders: { set: [['x-resp', 'r']], add: [], remove: ['x-backend'] },
        },
      ),
      route(
        'cors',
        forward(V1),
        { path: m.prefix('/cors') },
        {
          cors: {
            allowOrigins: [m.exact('https://a.example')],
            allowMethods: ['GET', 'POST'],
            allowHeaders: ['x-custom'],
            exposeHeaders: ['x-exposed'],
            maxAge: '86400',
            allowCredentials: true,
            forwardNotMatchingPreflights: true,
          },
        },
      ),
      route('default', forward(V1)),
    ];
    return snapshot({
      outbound: {
        9080: routeTable('9080', [
          vhost(`${HOST}:9080`, ['reviews', 'reviews:9080', HOST, `${HOST}:9080`], routes),
          vhost(
            'strict:9080',
            ['strict', 'strict:9080'],
            [route('only', forward(V1), { path: m.exact('/only') })],
          ),
          vhost('wild', ['*.wild.example'], [route('wild', forward(OTHER))]),
          vhost('wild-long', ['*.b.wild.example'], [route('wild-long', forward(V2))]),
          vhost('blackhole', ['blocked.example'], [route('bh', forward(BLACKHOLE_CLUSTER))]),
        ]),
      },
      clusters: [
        cluster(V1, [endpoint('127.0.0.1', port('v1'))]),
        cluster(V2, [endpoint('127.0.0.1', port('v2'))]),
        cluster(V3, [endpoint('127.0.0.1', port('v3'))]),
        cluster(EMPTY, []),
        cluster(OTHER, [endpoint('127.0.0.1', port('other'))]),
      ],
    });
  });
});

after(() => h.close());

const cases: Case[] = [
  {
    name: 'path exact',
    request: { authority: 'reviews:9080', path: '/exact' },
    expect: {
      backend: 'v1',
      status: 200,
      routeName: 'exact',
      upstreamCluster: V1,
      flags: '-',
      details: 'via_upstream',
    },
  },
  {
    name: 'path exact does not match a longer path',
    request: { authority: 'reviews:9080', path: '/exact/more', headers: { 'end-user': 'jason' } },
    expect: { backend: 'v2', status: 200, routeName: 'hdr-exact' },
  },
  {
    name: 'prefix ignoreCase',
    request: { authority: 'reviews:9080', path: '/ic/x' },
    expect: { backend: 'v2', status: 200, routeName: 'prefix-ic' },
  },
  {
    name: 'regex full match',
    request: { authority: 'reviews:9080', path: '/re/123?x=1' },
    expect: { backend: 'v3', status: 200, routeName: 'regex' },
  },
  {
    name: 'regex is not a partial match',
    request: { authority: 'reviews:9080', path: '/re/123/x' },
    expect: { backend: 'v1', status: 200, routeName: 'default' },
  },
  {
    name: 'header exact',
    request: { authority: 'reviews:9080', headers: { 'end-user': 'jason' } },
    expect: { backend: 'v2', status: 200, routeName: 'hdr-exact' },
  },
  {
    name: 'header exact is case-sensitive',
    request: { authority: 'reviews:9080', headers: { 'end-user': 'Jason' } },
    expect: { backend: 'v1', status: 200, routeName: 'default' },
  },
  {
    name: 'header prefix',
    request: { authority: 'reviews:9080', headers: { 'x-p': 'abc' } },
    expect: { backend: 'v3', status: 200, routeName: 'hdr-prefix' },
  },
  {
    name: 'header regex',
    request: { authority: 'reviews:9080', headers: { 'x-r': 'v2' } },
    expect: { backend: 'v3', status: 200, routeName: 'hdr-regex' },
  },
  {
    name: 'header present',
    request: { authority: 'reviews:9080', headers: { 'x-present': '' } },
    expect: { backend: 'v1', status: 200, routeName: 'hdr-present' },
  },
  {
    name: 'withoutHeaders: missing header matches',
    request: { authority: 'reviews:9080', path: '/without' },
    expect: { backend: 'v2', status: 200, routeName: 'without' },
  },
  {
    name: 'withoutHeaders: present header does not match',
    request: { authority: 'reviews:9080', path: '/without', headers: { 'x-block': '1' } },
    expect: { backend: 'v1', status: 200, routeName: 'default' },
  },
  {
    name: 'query exact',
    request: { authority: 'reviews:9080', path: '/?q=yes' },
    expect: { backend: 'v3', status: 200, routeName: 'query-exact' },
  },
  {
    name: 'query exact "" matches ?key',
    request: { authority: 'reviews:9080', path: '/?flag' },
    expect: { backend: 'v2', status: 200, routeName: 'query-empty' },
  },
  {
    name: 'query exact "" does not match key=value',
    request: { authority: 'reviews:9080', path: '/?flag=1' },
    expect: { backend: 'v1', status: 200, routeName: 'default' },
  },
  {
    name: 'method via :method',
    request: { authority: 'reviews:9080', method: 'POST' },
    expect: { backend: 'v3', status: 200, routeName: 'method' },
  },
  {
    name: 'authority via :authority',
    request: { authority: `${HOST}:9080`, path: '/auth' },
    expect: { backend: 'v2', status: 200, routeName: 'authority' },
  },
  {
    name: 'scheme via :scheme',
    request: { authority: 'reviews:9080', path: '/scheme' },
    expect: { backend: 'v1', status: 200, routeName: 'scheme' },
  },
  {
    name: 'host is case-insensitive',
    request: { authority: 'REVIEWS:9080', path: '/exact' },
    expect: { backend: 'v1', status: 200 },
  },
  {
    name: 'proxy-form request target',
    request: { authority: 'reviews:9080', path: '/exact', proxyForm: true },
    expect: { backend: 'v1', status: 200, routeName: 'exact' },
  },
  {
    name: 'wildcard domain',
    request: { authority: 'x.wild.example:9080' },
    expect: { backend: 'other', status: 200, routeName: 'wild' },
  },
  {
    name: 'longest wildcard first',
    request: { authority: 'a.b.wild.example:9080' },
    expect: { backend: 'v2', status: 200, routeName: 'wild-long' },
  },
  {
    name: 'NR: known host, no route',
    request: { authority: 'strict:9080', path: '/nope' },
    expect: { backend: null, status: 404, flags: 'NR', details: 'route_not_found' },
  },
  {
    name: 'NR: unknown host on a known port',
    request: { authority: 'unknown:9080' },
    expect: { backend: null, status: 404, flags: 'NR' },
  },
  {
    name: 'NC: missing cluster',
    request: { authority: 'reviews:9080', path: '/nc' },
    expect: { backend: null, status: 503, flags: 'NC', details: 'cluster_not_found' },
  },
  {
    name: 'UH: no endpoints',
    request: { authority: 'reviews:9080', path: '/uh' },
    expect: {
      backend: null,
      status: 503,
      flags: 'UH',
      details: 'no_healthy_upstream',
      body: 'no healthy upstream',
    },
  },
  {
    name: 'BlackHoleCluster -> 502',
    request: { authority: 'blocked.example:9080' },
    expect: { backend: null, status: 502, upstreamCluster: BLACKHOLE_CLUSTER },
  },
  {
    name: 'prefix rewrite, host rewrite, x-envoy-original-path',
    request: { authority: 'reviews:9080', path: '/old/x?y=1' },
    expect: {
      backend: 'v1',
      status: 200,
      upstreamPath: '/new/x?y=1',
      upstreamHeaders: { host: 'rewritten.host', 'x-envoy-original-path': '/old/x?y=1' },
    },
  },
  {
    name: 'regex rewrite with groups',
    request: { authority: 'reviews:9080', path: '/service/foo/v1/api' },
    expect: { backend: 'v1', status: 200, upstreamPath: '/v1/api/instance/foo' },
  },
  {
    name: 'redirect path + host + 302',
    request: { authority: 'reviews:9080', path: '/redir?a=1' },
    expect: {
      backend: null,
      status: 302,
      headers: { location: 'http://new.example.com/moved?a=1' },
      details: 'direct_response',
    },
  },
  {
    // envoyproxy/envoy source/common/http/utility.cc processRequestHost: a scheme change without
    // port_redirect drops only the old scheme's default port; :9080 stays.
    name: 'redirect to https keeps a non-default request port',
    request: { authority: 'reviews:9080', path: '/secure/x' },
    expect: { backend: null, status: 301, headers: { location: 'https://reviews:9080/secure/x' } },
  },
  {
    name: 'redirect port + prefix',
    request: { authority: 'reviews:9080', path: '/port/x' },
    expect: { backend: null, status: 308, headers: { location: 'http://reviews:8443/p2/x' } },
  },
  {
    name: 'direct response',
    request: { authority: 'reviews:9080', path: '/direct' },
    expect: { backend: null, status: 418, body: 'teapot', details: 'direct_response', flags: '-' },
  },
  {
    name: 'header operations, route level wins over destination level',
    request: {
      authority: 'reviews:9080',
      path: '/headers',
      headers: { 'x-remove-me': '1', 'x-add': 'a1' },
    },
    expect: {
      backend: 'v1',
      status: 200,
      upstreamHeaders: {
        'x-set': 'route',
        'x-dest': 'route-wins',
        'x-add': 'a1, a2',
        'x-remove-me': undefined,
      },
      headers: { 'x-resp': 'r', 'x-dest-resp': 'd' },
      absentHeaders: ['x-backend'],
    },
  },
  {
    name: 'Envoy request headers: x-request-id kept, x-forwarded-proto, upstream service time',
    request: {
      authority: 'reviews:9080',
      path: '/exact',
      headers: { connection: 'keep-alive, x-hop', 'x-hop': '1', te: 'trailers' },
    },
    expect: {
      backend: 'v1',
      status: 200,
      upstreamHeaders: {
        'x-request-id': /^case-/,
        'x-forwarded-proto': 'http',
        'x-envoy-attempt-count': '1',
        'x-hop': undefined,
        // TE is hop-by-hop, but `trailers` is kept as exactly `trailers` (gRPC needs it)
        // (envoyproxy/envoy source/common/http/conn_manager_utility.cc sanitizeTEHeader).
        te: 'trailers',
      },
      headers: { 'x-envoy-upstream-service-time': /^\d+$/ },
    },
  },
  {
    name: 'CORS preflight answered locally',
    request: {
      authority: 'reviews:9080',
      path: '/cors',
      method: 'OPTIONS',
      headers: { origin: 'https://a.example', 'access-control-request-method': 'POST' },
    },
    expect: {
      backend: null,
      status: 200,
      headers: {
        'access-control-allow-origin': 'https://a.example',
        'access-control-allow-methods': 'GET,POST',
        'access-control-allow-headers': 'x-custom',
        'access-control-max-age': '86400',
        'access-control-allow-credentials': 'true',
      },
    },
  },
  {
    name: 'CORS preflight from another origin is forwarded',
    request: {
      authority: 'reviews:9080',
      path: '/cors',
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    },
    expect: { backend: 'v1', status: 200, absentHeaders: ['access-control-allow-origin'] },
  },
  {
    name: 'CORS simple request gets allow-origin and expose-headers',
    request: { authority: 'reviews:9080', path: '/cors', headers: { origin: 'https://a.example' } },
    expect: {
      backend: 'v1',
      status: 200,
      headers: {
        'access-control-allow-origin': 'https://a.example',
        'access-control-expose-headers': 'x-exposed',
      },
    },
  },
];

for (const c of cases) test(c.name, () => runCase(h, c).then(() => undefined));

test('ALLOW_ANY: a port without a listener passes through to the Host', async () => {
  await runCase(h, {
    name: 'passthrough',
    request: { authority: `127.0.0.1:${otherPort}` },
    expect: {
      backend: 'other',
      status: 200,
      upstreamCluster: PASSTHROUGH_CLUSTER,
      routeName: 'allow_any',
    },
  });
});

test('x-request-id is generated when absent', async () => {
  const { send } = await import('./runner.js');
  const before = h.backends.get('v1')?.received.length ?? 0;
  const res = await send(h.port, { authority: 'reviews:9080', path: '/exact' });
  const got = h.backends.get('v1')?.received[before];
  if (res.status !== 200 || !got) throw new Error('no request');
  if (!/^[0-9a-f-]{36}$/.test(String(got.headers['x-request-id'])))
    throw new Error('no generated request id');
});

// Two real proxies, client sidecar -> server sidecar -> app: Istio's metadata exchange carries the
// client's identity to the server side and is taken off before the app; both sides report.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProxyIdentity } from '../src/model/index.js';
import { createProxy, type Proxy } from '../src/proxy/index.js';
import {
  MeshTelemetry,
  PEER_METADATA_HEADER,
  PEER_METADATA_ID_HEADER,
} from '../src/telemetry/index.js';
import { startEcho, type EchoBackend } from './helpers/echo-backend.js';
import { get } from './helpers/mesh.js';
import {
  cluster,
  forward,
  outbound,
  route,
  routeTable,
  snapshot,
  vhost,
} from './helpers/snapshot-builder.js';

const HOST = 'reviews.default.svc.cluster.local';
const REVIEWS = outbound(9080, 'v2', HOST);

function identity(id: string, labels: Record<string, string>): ProxyIdentity {
  return {
    kind: 'sidecar',
    id,
    namespace: 'default',
    labels,
    serviceAccount: 'sa',
    ip: '127.0.0.1',
  };
}

let app: EchoBackend;
let client: Proxy;
let server: Proxy;
let clientPort = 0;
const telemetry = new MeshTelemetry();

before(async () => {
  app = await startEcho('reviews-v2');
  const serverId = identity('reviews-v2-0.default', { app: 'reviews', version: 'v2' });
  server = createProxy({ name: serverId.id });
  telemetry.attach(server, serverId, 'reviews-v2');
  server.update({
    ...snapshot({
      inbound: {
        9080: routeTable('inbound|9080||', [
          vhost('inbound|http|9080', ['*'], [route('default', forward('inbound|9080||'))]),
        ]),
      },
      clusters: [
        cluster(
          'inbound|9080||',
          [{ address: '127.0.0.1', port: app.port, labels: {}, weight: 1 }],
          {
            direction: 'inbound',
            serviceHost: HOST,
          },
        ),
      ],
    }),
    proxy: serverId,
  });
  const inbound = await server.listen(
    'virtualInbound',
    { host: '127.0.0.1', port: 0 },
    { destinationPort: 9080 },
  );

  const clientId = identity('productpage-v1-0.default', { app: 'productpage', version: 'v1' });
  client = createProxy({ name: clientId.id });
  telemetry.attach(client, clientId, 'productpage-v1');
  client.update({
    ...snapshot({
      outbound: {
        9080: routeTable('9080', [
          vhost(
            `${HOST}:9080`,
            [HOST, `${HOST}:9080`, 'reviews', 'reviews:9080'],
            [route('default', forward(REVIEWS))],
          ),
        ]),
      },
      clusters: [
        cluster(REVIEWS, [
          {
            address: '127.0.0.1',
            port: inbound.port,
            labels: { app: 'reviews', version: 'v2' },
            weight: 1,
            workload: 'reviews-v2-0',
          },
        ]),
      ],
    }),
    proxy: clientId,
  });
  clientPort = (await client.listen('virtualOutbound', { host: '127.0.0.1', port: 0 })).port;
});

after(async () => {
  await client?.close(100);
  await server?.close(100);
  await app?.close();
});

test('the server side learns the client from the peer header; the app never sees it', async () => {
  // A client-supplied peer header is replaced by the sidecar's own (no spoofing the source).
  const r = await get(`http://127.0.0.1:${clientPort}/reviews/0`, {
    host: 'reviews:9080',
    [PEER_METADATA_HEADER]: Buffer.from('{"WORKLOAD_NAME":"evil","NAMESPACE":"x"}').toString(
      'base64',
    ),
  });
  assert.equal(r.status, 200);
  const seen = app.received.at(-1)?.headers ?? {};
  assert.equal(seen[PEER_METADATA_HEADER], undefined);
  assert.equal(seen[PEER_METADATA_ID_HEADER], undefined);

  const all = telemetry.renderAll();
  const lines = all.split('\n').filter((l) => l.startsWith('istio_requests_total{'));
  assert.equal(lines.length, 2, all);
  const src = lines.find((l) => l.includes('reporter="source"')) ?? '';
  const dst = lines.find((l) => l.includes('reporter="destination"')) ?? '';
  for (const l of [src, dst]) {
    assert.match(l, /source_workload="productpage-v1"/);
    assert.match(l, /destination_workload="reviews-v2"/);
    assert.match(l, /destination_service="reviews\.default\.svc\.cluster\.local"/);
    assert.match(l, /response_code="200"/);
    assert.match(l, / 1$/);
  }
  assert.doesNotMatch(all, /evil/);
  // Per proxy: each one has only its own report.
  assert.match(telemetry.renderProxy('reviews-v2-0.default') ?? '', /reporter="destination"/);
  assert.doesNotMatch(telemetry.renderProxy('reviews-v2-0.default') ?? '', /reporter="source"/);
  assert.equal(telemetry.renderProxy('nope'), undefined);
});

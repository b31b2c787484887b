// A proxy that stops reading must not hold up pushes to the others (issue #14 "bad input"): one raw
// HTTP/2 client opens an ADS stream with a zero flow-control window (RFC 9113 6.9.2), so the server
// cannot send it a byte; a second, ordinary client keeps getting every push. The stalled stream is not
// queued push after push: once it opens its window it gets its first answer and then one push with the
// newest config (istiod merges pushes for a busy connection, pilot/pkg/xds/pushqueue.go).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, constants } from 'node:http2';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proxyNames } from '../src/registry/index.js';
import {
  decodeAny,
  meshFromFiles,
  messageType,
  TYPE,
  XdsServer,
  type XdsServerOptions,
} from '../src/xds/index.js';
import { adsClient, sidecarNode } from './helpers/ads-client.js';
import { repoRoot } from './helpers/shared.js';
import { until } from './helpers/xds-grpc-support.js';

const BOOKINFO = join(repoRoot, 'test/fixtures/compile/bookinfo.yaml');

/** Bookinfo plus `n` extra ServiceEntries extra-0..extra-(n-1): each adds one cluster. */
function state(n: number) {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-slow-'));
  try {
    const file = join(dir, 'extra.yaml');
    const extra = Array.from(
      { length: n },
      (_, i) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: extra-${i}, namespace: default }
spec:
  hosts: [extra-${i}.example.com]
  ports: [{ number: 9080, name: http, protocol: HTTP }]
  resolution: STATIC
  endpoints: [{ address: 10.1.2.${i + 1} }]
`,
    ).join('---\n');
    writeFileSync(file, extra || '# none\n');
    const { state: s, errors } = meshFromFiles([BOOKINFO, file], { revision: n + 1 });
    assert.deepEqual(errors, []);
    return s!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** gRPC length-prefixed messages (grpc/grpc doc/PROTOCOL-HTTP2.md) out of a byte stream. */
function* frames(buf: Buffer): Generator<Buffer> {
  let at = 0;
  while (at + 5 <= buf.length) {
    const len = buf.readUInt32BE(at + 1);
    if (at + 5 + len > buf.length) return;
    yield buf.subarray(at + 5, at + 5 + len);
    at += 5 + len;
  }
}

/** The scenario, with the server's options (the bytes-in-flight budget). */
async function stalledAndNormal(options: Partial<XdsServerOptions>): Promise<void> {
  const server = new XdsServer({ port: 0, debounceMs: 0, ...options });
  server.setState(state(0));
  const port = await server.start();
  const pod = (proxyNames(state(0).registry).find((n) => n.startsWith('productpage')) ?? '').split(
    '.',
  )[0]!;
  // The stalled client: a zero initial window, so no DATA can reach it until it says otherwise.
  const session = connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: 0 } });
  const normal = adsClient(port);
  try {
    const req = messageType('envoy.service.discovery.v3.DiscoveryRequest');
    const body = req
      .encode(
        req.fromObject({ node: sidecarNode(`${pod}-stalled`, 'default'), type_url: TYPE.cluster }),
      )
      .finish();
    const framed = Buffer.alloc(5 + body.length);
    framed.writeUInt32BE(body.length, 1);
    Buffer.from(body).copy(framed, 5);
    const stream = session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]:
        '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const received: Buffer[] = [];
    stream.on('data', (d: Buffer) => received.push(d));
    stream.write(framed);
    const stalled = () =>
      server.connections().find((c) => c.node.proxyName === `${pod}-stalled.default`);
    await until(() => stalled()?.pushes === 1);

    // The ordinary client subscribes and ACKs; five changes each reach it.
    normal.send({ node: sidecarNode(pod, 'default'), type_url: TYPE.cluster });
    let r = await normal.next(TYPE.cluster);
    for (let n = 1; n <= 5; n++) {
      normal.send({
        type_url: TYPE.cluster,
        version_info: r.version_info,
        response_nonce: r.nonce,
      });
      server.update(state(n));
      r = await normal.next(TYPE.cluster);
      const names = r.resources.map((x) => String(x.name));
      assert.ok(names.includes(`outbound|9080||extra-${n - 1}.example.com`), names.join(' '));
    }
    // The stalled stream got nothing and has nothing more queued: its first answer waits in flow control.
    assert.equal(Buffer.concat(received).length, 0);
    assert.equal(stalled()?.pushes, 1);

    // It opens its window: the first answer, then one push with all five new clusters.
    session.settings({ initialWindowSize: 4 << 20 });
    const res = messageType('envoy.service.discovery.v3.DiscoveryResponse');
    const responses = () => [...frames(Buffer.concat(received))].map((b) => res.decode(b));
    await until(() => responses().length >= 2);
    const last = res.toObject(responses().at(-1)!, { longs: Number, enums: String }) as {
      type_url: string;
      resources: { type_url: string; value: Uint8Array }[];
    };
    assert.equal(last.type_url, TYPE.cluster);
    const names = last.resources.map((a) => String(decodeAny(a).name));
    for (let i = 0; i < 5; i++) assert.ok(names.includes(`outbound|9080||extra-${i}.example.com`));
    assert.equal(stalled()?.pushes, 2, 'five changes, one push');
    stream.close();
  } finally {
    normal.close();
    session.destroy();
    await server.stop();
  }
}

test('a client stalled by HTTP/2 flow control does not block pushes to another; it later gets the newest config once', () =>
  stalledAndNormal({}));

// With a one-byte budget the stalled stream's first answer fills it: the other stream's responses wait
// until that write counts as stalled, then flow.
test('a stalled client holding the whole bytes-in-flight budget does not block pushes to another', () =>
  stalledAndNormal({ maxBytesInFlight: 1, stalledWriteMs: 20 }));

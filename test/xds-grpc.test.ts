// A real proxyless gRPC client (@grpc/grpc-js-xds) routed by `switchyard control-plane`: the client
// reads its Listener `host:port`, RouteConfiguration, Clusters and endpoints over ADS (istio/istio
// pilot/pkg/networking/grpcgen) and then calls real @grpc/grpc-js servers directly. gRFC A28
// (grpc/proposal A28-xds-traffic-splitting-and-routing.md) defines the weighted split and header
// matching the client applies; a file change is pushed and the client follows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  binomialInterval,
  errors,
  runCli,
  startClient,
  startControlPlane,
  startEchoServer,
  ECHO_HOST,
  ECHO_PORT,
  echoService,
} from './helpers/xds-grpc-support.js';

const HOST = ECHO_HOST;
const PORT = ECHO_PORT;

function config(
  v1Port: number,
  v2Port: number,
  weights: [number, number],
  redirect = false,
): string {
  return `${echoService(v1Port, v2Port)}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: echo, namespace: default }
spec:
  hosts: [${HOST}]
  http:${
    redirect
      ? `
    - match: [{ uri: { exact: /old } }]
      redirect: { uri: /new }`
      : ''
  }
    - match: [{ headers: { x-user: { exact: canary } } }]
      route: [{ destination: { host: ${HOST}, subset: v2 } }]
    - route:
        - { destination: { host: ${HOST}, subset: v1 }, weight: ${weights[0]} }
        - { destination: { host: ${HOST}, subset: v2 }, weight: ${weights[1]} }
`;
}

test('a grpc-js-xds client follows the VirtualService split, header match and a pushed change', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-xds-'));
  const v1 = await startEchoServer('v1');
  const v2 = await startEchoServer('v2');
  const file = join(dir, 'echo.yaml');
  writeFileSync(file, config(v1.port, v2.port, [80, 20]));
  const cp = await startControlPlane(file);
  const client = startClient(cp.port, `xds:///${HOST}:${PORT}`);
  try {
    // gRFC A28: weighted_clusters picks each cluster with probability weight/total: at 80/20 the v1
    // count of 200 calls is Binomial(200, 0.8), outside its bounds less than once in a million runs.
    // The first call waits for LDS -> RDS -> CDS -> EDS; it fails fast if any of them is missing.
    assert.equal(errors(await client.count(1)), 0);
    const split = await client.count(200);
    assert.equal((split.v1 ?? 0) + (split.v2 ?? 0), 200, JSON.stringify(split));
    const [lo, hi] = binomialInterval(200, 0.8, 1e-6);
    assert.ok((split.v1 ?? 0) >= lo && (split.v1 ?? 0) <= hi, JSON.stringify(split));
    // gRFC A28 header matching: the x-user: canary route goes to v2 only.
    assert.deepEqual(await client.count(20, { 'x-user': 'canary' }), { v2: 20 });
    // A changed file is pushed (RDS) and the same client follows it without reconnecting.
    writeFileSync(file, config(v1.port, v2.port, [0, 100]));
    let last: Record<string, number> = {};
    for (let round = 0; round < 200; round++) {
      last = await client.count(10);
      if (last.v2 === 10) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(last, { v2: 10 }, cp.log.join('\n'));
    // A change gRPC cannot take (a redirect route: gRFC A28 supports only route actions) is NACKed;
    // the client keeps its last good routes, and proxy-status shows RDS STALE with the rejection.
    writeFileSync(file, config(v1.port, v2.port, [100, 0], true));
    for (let i = 0; i < 400 && !cp.log.some((l) => l.includes('rejected RouteConfiguration')); i++)
      await new Promise((r) => setTimeout(r, 50));
    assert.ok(
      cp.log.some((l) => l.includes('echo-client-0.default rejected RouteConfiguration')),
      cp.log.join('\n'),
    );
    assert.deepEqual(await client.count(10), { v2: 10 }, 'the NACKed routes are not used');
    const status = await runCli(['proxy-status', '--xds-address', `127.0.0.1:${cp.port}`]);
    const row = status.split('\n').find((l) => l.startsWith('echo-client-0.default'));
    assert.match(
      row ?? '',
      /^echo-client-0\.default\s+Kubernetes\s+SYNCED\s+SYNCED\s+SYNCED\s+STALE\s+NOT SENT\s+switchyard/,
      status,
    );
    assert.match(status, /echo-client-0\.default rejected RDS: .*redirect/, status);
    assert.ok(
      cp.log.some((l) => l.includes('echo-client-0.default connected (grpc')),
      cp.log.join('\n'),
    );
  } finally {
    client.stop();
    cp.proc.kill();
    v1.stop();
    v2.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

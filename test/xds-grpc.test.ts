// A real proxyless gRPC client (@grpc/grpc-js-xds) routed by `switchyard control-plane`: the client
// reads its Listener `host:port`, RouteConfiguration, Clusters and endpoints over ADS (istio/istio
// pilot/pkg/networking/grpcgen) and then calls real @grpc/grpc-js servers directly. gRFC A28
// (grpc/proposal A28-xds-traffic-splitting-and-routing.md) defines the weighted split and header
// matching the client applies; a file change is pushed and the client follows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI } from './helpers/mesh.js';
import { startClient, startEchoServer } from './helpers/xds-grpc-echo.js';

const HOST = 'echo.default.svc.cluster.local';
const PORT = 7070;

function config(
  v1Port: number,
  v2Port: number,
  weights: [number, number],
  redirect = false,
): string {
  return `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: echo, namespace: default }
spec:
  hosts: [${HOST}]
  location: MESH_INTERNAL
  ports: [{ number: ${PORT}, name: grpc, protocol: GRPC }]
  resolution: STATIC
  workloadSelector: { labels: { app: echo } }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: echo-v1, namespace: default }
spec: { address: 127.0.0.1, labels: { app: echo, version: v1 }, ports: { grpc: ${v1Port} } }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: echo-v2, namespace: default }
spec: { address: 127.0.0.1, labels: { app: echo, version: v2 }, ports: { grpc: ${v2Port} } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: echo, namespace: default }
spec:
  host: ${HOST}
  subsets:
    - { name: v1, labels: { version: v1 } }
    - { name: v2, labels: { version: v2 } }
---
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

/** Starts `switchyard control-plane` and resolves with its printed xDS port. */
function startControlPlane(
  file: string,
): Promise<{ proc: ChildProcessWithoutNullStreams; port: number; log: string[] }> {
  const proc = spawn(process.execPath, [CLI, 'control-plane', '-f', file, '--xds-port', '0']);
  const log: string[] = [];
  return new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout }).on('line', (line) => {
      log.push(line);
      const m = /xDS \(ADS\) listening on 127\.0\.0\.1:(\d+)/.exec(line);
      if (m) resolve({ proc, port: Number(m[1]), log });
    });
    proc.stderr.on('data', (d: Buffer) => log.push(d.toString()));
    proc.on('exit', (code) => reject(new Error(`control-plane exited ${code}: ${log.join('\n')}`)));
  });
}

function runCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args]);
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}`))));
  });
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
    // gRFC A28: weighted_clusters picks each cluster with probability weight/total; 200 calls at 80/20
    // give v1 160 +- 5.7 (one standard deviation); the bounds are over 5 deviations wide.
    // The first call waits for LDS -> RDS -> CDS -> EDS; it fails fast if any of them is missing.
    assert.equal(Object.keys(await client.run(1)).filter((k) => k.startsWith('error')).length, 0);
    const split = await client.run(200);
    assert.equal((split.v1 ?? 0) + (split.v2 ?? 0), 200, JSON.stringify(split));
    assert.ok((split.v1 ?? 0) >= 130 && (split.v1 ?? 0) <= 190, JSON.stringify(split));
    // gRFC A28 header matching: the x-user: canary route goes to v2 only.
    assert.deepEqual(await client.run(20, { 'x-user': 'canary' }), { v2: 20 });
    // A changed file is pushed (RDS) and the same client follows it without reconnecting.
    writeFileSync(file, config(v1.port, v2.port, [0, 100]));
    let last: Record<string, number> = {};
    for (let round = 0; round < 200; round++) {
      last = await client.run(10);
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
    assert.deepEqual(await client.run(10), { v2: 10 }, 'the NACKed routes are not used');
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

// End to end across two Switchyards: `switchyard up` serves a Kubernetes API; real kubectl applies a
// ServiceEntry, WorkloadEntries, a DestinationRule and a VirtualService to it; a second process,
// `switchyard control-plane --kubeconfig <the first's kubeconfig>`, watches that API with informers and
// serves xDS; a real @grpc/grpc-js-xds client is routed by it, and follows a VirtualService changed
// with kubectl. `up --kubeconfig` mirrors the same config into a second local mesh. Stopping the first
// Switchyard leaves the last config served (a line says so).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI, startMesh } from './helpers/mesh.js';
import {
  ECHO_HOST,
  ECHO_PORT,
  echoService,
  startClient,
  startEchoServer,
} from './helpers/xds-grpc-support.js';
import { FakeKubeApi } from './helpers/fake-kube-api.js';
import { findKubectl, runKubectl } from './kube-support.js';

const HOST = ECHO_HOST;
const PORT = ECHO_PORT;

const echoConfig = echoService;

function virtualService(subset: string): string {
  return `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: echo, namespace: default }
spec:
  hosts: [${HOST}]
  http:
    - match: [{ headers: { x-user: { exact: canary } } }]
      route: [{ destination: { host: ${HOST}, subset: v2 } }]
    - route: [{ destination: { host: ${HOST}, subset: ${subset} } }]
`;
}

function startControlPlane(kubeconfig: string): Promise<{
  proc: ChildProcessWithoutNullStreams;
  port: number;
  log: string[];
}> {
  const proc = spawn(process.execPath, [
    CLI,
    'control-plane',
    '--kubeconfig',
    kubeconfig,
    '--xds-port',
    '0',
  ]);
  const log: string[] = [];
  let port = 0;
  return new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout }).on('line', (line) => {
      log.push(line);
      const m = /xDS \(ADS\) listening on 127\.0\.0\.1:(\d+)/.exec(line);
      if (m) port = Number(m[1]);
      if (line.startsWith('kube: synced') && port) resolve({ proc, port, log });
    });
    proc.stderr.on('data', (d: Buffer) => log.push(d.toString()));
    proc.on('exit', (code) => reject(new Error(`control-plane exited ${code}: ${log.join('\n')}`)));
  });
}

const kubectl = findKubectl('1.32') ?? 'kubectl';
const noKubectl =
  spawnSync(kubectl, ['version', '--client'], { encoding: 'utf8' }).status === 0
    ? false
    : 'kubectl is not installed (looked for kubectl.1.32 and kubectl on PATH)';
if (noKubectl) console.log(`# skip: ${noKubectl}`);

test(
  'control-plane --kubeconfig routes a grpc-js-xds client by a VirtualService applied with kubectl to switchyard up',
  { skip: noKubectl },
  async () => {
    const v1 = await startEchoServer('v1');
    const v2 = await startEchoServer('v2');
    const mesh = await startMesh(['--xds-port', '0']);
    const kubeconfig = /export KUBECONFIG=(\S+)/.exec(mesh.output())?.[1] ?? '';
    assert.ok(kubeconfig, mesh.output());
    const home = mkdtempSync(join(tmpdir(), 'switchyard-kubectl-'));
    const env = { ...process.env, KUBECONFIG: kubeconfig, HOME: home };
    const apply = async (yaml: string) => {
      const r = await runKubectl(kubectl, ['apply', '-f', '-'], env, yaml);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    let cp: Awaited<ReturnType<typeof startControlPlane>> | undefined;
    let client: ReturnType<typeof startClient> | undefined;
    let mesh2: Awaited<ReturnType<typeof startMesh>> | undefined;
    try {
      await apply(echoConfig(v1.port, v2.port) + '---' + virtualService('v1'));
      cp = await startControlPlane(kubeconfig);
      client = startClient(cp.port, `xds:///${HOST}:${PORT}`);
      // The first call waits for LDS -> RDS -> CDS -> EDS from the control plane.
      assert.deepEqual(await client.count(20), { v1: 20 }, cp.log.join('\n'));
      assert.deepEqual(await client.count(10, { 'x-user': 'canary' }), { v2: 10 });
      // kubectl changes the VirtualService on the first Switchyard; the watch brings it to the second,
      // which pushes RDS; the same client follows without reconnecting.
      assert.match(
        await apply(virtualService('v2')),
        /virtualservice.networking.istio.io\/echo configured/,
      );
      let last: Record<string, number> = {};
      for (let round = 0; round < 200; round++) {
        last = await client.count(10);
        if (last.v2 === 10) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(last, { v2: 10 }, cp.log.join('\n'));
      // `up --kubeconfig`: a second local mesh takes its Istio config from the first one's API and
      // follows it; its own proxies compile it.
      mesh2 = await startMesh(['--kubeconfig', kubeconfig, '--xds-port', '0']);
      const vsYaml = () => mesh2!.cli(['get', 'virtualservice', 'echo', '-o', 'yaml']);
      assert.match(vsYaml().stdout, /subset: v2/, mesh2.output());
      await apply(virtualService('v1'));
      for (let i = 0; i < 400 && !/subset: v1/.test(vsYaml().stdout); i++)
        await new Promise((r) => setTimeout(r, 50));
      assert.match(vsYaml().stdout, /subset: v1/);
      const del = await runKubectl(kubectl, ['delete', 'virtualservice', 'echo'], env);
      assert.equal(del.code, 0, del.stderr);
      for (let i = 0; i < 400 && vsYaml().status === 0; i++)
        await new Promise((r) => setTimeout(r, 50));
      assert.notEqual(vsYaml().status, 0, 'deleted on the cluster, gone here');
      // The API server goes away: the control plane says so once and keeps serving the last config.
      await mesh.stop();
      const log = cp.log;
      for (let i = 0; i < 400 && !log.some((l) => l.startsWith('kube: lost ')); i++)
        await new Promise((r) => setTimeout(r, 50));
      assert.ok(
        log.some((l) => l.startsWith('kube: lost ')),
        log.join('\n'),
      );
      // The VirtualService was deleted on the cluster: the last config routes the host without it.
      const after = await client.count(10);
      assert.equal((after.v1 ?? 0) + (after.v2 ?? 0), 10, JSON.stringify(after));
      for (let i = 0; i < 400 && !mesh2.output().includes('kube: lost '); i++)
        await new Promise((r) => setTimeout(r, 50));
      assert.match(mesh2.output(), /kube: lost /);
    } finally {
      client?.stop();
      cp?.proc.kill();
      await mesh2?.stop();
      await mesh.stop();
      v1.stop();
      v2.stop();
    }
  },
);

test('control-plane --kubeconfig: -f with it is a usage error; an API server not there yet is waited for', async () => {
  const both = spawnSync(
    process.execPath,
    [CLI, 'control-plane', '-f', 'x.yaml', '--kubeconfig', 'kc', '--xds-port', '0'],
    { encoding: 'utf8' },
  );
  assert.equal(both.status, 64, both.stderr);
  assert.match(both.stderr, /either -f files or --kubeconfig, not both/);
  const missing = spawnSync(
    process.execPath,
    [CLI, 'control-plane', '--kubeconfig', '/nonexistent/kubeconfig', '--xds-port', '0'],
    { encoding: 'utf8' },
  );
  assert.equal(missing.status, 64, missing.stderr);
  assert.match(missing.stderr, /^error: --kubeconfig: /);
  // Port 1: nothing listens there. The control plane serves xDS and waits, saying so once.
  const api = new FakeKubeApi();
  api.port = 1;
  const kubeconfig = api.kubeconfig();
  const proc = spawn(process.execPath, [
    CLI,
    'control-plane',
    '--kubeconfig',
    kubeconfig,
    '--xds-port',
    '0',
  ]);
  const lines: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: proc.stdout }).on('line', (line) => {
        lines.push(line);
        if (line.startsWith('kube: cannot reach http://127.0.0.1:')) resolve();
      });
      proc.on('exit', (code) => reject(new Error(`exited ${code}: ${lines.join('\n')}`)));
    });
    assert.ok(
      lines.some((l) => /^xDS \(ADS\) listening on 127\.0\.0\.1:\d+$/.test(l)),
      lines.join('\n'),
    );
  } finally {
    proc.kill();
  }
});

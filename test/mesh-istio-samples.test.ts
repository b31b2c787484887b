// Issue #12: every Deployment of Istio's samples (bookinfo, httpbin, fortio, sleep, curl, tcp-echo
// with all its ports and prefixes) starts and serves under `up -f`, and again when applied with
// kubectl into the running mesh. tcp-echo's args are istio/istio samples/tcp-echo/src/main.go's:
// the comma-separated ports it listens on, and its prefix (src/mesh/workload-plan.test.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { get, startMesh, type RunningMesh } from './helpers/mesh.js';
import { istioSample, kubectlVersions } from './kube-support.js';

const samples = istioSample();
const kubectlBin = kubectlVersions().find((v) => v.bin)?.bin;
const skip = !samples
  ? 'Istio samples (../shared/conformance/istio-samples) are absent'
  : !kubectlBin
    ? 'no kubectl 1.27 or 1.33 installed'
    : false;
if (skip) console.log(`# skip: ${skip}`);

const file = (...parts: string[]) => join(samples ?? '', ...parts);
const ALL = [
  file('bookinfo', 'platform', 'kube', 'bookinfo.yaml'),
  file('httpbin', 'httpbin.yaml'),
  file('httpbin', 'sample-client', 'fortio-deploy.yaml'),
  file('sleep', 'sleep.yaml'),
  file('curl', 'curl.yaml'),
  file('tcp-echo', 'tcp-echo-services.yaml'),
];

let mesh: RunningMesh | undefined;
before(async () => {
  if (!skip) mesh = await startMesh([...ALL.flatMap((f) => ['-f', f]), '--no-watch']);
});
after(async () => {
  await mesh?.stop();
});

function kubectl(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectlBin!, args, {
      env: { ...process.env, KUBECONFIG: join(mesh!.home, 'kubeconfig'), HOME: mesh!.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

async function ok(args: string[]): Promise<string> {
  const r = await kubectl(args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}\n${r.out}`);
  return r.out;
}

interface ProxyInfo {
  name: string;
  listeners: string[];
  outbound?: string;
}

async function proxies(): Promise<ProxyInfo[]> {
  return (JSON.parse((await get(`${mesh!.admin}/proxies`)).body) as { items: ProxyInfo[] }).items;
}

/** Every sample serves: HTTP through the client's sidecar, tcp-echo on each declared port. */
async function assertServing(): Promise<void> {
  await ok(['wait', '--for=condition=ready', 'pod', '--all', '--timeout=90s']);
  const all = await proxies();
  const sleep = all.find((p) => p.name.startsWith('sleep-'))!;
  for (const [host, path, expect] of [
    ['productpage:9080', '/productpage', /Comedy of Errors/],
    ['httpbin:8000', '/get', /"url"/],
    ['reviews:9080', '/reviews/0', /Reviewer1/],
  ] as const) {
    const r = await get(`http://${sleep.outbound}${path}`, { host });
    assert.equal(r.status, 200, `${host}${path}: ${r.body}`);
    assert.match(r.body, expect);
  }
  // tcp-echo answers on both its TCP ports (`tcp`, `tcp-other`) through the sleep pod's sidecar,
  // as Istio's TCP traffic-shifting task asks it (`(date; sleep 1) | nc tcp-echo 9000`), v1 with
  // prefix `one`, v2 with `two`: 20 connections reach both (LEAST_REQUEST picks at random among
  // idle hosts; all 20 on one version is a 2-in-a-million event).
  for (const port of [9000, 9001]) {
    const out = await ok([
      'exec',
      'deploy/sleep',
      '--',
      'sh',
      '-c',
      `for i in $(seq 1 20); do date | nc tcp-echo ${port}; done`,
    ]);
    const prefixes = new Set(out.match(/^(one|two) /gm)?.map((p) => p.trim()));
    assert.deepEqual([...prefixes].sort(), ['one', 'two'], `tcp-echo:${port}: ${out}`);
  }
  // tcp-echo v1 and v2 are Ready: their processes listen on the ports of their first argument
  // (the readiness probe connects to 9000); each pod's sidecar has an inbound socket per port.
  for (const version of ['v1', 'v2']) {
    const p = all.find((x) => x.name.startsWith(`tcp-echo-${version}-`))!;
    for (const port of [9000, 9001])
      assert.ok(
        p.listeners.some((l) => l.startsWith(`inbound ${port} -> `)),
        JSON.stringify(p),
      );
  }
}

test('every Deployment of Istio samples starts and serves under up -f', { skip }, async () => {
  const deployments = await ok(['get', 'deploy', '-o', 'name']);
  for (const d of [
    'productpage-v1',
    'httpbin',
    'fortio-deploy',
    'sleep',
    'curl',
    'tcp-echo-v1',
    'tcp-echo-v2',
  ])
    assert.match(deployments, new RegExp(`deployment.apps/${d}\\n`));
  await assertServing();
});

test(
  'deleted and applied again with kubectl into the running mesh, they serve again',
  { skip },
  async () => {
    const again = [file('httpbin', 'httpbin.yaml'), file('tcp-echo', 'tcp-echo-services.yaml')];
    for (const f of again) await ok(['delete', '-f', f, '--wait=true']);
    await ok(['wait', '--for=delete', 'pod', '-l', 'app=tcp-echo', '--timeout=60s']);
    for (const f of again) await ok(['apply', '-f', f]);
    for (const d of ['httpbin', 'tcp-echo-v1', 'tcp-echo-v2'])
      await ok(['rollout', 'status', `deploy/${d}`, '--timeout=90s']);
    await assertServing();
  },
);

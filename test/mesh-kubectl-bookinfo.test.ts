// Issue #11's acceptance: `switchyard up --demo bookinfo`, then Istio's Bookinfo traffic-management
// lab exactly as istio.io writes it, with the user's own kubectl (1.27 and 1.33) pointed at the
// kubeconfig `up` writes: apply the samples, route to v1, 80/20, patch, delete, wait.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { get, startMesh, type RunningMesh } from './helpers/mesh.js';
import { istioSample, kubectlVersions, runKubectl, type KubeRun } from './kube-support.js';
import { assertBinomial } from './helpers/binomial.js';

let mesh: RunningMesh | undefined;
const versions = kubectlVersions().filter((v) => v.bin);
const samples = istioSample('bookinfo', 'networking');
const skip =
  versions.length === 0
    ? 'no kubectl 1.27 or 1.33 installed'
    : samples
      ? false
      : 'Istio samples (/work/shared/conformance/istio-samples) are absent';
if (skip) console.log(`# skip: ${skip}`);

before(async () => {
  if (!skip) mesh = await startMesh();
});
after(async () => {
  await mesh?.stop();
});

function kubectl(bin: string, args: string[]): Promise<KubeRun> {
  const m = mesh!;
  return runKubectl(bin, args, {
    ...process.env,
    KUBECONFIG: join(m.home, 'kubeconfig'),
    HOME: m.home,
  });
}

async function ok(bin: string, args: string[]): Promise<string> {
  const r = await kubectl(bin, args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

async function starShare(n: number): Promise<number> {
  let stars = 0;
  for (let i = 0; i < n; i++) {
    const r = await get(`${mesh!.gateway}/productpage`);
    assert.equal(r.status, 200);
    if (r.body.includes('glyphicon glyphicon-star')) stars++;
  }
  return stars / n;
}

test(
  'up writes a 0600 kubeconfig under $SWITCHYARD_HOME and prints the export line',
  { skip },
  () => {
    const path = join(mesh!.home, 'kubeconfig');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.ok(mesh!.output().includes(`export KUBECONFIG=${path}`), mesh!.output());
  },
);

for (const { version, bin } of versions) {
  test(`kubectl ${version}: the Bookinfo lab as istio.io writes it`, { skip }, async () => {
    const k = bin!;
    const net = (f: string) => join(samples!, f);
    // The demo's workloads are Deployments whose pods run: Available, and listed as Pods.
    assert.match(
      await ok(k, ['wait', '--for=condition=Available', 'deployment/reviews-v1', '--timeout=60s']),
      /deployment\.apps\/reviews-v1 condition met/,
    );
    assert.match(await ok(k, ['get', 'pods', '-l', 'app=reviews']), /Running/);
    // Request routing: all traffic to v1.
    await ok(k, ['apply', '-f', net('destination-rule-all.yaml')]);
    assert.match(
      await ok(k, ['apply', '-f', net('virtual-service-all-v1.yaml')]),
      /virtualservice\.networking\.istio\.io\/reviews (created|configured)/,
    );
    assert.equal(await starShare(10), 0);
    // Traffic shifting: 80/20 (the seed does not fix the order of draws across concurrent calls).
    await ok(k, ['apply', '-f', net('virtual-service-reviews-80-20.yaml')]);
    const share = await starShare(200);
    assertBinomial(Math.round(share * 200), 200, 0.2, 'pages with stars at 80/20');
    // A merge patch sends everything to v2 (stars on every page).
    await ok(k, [
      'patch',
      'virtualservice',
      'reviews',
      '--type',
      'merge',
      '-p',
      '{"spec":{"http":[{"route":[{"destination":{"host":"reviews","subset":"v2"}}]}]}}',
    ]);
    assert.equal(await starShare(10), 1);
    // Cleanup as the lab ends it: delete, and wait for the deletion.
    const waiting = kubectl(k, ['wait', '--for=delete', 'virtualservice/reviews', '--timeout=60s']);
    await ok(k, ['delete', '-f', net('virtual-service-all-v1.yaml')]);
    const w = await waiting;
    // Whether wait saw the deletion or found the object gone, it succeeds (kubectl wait --for=delete).
    assert.equal(w.code, 0, w.stderr);
    assert.match(await ok(k, ['get', 'vs']), /^NAME\s+GATEWAYS\s+HOSTS\s+AGE\nbookinfo\s/m);
  });
}

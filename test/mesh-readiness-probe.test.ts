// Issue #12: a failing readinessProbe as a cluster shows it, with real kubectl: the pod stays not
// ready (READY 1/2: istio-proxy ready, the app not), `kubectl get events` and `kubectl describe pod`
// show the kubelet's `Warning Unhealthy ... Readiness probe failed: HTTP probe failed with
// statuscode: 503` (kubernetes pkg/kubelet/prober/prober.go, pkg/probe/http/http.go), and a probe
// fixed by a patch rolls out a pod that becomes ready.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startMesh, type RunningMesh } from './helpers/mesh.js';
import { kubectlVersions, runKubectl } from './kube-support.js';

const fixture = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'kubelet');
const kubectlBin = kubectlVersions().find((v) => v.bin)?.bin;
const skip = kubectlBin ? false : 'no kubectl 1.27 or 1.33 installed';

let mesh: RunningMesh | undefined;
before(async () => {
  if (!skip) mesh = await startMesh(['-f', join(fixture, 'httpbin-deploy.yaml'), '--no-watch']);
});
after(async () => {
  await mesh?.stop();
});

async function kubectl(...args: string[]): Promise<string> {
  const env = { ...process.env, KUBECONFIG: join(mesh!.home, 'kubeconfig'), HOME: mesh!.home };
  const r = await runKubectl(kubectlBin!, args, env);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

const UNHEALTHY =
  /Warning\s+Unhealthy\s+.*Readiness probe failed: HTTP probe failed with statuscode: 503/;

test(
  'a failing readinessProbe: not ready, Warning Unhealthy events, ready once fixed',
  { skip },
  async () => {
    await kubectl('apply', '-f', join(fixture, 'readiness-probe.yaml'));
    // The prober runs every second: wait for the event itself, not for a time.
    let events = '';
    for (let i = 0; i < 100 && !UNHEALTHY.test(events); i++) {
      events = await kubectl('get', 'events');
      if (!UNHEALTHY.test(events)) await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(events, UNHEALTHY);
    assert.match(events, /pod\/flaky-\S+\s+Readiness probe failed/);
    const pods = await kubectl('get', 'pods', '-l', 'app=flaky');
    assert.match(pods, /^flaky-\S+\s+1\/2\s+Running\s/m);
    const describe = await kubectl('describe', 'pod', '-l', 'app=flaky');
    assert.match(
      describe,
      /Readiness:\s+http-get http:\/\/:http\/status\/503 delay=0s timeout=1s period=1s #success=1 #failure=1/,
    );
    assert.match(describe, /^\s+Ready\s+False\s*$/m);
    assert.match(describe, UNHEALTHY);
    // Not ready: no endpoint for the Service, as kube-proxy and Istio both leave it out.
    const ready = await kubectl(
      'get',
      'endpoints',
      'flaky',
      '-o',
      'jsonpath={.subsets[*].addresses[*].ip}',
    );
    assert.equal(ready, '');
    // A probe that asks for a 200: the new pod is ready and the rollout completes.
    await kubectl(
      'patch',
      'deploy',
      'flaky',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/template/spec/containers/0/readinessProbe/httpGet/path","value":"/status/200"}]',
    );
    await kubectl('rollout', 'status', 'deploy/flaky', '--timeout=60s');
    assert.match(await kubectl('get', 'pods', '-l', 'app=flaky'), /^flaky-\S+\s+2\/2\s+Running\s/m);
  },
);

// Issue #12: the classic "my VirtualService is ignored" mistake, reproduced with real kubectl. A
// namespace created without `istio-injection=enabled` runs its pods without a sidecar (1/1 READY);
// their calls go straight to the Service, so a VirtualService that aborts every request with 418
// for sidecar clients never touches them; `switchyard analyze` against the running mesh says why
// (IST0102 NamespaceNotInjected, istio/istio pkg/config/analysis/msg/messages.yaml); labelling the
// namespace and restarting the Deployment fixes it, as Istio's docs say.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startMesh, type RunningMesh } from './helpers/mesh.js';
import { kubectlVersions, runKubectl } from './kube-support.js';

const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures');
const kubectlBin = kubectlVersions().find((v) => v.bin)?.bin;
const skip = kubectlBin ? false : 'no kubectl 1.27 or 1.33 installed';

let mesh: RunningMesh | undefined;
before(async () => {
  if (skip) return;
  mesh = await startMesh([
    '-f',
    join(fixtures, 'uninjected', 'web.yaml'),
    '-f',
    join(fixtures, 'tcp-echo', 'curl.yaml'),
    '--no-watch',
  ]);
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

const code = (ns: string) =>
  kubectl(
    'exec',
    '-n',
    ns,
    'deploy/curl',
    '-c',
    'curl',
    '--',
    'curl',
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    'http://web.default:8000/get',
  );

test(
  'an uninjected namespace: no sidecar, the VirtualService ignored, IST0102 from analyze',
  { skip },
  async () => {
    await kubectl('create', 'namespace', 'legacy');
    await kubectl('apply', '-n', 'legacy', '-f', join(fixtures, 'tcp-echo', 'curl.yaml'));
    await kubectl(
      'wait',
      '-n',
      'legacy',
      '--for=condition=ready',
      'pod',
      '-l',
      'app=curl',
      '--timeout=60s',
    );
    await kubectl('wait', '--for=condition=ready', 'pod', '--all', '--timeout=60s');
    // One container, no istio-proxy: READY 1/1 (the injected default namespace's client is 2/2).
    assert.match(await kubectl('get', 'pods', '-n', 'legacy'), /^curl-\S+\s+1\/1\s+Running\s/m);
    assert.match(await kubectl('get', 'pods', '-l', 'app=curl'), /^curl-\S+\s+2\/2\s+Running\s/m);
    assert.equal(
      await kubectl(
        'get',
        'pods',
        '-n',
        'legacy',
        '-o',
        'jsonpath={.items[0].spec.containers[*].name}',
      ),
      'curl',
    );
    // The sidecar client gets the VirtualService's abort; the uninjected one reaches the app.
    assert.equal(await code('default'), '418');
    assert.equal(await code('legacy'), '200');
    // istioctl analyze's answer, from the running mesh.
    const analyzed = mesh!.cli(['analyze', '-A']);
    assert.match(
      analyzed.stdout + analyzed.stderr,
      /Info \[IST0102\] \(Namespace legacy\) The namespace is not enabled for Istio injection\. Run 'kubectl label namespace legacy istio-injection=enabled' to enable it/,
    );
    // The fix: label the namespace; pods already running keep their shape until replaced.
    await kubectl('label', 'namespace', 'legacy', 'istio-injection=enabled');
    assert.equal(await code('legacy'), '200');
    await kubectl('rollout', 'restart', '-n', 'legacy', 'deploy/curl');
    await kubectl('rollout', 'status', '-n', 'legacy', 'deploy/curl', '--timeout=60s');
    assert.match(await kubectl('get', 'pods', '-n', 'legacy'), /^curl-\S+\s+2\/2\s+Running\s/m);
    assert.equal(await code('legacy'), '418');
    assert.doesNotMatch(mesh!.cli(['analyze', '-A']).stdout, /IST0102\] \(Namespace legacy\)/);
  },
);

// Issue #12 items 4-6 end to end: `switchyard up --demo bookinfo`, then the user's own kubectl (1.27
// and 1.33) execs into Bookinfo's pods, reads their logs and port-forwards to them, as Istio's tasks do
// (`kubectl exec deploy/... -- fortio load ...`, `kubectl port-forward svc/productpage 9080:9080`).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { get, startMesh, type RunningMesh } from './helpers/mesh.js';
import { kubectlVersions } from './kube-support.js';

let mesh: RunningMesh | undefined;
const versions = kubectlVersions();
const anyKubectl = versions.some((v) => v.bin);

before(async () => {
  if (anyKubectl) mesh = await startMesh();
});
after(async () => {
  await mesh?.stop();
});

function kubectl(
  bin: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const m = mesh!;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      env: { ...process.env, KUBECONFIG: join(m.home, 'kubeconfig'), HOME: m.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function podNamed(bin: string, prefix: string): Promise<string> {
  const r = await kubectl(bin, ['get', 'pods', '-o', 'name']);
  const name = r.stdout
    .split('\n')
    .map((l) => l.replace(/^pod\//, ''))
    .find((n) => n.startsWith(prefix));
  assert.ok(name, `no pod ${prefix}* in:\n${r.stdout}`);
  return name;
}

for (const { version, bin, skip } of versions) {
  describe(`kubectl ${version} against up --demo bookinfo`, { skip }, () => {
    const k = bin!;

    // The command runs with the pod's env: its call leaves through the ratings sidecar, which routes
    // it (reviews answers), and that sidecar's access log (`logs -c istio-proxy`) shows the call.
    test('exec curl from a pod, then its sidecar access log shows the call', async () => {
      const ratings = await podNamed(k, 'ratings-v1');
      const r = await kubectl(k, [
        'exec',
        ratings,
        '-c',
        'ratings-v1',
        '--',
        'curl',
        '-s',
        '-w',
        '\\n%{http_code}\\n',
        'http://reviews:9080/reviews/0',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /"id": ?"0"/);
      assert.match(r.stdout, /\n200\n$/);
      const log = await kubectl(k, ['logs', ratings, '-c', 'istio-proxy', '--tail', '20']);
      assert.equal(log.code, 0, log.stderr);
      assert.match(log.stdout, /"GET \/reviews\/0 HTTP\/1\.1" 200/);
    });

    // kubectl resolves deploy/NAME to its first pod by the Deployment's selector.
    test('exec deploy/NAME fortio load shows Code 200 : 30; exit codes propagate', async () => {
      const r = await kubectl(k, [
        'exec',
        'deploy/ratings-v1',
        '--',
        'fortio',
        'load',
        '-c',
        '3',
        '-qps',
        '0',
        '-n',
        '30',
        'http://reviews:9080/reviews/0',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Code 200 : 30 \(100\.0 %\)$/m);
      const exit = await kubectl(k, ['exec', 'deploy/ratings-v1', '--', 'sh', '-c', 'exit 7']);
      assert.equal(exit.code, 7);
      assert.match(exit.stderr, /command terminated with exit code 7/);
    });

    // port-forward svc/NAME: Service -> a pod -> targetPort, reaching the app directly.
    test('port-forward svc/productpage serves the product page on localhost', async () => {
      const child = spawn(k, ['port-forward', 'svc/productpage', ':9080'], {
        env: { ...process.env, KUBECONFIG: join(mesh!.home, 'kubeconfig'), HOME: mesh!.home },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const closed = new Promise<void>((r) => child.on('close', () => r()));
      try {
        const local = await new Promise<number>((resolve, reject) => {
          let out = '';
          child.stdout.setEncoding('utf8').on('data', (d: string) => {
            out += d;
            const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
            if (m) resolve(Number(m[1]));
          });
          child.on('close', (code) => reject(new Error(`port-forward exited ${code}: ${err}`)));
        });
        const page = await get(`http://127.0.0.1:${local}/productpage`);
        assert.equal(page.status, 200);
        assert.match(page.body, /Simple Bookstore App|Book Details/);
      } finally {
        child.kill('SIGTERM');
        await closed;
      }
    });
  });
}

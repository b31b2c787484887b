// Issue #12 items 4-6 end to end: `switchyard up --demo bookinfo`, then the user's own kubectl (1.27
// and 1.33) execs into Bookinfo's pods, reads their logs and port-forwards to them, as Istio's tasks do
// (`kubectl exec deploy/... -- fortio load ...`, `kubectl port-forward svc/productpage 9080:9080`).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI, get, startMesh, type RunningMesh } from './helpers/mesh.js';
import { kubectlVersions, runKubectl, type KubeRun } from './kube-support.js';

let mesh: RunningMesh | undefined;
const versions = kubectlVersions();

before(async () => {
  mesh = await startMesh();
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
        'ratings',
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

/** `switchyard VERB --server ADMIN ARGS...` (flags before `--`, which ends exec's own options). */
function switchyard(args: string[]): { status: number; stdout: string; stderr: string } {
  const [verb = '', ...rest] = args;
  const r = spawnSync(process.execPath, [CLI, verb, '--server', mesh!.admin, ...rest], {
    env: { ...process.env, SWITCHYARD_HOME: mesh!.home },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

// The same kube paths through switchyard's own verbs (kubectl's flags and messages).
describe('switchyard exec, logs, port-forward', () => {
  test('exec deploy/NAME: output, "Defaulted container", exit codes', () => {
    const r = switchyard([
      'exec',
      'deploy/ratings-v1',
      '--',
      'curl',
      '-s',
      'http://reviews:9080/reviews/0',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /"id": ?"0"/);
    assert.match(r.stderr, /^Defaulted container "ratings" out of: ratings, istio-proxy$/m);
    const exit = switchyard([
      'exec',
      'deploy/ratings-v1',
      '-c',
      'ratings',
      '--',
      'sh',
      '-c',
      'exit 5',
    ]);
    assert.equal(exit.status, 5);
    assert.equal(exit.stderr, 'command terminated with exit code 5\n');
    const missing = switchyard(['exec', 'no-such-pod', '--', 'hostname']);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, 'Error from server (NotFound): pods "no-such-pod" not found\n');
  });

  test('logs deploy/NAME -c istio-proxy --tail N: the sidecar access log', () => {
    switchyard(['exec', 'deploy/ratings-v1', '--', 'curl', '-s', 'http://reviews:9080/reviews/1']);
    const r = switchyard(['logs', 'deploy/ratings-v1', '-c', 'istio-proxy', '--tail', '5']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /"GET \/reviews\/1 HTTP\/1\.1" 200/);
    assert.ok(r.stdout.trimEnd().split('\n').length <= 5, r.stdout);
  });

  test('port-forward svc/productpage :9080 serves the product page', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'port-forward', '--server', mesh!.admin, 'svc/productpage', ':9080'],
      { env: { ...process.env, SWITCHYARD_HOME: mesh!.home }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const closed = new Promise<void>((r) => child.on('close', () => r()));
    try {
      const local = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 9080/.exec(out);
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

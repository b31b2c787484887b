// kubectl exec / logs / port-forward, oldest and newest kubectl, against the real admin server serving
// a PodRuntime of real sockets (test/helpers/pod-fixture.ts). kubectl 1.27 speaks SPDY/3.1 for exec
// and port-forward; 1.33 speaks WebSocket v5.channel.k8s.io for exec and SPDY tunnelled in WebSocket
// for port-forward (client-go tools/remotecommand/websocket.go, tools/portforward/tunneling_dialer.go).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { connect } from 'node:net';
import { SpdySession } from '../src/kube/spdy/session.js';
import { ConfigStore } from '../src/config/index.js';
import { kubectlVersions, startKubeServer, type KubeServer } from './kube-support.js';
import {
  fixturePod,
  startPodFixture,
  type FixturePod,
  type PodFixture,
} from './helpers/pod-fixture.js';

let fixture: PodFixture;
let kube: KubeServer;
let pod: FixturePod;

before(async () => {
  fixture = await startPodFixture();
  pod = fixturePod(fixture, 'reviews-v1-5b8d6cf9c4-x7k2p');
  const pending = fixturePod(fixture, 'pending-pod');
  pending.phase = 'Pending';
  for (const c of pending.containers) c.running = false;
  kube = await startKubeServer(new ConfigStore());
  kube.admin.pods.setRuntime(fixture.runtime);
  kube.admin.kube.objects.setRuntime({
    pods: () => [...fixture.pods.values()].map((p) => fixture.podObject(p)),
  });
  const app = pod.containers[0]!;
  app.log('reviews started', new Date('2026-01-01T00:00:01Z'));
  app.log('GET /reviews/0 200', new Date('2026-01-01T00:00:02Z'));
  pod.containers[1]!.log(
    '[2026-01-01T00:00:02.000Z] "GET /reviews/0 HTTP/1.1" 200 - via_upstream - "-" 0 295 3 2 "-" "curl/8.11.1" "id" "reviews:9080" "127.0.0.1:9080" inbound|9080|| - - - -',
  );
});

after(async () => {
  await kube?.admin.close();
  await fixture?.close();
});

function httpGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** Runs `kubectl port-forward ... :PORT`, returns the local port it printed and a stop(). */
function portForward(
  bin: string,
  args: string[],
): Promise<{ local: number; stop: () => Promise<{ stderr: string }> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args], {
      env: { ...process.env, KUBECONFIG: kube.kubeconfig, HOME: process.env.HOME ?? '/tmp' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const closed = new Promise<void>((r) => child.on('close', () => r()));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
      if (m)
        resolve({
          local: Number(m[1]),
          stop: async () => {
            child.kill('SIGTERM');
            await closed;
            return { stderr: err };
          },
        });
    });
    child.on('close', (code) => reject(new Error(`port-forward exited ${code}: ${err}`)));
  });
}

for (const { version, bin, skip } of kubectlVersions()) {
  describe(`kubectl ${version}: exec, logs, port-forward`, { skip }, () => {
    const kubectl = bin!;

    // kubelet remotecommand: stdout streamed back; the command runs with the container's env, so an
    // http:// call leaves through HTTP_PROXY (the pod's sidecar), as the app's calls do.
    test('exec curl goes through the pod sidecar and prints the body', async () => {
      const r = await kube.run(kubectl, [
        'exec',
        pod.name,
        '-c',
        'app',
        '--',
        'curl',
        '-s',
        'http://reviews:9080/reviews/0',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'sidecar routed GET http://reviews:9080/reviews/0\n');
      // 1.27 upgrades to SPDY/3.1; 1.30+ to WebSocket v5.channel.k8s.io first.
      const expected =
        version === '1.27' ? 'spdy v4.channel.k8s.io' : 'websocket v5.channel.k8s.io';
      assert.ok(
        (kube.admin.pods.served.get(expected) ?? 0) > 0,
        [...kube.admin.pods.served.keys()].join(),
      );
    });

    // pkg/kubelet/cri/streaming/remotecommand/exec.go: a non-zero exit is a NonZeroExitCode Status with
    // the ExitCode cause; kubectl exits with it and says "command terminated with exit code N".
    test('exec propagates the exit code', async () => {
      const r = await kube.run(kubectl, [
        'exec',
        pod.name,
        '-c',
        'app',
        '--',
        'sh',
        '-c',
        'echo out; exit 3',
      ]);
      assert.equal(r.code, 3);
      assert.equal(r.stdout, 'out\n');
      assert.match(r.stderr, /command terminated with exit code 3/);
    });

    // stdin: v5's CLOSE signal ([255, 0]) or SPDY's FIN ends the command's input.
    test('exec -i passes stdin to the command', async () => {
      const r = await kube.run(
        kubectl,
        ['exec', '-i', pod.name, '-c', 'app', '--', 'cat'],
        'from stdin\n',
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'from stdin\n');
    });

    test('exec of an unknown command: 127 and "command not found"', async () => {
      const r = await kube.run(kubectl, ['exec', pod.name, '-c', 'app', '--', 'wget', 'x']);
      assert.equal(r.code, 127);
      assert.match(r.stderr, /wget: command not found/);
    });

    test('exec curl -w and a loop as Istio tasks write them', async () => {
      const r = await kube.run(kubectl, [
        'exec',
        pod.name,
        '-c',
        'app',
        '--',
        'sh',
        '-c',
        'for i in $(seq 1 3); do curl -s -o /dev/null -w "%{http_code}\\n" http://ratings:9080/ratings/0; done',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '200\n200\n200\n');
    });

    test('exec env, hostname and cat of a pod file', async () => {
      const env = await kube.run(kubectl, ['exec', pod.name, '-c', 'app', '--', 'env']);
      assert.match(
        env.stdout,
        new RegExp(`^HTTP_PROXY=http://127\\.0\\.0\\.1:${fixture.sidecarPort}$`, 'm'),
      );
      const host = await kube.run(kubectl, ['exec', pod.name, '-c', 'app', '--', 'hostname']);
      assert.equal(host.stdout, `${pod.name}\n`);
      const cat = await kube.run(kubectl, [
        'exec',
        pod.name,
        '-c',
        'app',
        '--',
        'cat',
        '/etc/certs/root-cert.pem',
      ]);
      assert.equal(cat.stdout, '-----BEGIN CERTIFICATE-----\nfixture\n');
      const missing = await kube.run(kubectl, [
        'exec',
        pod.name,
        '-c',
        'app',
        '--',
        'cat',
        '/nope',
      ]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /cat: \/nope: No such file or directory/);
    });

    test('exec fortio load prints fortio report with Code 200 lines', async () => {
      const r = await kube.run(kubectl, [
        'exec',
        pod.name,
        '-c',
        'app',
        '--',
        'fortio',
        'load',
        '-c',
        '3',
        '-qps',
        '0',
        '-n',
        '30',
        '-loglevel',
        'Warning',
        'http://reviews:9080/reviews/0',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Code 200 : 30 \(100\.0 %\)$/m);
    });

    // The kubelet ends the exec'd process when the client's connection goes (kubectl killed).
    test('a client that goes away kills its command', async () => {
      const child = spawn(kubectl, ['exec', pod.name, '-c', 'app', '--', 'sleep', '600'], {
        env: { ...process.env, KUBECONFIG: kube.kubeconfig, HOME: process.env.HOME ?? '/tmp' },
        stdio: 'ignore',
      });
      const closed = new Promise<void>((r) => child.on('close', () => r()));
      while (kube.admin.pods.activeExecs === 0) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGKILL');
      await closed;
      while (kube.admin.pods.activeExecs > 0) await new Promise((r) => setTimeout(r, 20));
    });

    // Bad input: pkg/registry/core/pod/strategy.go (NotFound from GET), kubelet GetExec "container
    // not found" answered as the upgrade's failure.
    test('exec into a missing pod is NotFound; into a pod not running, container not found', async () => {
      const missing = await kube.run(kubectl, ['exec', 'nope', '--', 'hostname']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /Error from server \(NotFound\): pods "nope" not found/);
      const pending = await kube.run(kubectl, [
        'exec',
        'pending-pod',
        '-c',
        'app',
        '--',
        'hostname',
      ]);
      assert.equal(pending.code, 1);
      assert.match(pending.stderr, /unable to upgrade connection: container not found \("app"\)/);
    });

    test('logs: the container output, --tail, --timestamps, -c istio-proxy', async () => {
      const all = await kube.run(kubectl, ['logs', pod.name, '-c', 'app']);
      // (logs -f of an earlier kubectl may have appended lines since)
      assert.ok(all.stdout.startsWith('reviews started\nGET /reviews/0 200\n'), all.stdout);
      // --since-time keeps the two fixed lines only; --tail 1 the last of them.
      const tail = await kube.run(kubectl, [
        'logs',
        pod.name,
        '-c',
        'app',
        '--timestamps',
        '--since-time',
        '2026-01-01T00:00:00Z',
      ]);
      assert.ok(
        tail.stdout.startsWith(
          '2026-01-01T00:00:01.000000000Z reviews started\n2026-01-01T00:00:02.000000000Z GET /reviews/0 200\n',
        ),
        tail.stdout,
      );
      const last = await kube.run(kubectl, ['logs', pod.name, '-c', 'istio-proxy', '--tail', '1']);
      assert.equal(last.stdout.split('\n').length, 2, last.stdout);
      const proxy = await kube.run(kubectl, ['logs', pod.name, '-c', 'istio-proxy']);
      assert.match(proxy.stdout, /"GET \/reviews\/0 HTTP\/1\.1" 200 - via_upstream/);
      const bad = await kube.run(kubectl, ['logs', pod.name, '-c', 'nope']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /container nope is not valid for pod reviews-v1-5b8d6cf9c4-x7k2p/);
    });

    test('logs -f streams new lines', async () => {
      const app = pod.containers[0]!;
      const before = app.followerCount;
      const waitFollower = (async () => {
        while (app.followerCount === before) await new Promise((r) => setTimeout(r, 20));
        app.log(`followed line ${version}`);
      })();
      const r = await kube.watch(kubectl, ['logs', '-f', pod.name, '-c', 'app'], (out) =>
        out.includes(`followed line ${version}\n`),
      );
      await waitFollower;
      assert.match(r.stdout, new RegExp(`reviews started\\n[\\s\\S]*followed line ${version}\\n`));
    });

    // A cluster's port-forward reaches the pod's port directly (the app), not through a gateway.
    test('port-forward reaches the app port; a port nothing listens on prints the kubelet error', async () => {
      const pf = await portForward(kubectl, ['port-forward', `pod/${pod.name}`, ':9080']);
      try {
        assert.equal(await httpGet(pf.local, '/productpage'), 'app answered GET /productpage\n');
        assert.equal(await httpGet(pf.local, '/second'), 'app answered GET /second\n');
        // 1.27: SPDY upgrade; 1.31+: SPDY tunnelled in WebSocket (tunneling_dialer.go).
        const expected =
          version === '1.27' ? 'spdy portforward.k8s.io' : 'websocket SPDY/3.1+portforward.k8s.io';
        assert.ok(
          (kube.admin.pods.served.get(expected) ?? 0) > 0,
          [...kube.admin.pods.served.keys()].join(),
        );
      } finally {
        await pf.stop();
      }
      const dead = await portForward(kubectl, ['port-forward', `pod/${pod.name}`, ':9999']);
      await httpGet(dead.local, '/').catch(() => '');
      const { stderr } = await dead.stop();
      assert.match(
        stderr,
        // kubectl 1.33 logs it structured, with its quotes escaped
        /error forwarding port 9999 to pod [0-9a-f]{64}, uid : failed to execute portforward in network namespace \\?"\/var\/run\/netns\/cni-[0-9a-f-]+\\?": failed to connect to localhost:9999 inside namespace \\?"[0-9a-f]{64}\\?", IPv4: dial tcp4 127\.0\.0\.1:9999: connect: connection refused/,
      );
    });
  });
}

// A client that exits sends FIN, or RST when it had unread bytes: kubectl 1.27 (SPDY) killed with
// nothing unread left the exec running for its whole 600 s on some runs. FIN alone must end it.
test(
  'an SPDY exec client that half-closes (FIN, no RST) ends its command',
  { timeout: 20_000 },
  async () => {
    const url = new URL(kube.admin.url);
    const sock = connect(Number(url.port), url.hostname);
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write(
      `POST /api/v1/namespaces/default/pods/${pod.name}/exec?command=sleep&command=600&container=app&stdout=true HTTP/1.1\r\n` +
        `Host: ${url.host}\r\nAuthorization: Bearer ${kube.token}\r\nConnection: Upgrade\r\n` +
        'Upgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n',
    );
    let head = '';
    await new Promise<void>((resolve) => {
      const onData = (b: Buffer) => {
        head += b.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        sock.off('data', onData);
        resolve();
      };
      sock.on('data', onData);
    });
    assert.match(head, /^HTTP\/1\.1 101 /);
    const session = new SpdySession(
      { write: (b) => void sock.write(b), end: () => sock.end() },
      () => undefined,
    );
    sock.on('data', (b: Buffer) => session.receive(b));
    session.openStream(new Map([['streamtype', 'error']]));
    session.openStream(new Map([['streamtype', 'stdout']]));
    while (kube.admin.pods.activeExecs === 0) await new Promise((r) => setTimeout(r, 20));
    sock.end(); // FIN; the socket stays open for reading, as a half-closed TCP peer's would
    while (kube.admin.pods.activeExecs > 0) await new Promise((r) => setTimeout(r, 20));
    sock.destroy();
  },
);

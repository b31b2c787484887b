// Issue #12's kubelet with real kubectl (1.27 and 1.33) against `switchyard up --demo bookinfo`:
// a Deployment applied into the running mesh gets pods (Kubernetes names, owner references, status)
// that serve; scale 1 -> 3 -> 1 spreads traffic over the replicas; kill -9 of an app process is a
// restart counted in RESTARTS; delete stops the processes; rollout status and wait return.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { get, startMesh, type RunningMesh } from './helpers/mesh.js';
import { kubectlVersions } from './kube-support.js';
import { fixture } from './helpers/shared.js';

let mesh: RunningMesh | undefined;
const versions = kubectlVersions().filter((v) => v.bin);
const skip = versions.length === 0 ? 'no kubectl 1.27 or 1.33 installed' : false;
if (skip) console.log(`# skip: ${skip}`);

before(async () => {
  if (!skip) mesh = await startMesh();
});
after(async () => {
  await mesh?.stop();
});

function kubectl(bin: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const m = mesh!;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      env: { ...process.env, KUBECONFIG: join(m.home, 'kubeconfig'), HOME: m.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

async function ok(bin: string, args: string[]): Promise<string> {
  const r = await kubectl(bin, args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}\n${r.out}`);
  return r.out;
}

interface PodJson {
  metadata: { name: string; ownerReferences?: { kind: string; name: string }[] };
  status: {
    phase: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; restartCount: number; ready: boolean }[];
  };
}

async function pods(bin: string, selector: string): Promise<PodJson[]> {
  return (
    JSON.parse(await ok(bin, ['get', 'pods', '-l', selector, '-o', 'json'])) as {
      items: PodJson[];
    }
  ).items;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Calls web through productpage's sidecar (the mesh path) and returns which pods answered. */
async function hostsAnswering(n: number): Promise<Set<string>> {
  const proxies = JSON.parse((await get(`${mesh!.admin}/proxies`)).body) as {
    items: { name: string; outbound?: string }[];
  };
  const pp = proxies.items.find((p) => p.name.startsWith('productpage-v1'))!;
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const r = await get(`http://${pp.outbound}/hostname`, { host: 'web:8000' }).catch(
      () => undefined,
    );
    if (r?.status === 200) seen.add(r.body);
  }
  return seen;
}

for (const { version, bin } of versions) {
  test(
    `kubectl ${version}: the kubelet runs, scales, restarts and stops pods`,
    { skip },
    async () => {
      const k = bin!;
      // The demo's pods are API objects with Kubernetes names and status.
      const demo = await pods(k, 'app=reviews');
      assert.equal(demo.length, 3);
      for (const p of demo) {
        assert.match(
          p.metadata.name,
          /^reviews-v\d-[bcdfghjklmnpqrstvwxz2456789]+-[bcdfghjklmnpqrstvwxz2456789]{5}$/,
        );
        assert.equal(p.metadata.ownerReferences?.[0]?.kind, 'ReplicaSet');
        assert.equal(p.status.phase, 'Running');
        assert.match(p.status.podIP ?? '', /^127\./);
        assert.deepEqual(p.status.conditions?.map((c) => `${c.type}=${c.status}`).sort(), [
          'ContainersReady=True',
          'Initialized=True',
          'PodScheduled=True',
          'Ready=True',
        ]);
        assert.deepEqual(
          p.status.containerStatuses?.map((c) => c.name),
          ['istio-proxy', 'reviews'],
        );
      }

      await ok(k, ['apply', '-f', fixture('kubelet', 'httpbin-deploy.yaml')]);
      await ok(k, ['rollout', 'status', 'deploy/web', '--timeout=60s']);
      await ok(k, ['wait', '--for=condition=ready', 'pod', '-l', 'app=web', '--timeout=60s']);
      const table = await ok(k, ['get', 'pods', '-l', 'app=web']);
      assert.match(table, /web-\S+\s+2\/2\s+Running\s+0/);
      await until('web to serve through the mesh', async () =>
        (await hostsAnswering(1)).size === 1 ? true : undefined,
      );

      // Scale 1 -> 3: three pods, and the mesh's round robin reaches every one of them.
      await ok(k, ['scale', 'deploy/web', '--replicas=3']);
      await ok(k, ['rollout', 'status', 'deploy/web', '--timeout=60s']);
      assert.equal((await pods(k, 'app=web')).length, 3);
      const spread = await until('traffic over the 3 replicas', async () => {
        const s = await hostsAnswering(30);
        return s.size === 3 ? s : undefined;
      });
      assert.equal(spread.size, 3);

      // kill -9 of one app process: the kubelet restarts it at once and RESTARTS counts it.
      const proxies = JSON.parse((await get(`${mesh!.admin}/proxies`)).body) as {
        items: { name: string; pid?: number }[];
      };
      const victim = proxies.items.find((p) => p.name.startsWith('web-'))!;
      process.kill(victim.pid!, 'SIGKILL');
      const podName = victim.name.split('.')[0]!;
      await until('the restart to be counted', async () => {
        const out = await ok(k, ['get', 'pod', podName, '--no-headers']);
        return /\s2\/2\s+Running\s+1\s/.test(out) ? out : undefined;
      });

      // Scale 3 -> 1, then delete: processes stop and their ports are freed.
      await ok(k, ['scale', 'deploy/web', '--replicas=1']);
      await until('one web pod', async () =>
        (await pods(k, 'app=web')).length === 1 ? true : undefined,
      );
      await ok(k, ['delete', 'deploy/web']);
      await until('no web pods', async () =>
        (await pods(k, 'app=web')).length === 0 ? true : undefined,
      );
      await until('the web processes to be gone', async () => {
        try {
          process.kill(victim.pid!, 0);
        } catch {
          return true;
        }
        return undefined;
      });
    },
  );
}

test(
  'an unknown image without a command waits in Pending with an Event saying what to add',
  { skip },
  async () => {
    const k = versions[versions.length - 1]!.bin!;
    await ok(k, ['apply', '-f', fixture('kubelet', 'unknown-image.yaml')]);
    const pod = await until('the pod to be reported', async () => {
      const p = JSON.parse(await ok(k, ['get', 'pod', 'mystery', '-o', 'json'])) as PodJson & {
        status: { containerStatuses?: { state: { waiting?: { reason: string } } }[] };
      };
      return p.status.containerStatuses ? p : undefined;
    });
    assert.equal(pod.status.phase, 'Pending');
    const statuses = pod.status.containerStatuses as unknown as {
      state: { waiting?: { reason: string } };
    }[];
    assert.equal(statuses[0]?.state.waiting?.reason, 'ErrImageNeverPull');
    const events = await ok(k, [
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=mystery',
    ]);
    assert.match(events, /ErrImageNeverPull/);
    assert.match(events, /switchyard\.io\/command/);
    // The rest of the mesh keeps serving.
    assert.equal((await get(`${mesh!.gateway}/productpage`)).status, 200);
    await ok(k, ['delete', 'pod', 'mystery']);
  },
);

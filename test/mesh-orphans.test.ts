// No orphans: every process `switchyard up` starts goes when `up` goes, even when `up` is SIGKILLed
// (Kubernetes' kubelet owns its containers the same way: nothing outlives the pod), and a new `up`
// stops what an earlier, crashed run left behind — only processes whose /proc start time matches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get, startMesh } from './helpers/mesh.js';
import { isRunning, procStat } from '../src/mesh/process-table.js';
import { runDir } from '../src/mesh/run-record.js';

async function waitAllGone(pids: readonly number[], limitMs = 30_000): Promise<number[]> {
  const deadline = Date.now() + limitMs;
  let alive = pids.filter(isRunning);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    alive = pids.filter(isRunning);
  }
  return alive;
}

test('SIGKILL of up: built-in workloads and a non-Node command with its own child all exit; home is 0700, logs 0600', async (t) => {
  if (!procStat(process.pid)) return t.skip('needs /proc (Linux)');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-orphans-'));
  const grandchildPidFile = join(dir, 'grandchild.pid');
  // A shell (not Node) that starts a server in the background and waits: the server is a grandchild.
  const server = `require('http').createServer((q,s)=>s.end('ok')).listen(Number(process.env.PORT),'127.0.0.1')`;
  const script = `"${process.execPath}" -e "${server}" & echo $! > "${grandchildPidFile}"; wait`;
  const config = join(dir, 'workloads.yaml');
  writeFileSync(
    config,
    `apiVersion: switchyard.io/v1alpha1
kind: Workload
metadata: {name: httpbin, namespace: default}
spec:
  builtin: httpbin
  ports: [{containerPort: 8000}]
---
apiVersion: switchyard.io/v1alpha1
kind: Workload
metadata: {name: shell-server, namespace: default}
spec:
  command: [sh, -c, ${JSON.stringify(script)}]
  ports: [{containerPort: 9000}]
`,
  );
  // A home that does not exist yet: `up` creates it, and only its user may read it.
  const home = join(dir, 'home');
  const mesh = await startMesh(['-f', config], 8080, home);
  try {
    const mode = (p: string) => statSync(p).mode & 0o777;
    assert.equal(mode(home), 0o700, '$SWITCHYARD_HOME is 0700');
    assert.equal(mode(join(home, 'logs')), 0o700, 'the log directory is 0700');
    const logs = readdirSync(join(home, 'logs'));
    assert.ok(logs.length > 0);
    for (const f of logs) assert.equal(mode(join(home, 'logs', f)), 0o600, `${f} is 0600`);
    const list = JSON.parse((await get(`${mesh.admin}/proxies`)).body) as {
      items: { pid?: number; kind: string }[];
    };
    const pids = list.items.filter((p) => p.kind === 'sidecar').map((p) => p.pid ?? 0);
    assert.equal(pids.length, 2);
    const grandchild = Number(readFileSync(grandchildPidFile, 'utf8').trim());
    const all = [...pids, grandchild];
    assert.deepEqual(
      all.filter((p) => !isRunning(p)),
      [],
      'all running before the kill',
    );

    mesh.process.kill('SIGKILL');
    assert.deepEqual(await waitAllGone(all), [], 'no process outlives a SIGKILLed up');
  } finally {
    await mesh.stop();
  }
});

test('a new up stops the leftovers of a dead earlier run, and never a recycled pid', async (t) => {
  if (!procStat(process.pid)) return t.skip('needs /proc (Linux)');
  const home = mkdtempSync(join(tmpdir(), 'switchyard-leftover-'));
  // Processes that ignore their parent, each leading its own group, as a crashed run's workloads would.
  const idle = () =>
    spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      detached: true,
      stdio: 'ignore',
    });
  const leftover = idle();
  const innocent = idle();
  leftover.unref();
  innocent.unref();
  try {
    const startOf = (pid: number | undefined) => procStat(pid ?? 0)?.startTime ?? -1;
    await new Promise((r) => setTimeout(r, 50));
    // The earlier up: a pid that has exited.
    const deadUp = spawnSync('true').pid;
    mkdirSync(runDir(home), { recursive: true });
    writeFileSync(
      join(runDir(home), `up-${deadUp}.json`),
      JSON.stringify({
        up: { pid: deadUp, startTime: 1 },
        children: [
          { pid: leftover.pid, startTime: startOf(leftover.pid), name: 'reviews-v1-0' },
          // Recorded with another start time: the pid now belongs to someone else.
          { pid: innocent.pid, startTime: startOf(innocent.pid) + 1, name: 'ratings-v1-0' },
        ],
      }),
    );
    const mesh = await startMesh([], 8080, home);
    try {
      assert.deepEqual(await waitAllGone([leftover.pid ?? 0]), [], 'the leftover is stopped');
      assert.equal(isRunning(innocent.pid ?? 0), true, 'a pid with another start time is spared');
      assert.match(mesh.output(), /stopped reviews-v1-0 \(pid \d+\), left over/);
    } finally {
      await mesh.stop();
    }
  } finally {
    for (const c of [leftover, innocent])
      if (c.pid && isRunning(c.pid)) process.kill(c.pid, 'SIGKILL');
  }
});

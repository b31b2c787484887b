// `switchyard up` on Ctrl-C: requests in flight finish, then every workload process it started is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from './helpers/shared.js';
import { get, startMesh } from './helpers/mesh.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('SIGINT drains the request in flight and stops every child', async () => {
  const mesh = await startMesh();
  try {
    const r = mesh.cli(['apply', '-f', fixture('mesh', 'ratings-delay-2s.yaml')]);
    assert.equal(r.status, 0, r.stderr);
    // Only reviews v2/v3 call ratings: send everything to v2 so the page waits on the 2s delay.
    assert.equal(mesh.cli(['apply', '-f', fixture('mesh', 'reviews-v2.yaml')]).status, 0);
    const list = JSON.parse((await get(`${mesh.admin}/proxies`)).body) as {
      items: { workload: string; pid?: number; kind: string }[];
    };
    const pids = list.items.filter((p) => p.kind === 'sidecar').map((p) => p.pid ?? 0);
    assert.equal(pids.length, 6);
    assert.ok(pids.every(alive));

    const inFlight = get(`${mesh.gateway}/productpage`);
    await new Promise((res) => setTimeout(res, 500));
    const exited = new Promise<number | null>((res) =>
      mesh.process.once('exit', (code) => res(code)),
    );
    mesh.process.kill('SIGINT');
    const page = await inFlight;
    assert.equal(page.status, 200, 'the request in flight completes');
    assert.ok(page.body.includes('glyphicon glyphicon-star'), 'with ratings, after the delay');
    assert.equal(await exited, 0);
    assert.deepEqual(pids.filter(alive), [], 'no workload process outlives the mesh');
  } finally {
    await mesh.stop();
  }
});

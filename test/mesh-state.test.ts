// `switchyard up` keeps its config store in $SWITCHYARD_HOME/state (a write-ahead log, fsynced per
// change): a real `up` killed with SIGKILL while applies are in flight comes back with exactly the
// last committed revision (every object of one apply or none, never half of it, nothing acknowledged
// lost); `-f` files re-apply on top; `up --fresh` starts empty. Kubernetes keeps its objects in etcd
// the same way (etcd-io/etcd server/storage/wal), so a restarted API server serves what it acknowledged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get, send, startMesh } from './helpers/mesh.js';

const APPLY = '/apis/switchyard.io/v1alpha1/applies';
const OBJECTS = 40;

/** One apply of OBJECTS VirtualServices, every one stamped with the batch number. */
function batch(n: number): string {
  const docs: string[] = [];
  for (let i = 0; i < OBJECTS; i++)
    docs.push(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs-${i}
  namespace: default
  annotations:
    batch: "${n}"
spec:
  hosts: [vs-${i}.example.com]
  http:
  - route:
    - destination:
        host: vs-${i}.example.com
      headers:
        request:
          set:
            x-batch: "${n}"`);
  return docs.join('\n---\n');
}

interface Listed {
  metadata: { resourceVersion: string };
  items: {
    kind: string;
    metadata: { name: string; resourceVersion: string; annotations?: Record<string, string> };
  }[];
}

/** Each `up` writes a new admin token into the home. */
const tokenOf = (home: string) => readFileSync(join(home, 'admin-token'), 'utf8').trim();

async function listed(admin: string, home: string): Promise<Listed> {
  const r = await get(`${admin}/config`, { authorization: `Bearer ${tokenOf(home)}` });
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as Listed;
}

test('SIGKILL of up while applies are in flight: the restarted store is exactly the last committed revision', async () => {
  const home = mkdtempSync(join(tmpdir(), 'switchyard-state-'));
  const first = await startMesh([], 8080, home);
  const token = tokenOf(home);
  const apply = (n: number) =>
    send(
      'POST',
      `${first.admin}${APPLY}`,
      { authorization: `Bearer ${token}`, 'content-type': 'application/yaml' },
      batch(n),
    );
  let acked = { batch: 0, revision: 0 };
  /** Every acknowledged apply: batch number -> the revision its commit made. */
  const ackedRevisions = new Map<number, number>();
  for (let n = 1; n <= 5; n++) {
    const r = await apply(n);
    assert.equal(r.status, 200, r.body);
    acked = { batch: n, revision: (JSON.parse(r.body) as { revision: number }).revision };
    ackedRevisions.set(n, acked.revision);
  }
  // Send 25 more at once and kill -9 the process as soon as the first of them is answered: the
  // others are then queued or being applied.
  const exited = once(first.process, 'exit');
  const inflight: Promise<unknown>[] = [];
  for (let n = 6; n <= 30; n++) {
    inflight.push(
      apply(n).then(
        (r) => {
          first.process.kill('SIGKILL');
          if (r.status !== 200) return;
          const revision = (JSON.parse(r.body) as { revision: number }).revision;
          ackedRevisions.set(n, revision);
          if (revision > acked.revision) acked = { batch: n, revision };
        },
        () => undefined,
      ),
    );
  }
  await exited;
  await Promise.all(inflight);

  const second = await startMesh([], 8080, home);
  try {
    const store = await listed(second.admin, home);
    const revision = Number(store.metadata.resourceVersion);
    // The applies' VirtualServices, and the `default` Namespace `up` labelled for injection.
    assert.match(
      second.output(),
      new RegExp(`restored ${OBJECTS + 1} objects \\(revision ${revision}\\)`),
    );
    // Nothing acknowledged is lost ...
    assert.ok(revision >= acked.revision, `revision ${revision} >= acknowledged ${acked.revision}`);
    // ... and the store is one committed revision: every object from the same apply, none half-applied.
    const vss = store.items.filter((i) => i.kind === 'VirtualService');
    assert.equal(vss.length, OBJECTS);
    const batches = new Set(vss.map((v) => v.metadata.annotations?.batch));
    assert.equal(batches.size, 1, `one batch, not ${[...batches].join(', ')}`);
    // Concurrent applies commit in any order: the restored batch is the one whose commit made the
    // restored revision (acknowledged, or its reply lost with the kill), never an older one.
    const restoredBatch = Number([...batches][0]);
    for (const [n, rev] of ackedRevisions)
      assert.equal(rev === revision, n === restoredBatch, `batch ${n} acknowledged at ${rev}`);
    for (const v of vss) assert.equal(v.metadata.resourceVersion, String(revision));
    // The next change continues the revision sequence (resourceVersions never go back).
    const r = await send(
      'POST',
      `${second.admin}${APPLY}`,
      { authorization: `Bearer ${tokenOf(home)}`, 'content-type': 'application/yaml' },
      batch(100),
    );
    assert.equal(r.status, 200, r.body);
    assert.equal((JSON.parse(r.body) as { revision: number }).revision, revision + 1);
  } finally {
    await second.stop();
  }

  // -f files re-apply on top of what was restored.
  const file = join(home, 'vs-0.yaml');
  writeFileSync(file, batch(999).split('\n---\n')[0]!);
  const third = await startMesh(['-f', file, '--no-watch'], 8080, home);
  try {
    const vss = (await listed(third.admin, home)).items.filter((i) => i.kind === 'VirtualService');
    assert.equal(vss.length, OBJECTS);
    assert.equal(vss.find((v) => v.metadata.name === 'vs-0')?.metadata.annotations?.batch, '999');
    assert.equal(vss.find((v) => v.metadata.name === 'vs-1')?.metadata.annotations?.batch, '100');
  } finally {
    await third.stop();
  }

  // up --fresh discards it all and says so.
  const fresh = await startMesh(['--fresh'], 8080, home);
  try {
    assert.match(fresh.output(), /starting with an empty config store \(--fresh\)/);
    const vss = (await listed(fresh.admin, home)).items.filter((i) => i.kind === 'VirtualService');
    assert.equal(vss.length, 0);
  } finally {
    await fresh.stop();
  }
});

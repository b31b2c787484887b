// The control plane's informer (src/kube-client/informer.ts) against a fake API server on a real
// socket (test/helpers/fake-kube-api.ts): list in pages then watch with bookmarks, resume from a
// BOOKMARK's resourceVersion, relist on 410 Expired, restart a stalled watch, keep the cache and
// reconnect with back-off when the server goes away, and fall back to an older served Istio version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Informer, KubeTransport, type InformerState } from '../src/kube-client/index.js';
import { FakeKubeApi } from './helpers/fake-kube-api.js';

const VS = {
  group: 'networking.istio.io',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'virtualservices',
  kind: 'VirtualService',
};

function vs(name: string, host = name): Record<string, unknown> {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: 'default' },
    spec: { hosts: [host] },
  };
}

async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function setup(
  versions = ['v1', 'v1beta1', 'v1alpha3'],
  stallMs = 60_000,
  shortWatchMs = 1000,
) {
  const api = new FakeKubeApi().serve({ ...VS, versions, namespaced: true });
  await api.start();
  const logs: string[] = [];
  const states: InformerState[] = [];
  let changes = 0;
  const informer = new Informer({
    transport: KubeTransport.fromFile(api.kubeconfig()),
    resource: VS,
    pageSize: 2,
    stallMs,
    shortWatchMs,
    backoff: { initialMs: 20, maxMs: 200 },
    onChange: () => changes++,
    onState: (s) => states.push(s),
    log: (l) => logs.push(l),
  });
  const names = () =>
    informer
      .items()
      .map((o) => (o.metadata as { name: string }).name)
      .sort();
  return { api, informer, logs, states, names, changes: () => changes };
}

test('lists in pages (items get apiVersion/kind back), then watches with bookmarks from the list revision', async () => {
  const t = await setup();
  for (const n of ['a', 'b', 'c', 'd', 'e']) t.api.put(vs(n));
  const listRv = String(t.api.revision);
  t.informer.start();
  try {
    await until('synced', () => t.informer.state === 'synced');
    assert.deepEqual(t.names(), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(t.informer.items()[0]?.apiVersion, 'networking.istio.io/v1');
    assert.equal(t.informer.items()[0]?.kind, 'VirtualService');
    // Five objects at two a page: three list requests, the later ones with a continue token.
    const lists = t.api.requests.filter((r) => !r.includes('watch=true'));
    assert.equal(lists.length, 3, lists.join('\n'));
    assert.match(lists[1]!, /continue=/);
    await until('watch open', () => t.api.openWatches() === 1);
    const watch = t.api.requests.find((r) => r.includes('watch=true')) ?? '';
    assert.match(watch, /allowWatchBookmarks=true/);
    assert.match(watch, new RegExp(`resourceVersion=${listRv}(&|$)`));
    assert.match(watch, /timeoutSeconds=\d+/);
    // Events flow into the cache.
    t.api.put(vs('f'));
    t.api.put(vs('a', 'changed'));
    t.api.delete(vs('b'));
    await until('events applied', () => t.names().join() === 'a,c,d,e,f');
    const a = t.informer.items().find((o) => (o.metadata as { name: string }).name === 'a');
    assert.deepEqual((a?.spec as { hosts: string[] }).hosts, ['changed']);
  } finally {
    t.informer.stop();
    await t.api.stop();
  }
});

test('a watch that ends resumes from the last BOOKMARK revision without relisting', async () => {
  const t = await setup();
  t.api.put(vs('a'));
  t.informer.start();
  try {
    await until('watch open', () => t.api.openWatches() === 1);
    // Changes to another resource move the revision; only a bookmark tells this watch about it.
    t.api.revision += 10;
    const bookmarkRv = t.api.revision;
    await until(
      'the bookmark moved the revision',
      () => t.informer.lastResourceVersion === String(bookmarkRv),
    );
    t.api.endWatches();
    await until('second watch', () => t.informer.watches === 2 && t.api.openWatches() === 1);
    const watches = t.api.requests.filter((r) => r.includes('watch=true'));
    assert.match(watches[1]!, new RegExp(`resourceVersion=${bookmarkRv}(&|$)`), watches.join('\n'));
    assert.equal(t.informer.lists, 1);
  } finally {
    t.informer.stop();
    await t.api.stop();
  }
});

test('a watch cut at once with no event backs off and relists, not re-watched in a loop (reflector.go)', async () => {
  const t = await setup();
  t.api.put(vs('a'));
  t.api.cutWatches = true;
  t.informer.start();
  try {
    await until('a very short watch is an error', () => t.states.includes('retrying'));
    t.api.cutWatches = false;
    await until('watch open again', () => t.api.openWatches() === 1);
    // Every cut watch is followed by a list (after the back-off), never directly by another watch.
    const kinds = t.api.requests.map((r) => (r.includes('watch=true') ? 'watch' : 'list'));
    for (let i = 1; i < kinds.length; i++)
      assert.ok(!(kinds[i - 1] === 'watch' && kinds[i] === 'watch'), kinds.join(','));
    assert.deepEqual(t.names(), ['a']);
  } finally {
    t.informer.stop();
    await t.api.stop();
  }
});

test('410 Expired on resume -> relist, and the cache catches up with what it missed', async () => {
  // The server ends the watch within the test's first second: not counted as a "very short watch".
  const t = await setup(undefined, 60_000, 0);
  t.api.put(vs('a'));
  t.api.put(vs('b'));
  t.api.bookmarkMs = 60_000; // no bookmark moves the revision on: the resume is from the list's
  t.informer.start();
  try {
    await until('watch open', () => t.api.openWatches() === 1);
    // The server goes away; meanwhile objects change and history is compacted.
    t.api.stalled = true;
    t.api.put(vs('c'));
    t.api.delete(vs('a'));
    t.api.compact();
    t.api.stalled = false;
    t.api.endWatches();
    await until('relisted', () => t.informer.lists === 2 && t.names().join() === 'b,c');
    assert.ok(
      t.logs.some((l) => /too old \(410 Expired\); relisting/.test(l)),
      t.logs.join('\n'),
    );
    await until('watching again', () => t.api.openWatches() === 1);
  } finally {
    t.informer.stop();
    await t.api.stop();
  }
});

test('a stalled watch (no event, no bookmark) is cut and restarted from its revision', async () => {
  const t = await setup(undefined, 300);
  t.api.put(vs('a'));
  t.informer.start();
  try {
    await until('watch open', () => t.api.openWatches() === 1);
    t.api.stalled = true;
    // Dropped by the stalled connection; the restarted watch replays it from history.
    t.api.put(vs('b'));
    await until('stall detected', () => t.logs.some((l) => /stalled/.test(l)));
    t.api.stalled = false;
    await until('b arrives on a new watch', () => t.names().join() === 'a,b');
    assert.ok(t.informer.watches >= 2);
    assert.equal(t.informer.lists, 1, 'a stall resumes the watch; it does not relist');
  } finally {
    t.informer.stop();
    await t.api.stop();
  }
});

test('the API server goes away: the cache is kept, retried with back-off, relisted when back', async () => {
  const t = await setup();
  t.api.put(vs('a'));
  t.informer.start();
  try {
    await until('watch open', () => t.api.openWatches() === 1);
    const port = t.api.port;
    await t.api.stop();
    await until('retrying', () => t.informer.state === 'retrying');
    assert.deepEqual(t.names(), ['a'], 'the last known objects stay');
    // Back on the same port, with a change made while the informer was away.
    t.api.put(vs('b'));
    await t.api.start(port);
    await until('synced again', () => t.informer.state === 'synced' && t.names().join() === 'a,b');
    assert.deepEqual(t.states, ['synced', 'retrying', 'synced']);
  } finally {
    t.informer.stop();
    await t.api.stop();
  }
});

test('Istio kinds are read at the version the server serves; none served -> not-served; 403 -> forbidden', async () => {
  const old = await setup(['v1alpha3']);
  old.api.put({ ...vs('a'), apiVersion: 'networking.istio.io/v1alpha3' });
  old.informer.start();
  try {
    await until('synced', () => old.informer.state === 'synced');
    assert.equal(old.informer.servedVersion, 'v1alpha3');
    assert.equal(old.informer.items()[0]?.apiVersion, 'networking.istio.io/v1alpha3');
  } finally {
    old.informer.stop();
    await old.api.stop();
  }
  const denied = await setup();
  denied.api.forbidden.add('virtualservices');
  denied.informer.start();
  try {
    await until('forbidden', () => denied.informer.state === 'forbidden');
    assert.ok(denied.informer.synced, 'RBAC missing for one kind does not hold up the first sync');
  } finally {
    denied.informer.stop();
    await denied.api.stop();
  }
  const none = await setup([]);
  none.informer.start();
  try {
    await until('not served', () => none.informer.state === 'not-served');
    assert.ok(none.informer.synced, 'a kind the server lacks does not hold up the first sync');
    assert.deepEqual(none.names(), []);
  } finally {
    none.informer.stop();
    await none.api.stop();
  }
});

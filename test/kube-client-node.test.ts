// @kubernetes/client-node 1.x (the official JavaScript client) against the real admin server and
// store on port 0: CRUD through CustomObjectsApi, an informer's list+watch (client-node cache.js
// ListWatch), and its relist when a watch resumes from a compacted revision (410 Expired).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ADD,
  CONNECT,
  CustomObjectsApi,
  DELETE,
  KubeConfig,
  makeInformer,
  UPDATE,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { startAdminServer, type AdminServer } from '../src/admin/index.js';
import { ConfigStore } from '../src/config/index.js';
import { writeKubeconfig } from '../src/kube/kubeconfig.js';

const GROUP = 'networking.istio.io';
const VERSION = 'v1';
const PATH = `/apis/${GROUP}/${VERSION}/namespaces/default/virtualservices`;
// A short history, so a watch that was away for a few changes must relist.
const store = new ConfigStore({ historyLimit: 3 });
let admin: AdminServer;
let kc: KubeConfig;
let api: CustomObjectsApi;

before(async () => {
  admin = await startAdminServer({ store, token: 'client-node', port: 0 });
  const path = writeKubeconfig(
    admin.tlsUrl,
    'client-node',
    join(mkdtempSync(join(tmpdir(), 'switchyard-cn-')), 'kubeconfig'),
    admin.servingCert.cert,
  );
  kc = new KubeConfig();
  kc.loadFromFile(path);
  api = kc.makeApiClient(CustomObjectsApi);
});
after(() => admin.close());

const vs = (name: string, subset = 'v1') => ({
  apiVersion: `${GROUP}/${VERSION}`,
  kind: 'VirtualService',
  metadata: { name },
  spec: { hosts: [name], http: [{ route: [{ destination: { host: name, subset } }] }] },
});
const create = (name: string) =>
  api.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: 'default',
    plural: 'virtualservices',
    body: vs(name),
  });

/** Resolves when `check` holds (the informer's callbacks arrive asynchronously). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

test('CustomObjectsApi: create, get, list, merge patch, delete', async () => {
  const created = (await create('reviews')) as KubernetesObject;
  assert.equal(created.metadata?.name, 'reviews');
  const got = (await api.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: 'default',
    plural: 'virtualservices',
    name: 'reviews',
  })) as KubernetesObject;
  assert.equal(got.metadata?.uid, created.metadata?.uid);
  const list = (await api.listNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: 'default',
    plural: 'virtualservices',
  })) as { items: KubernetesObject[] };
  assert.deepEqual(
    list.items.map((i) => i.metadata?.name),
    ['reviews'],
  );
  await assert.rejects(create('reviews'), (err: { code?: number }) => err.code === 409);
  await api.deleteNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: 'default',
    plural: 'virtualservices',
    name: 'reviews',
  });
  assert.equal(store.get('VirtualService', 'default', 'reviews'), undefined);
});

test('an informer lists, watches ADD/UPDATE/DELETE, and relists after 410 Expired', async () => {
  const listFn = () =>
    api.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: 'default',
      plural: 'virtualservices',
    }) as Promise<{ items: KubernetesObject[]; metadata: { resourceVersion: string } }>;
  const informer = makeInformer(kc, PATH, listFn as never);
  const seen: string[] = [];
  let connects = 0;
  informer.on(ADD, (o) => seen.push(`ADD ${o.metadata?.name}`));
  informer.on(UPDATE, (o) => seen.push(`UPDATE ${o.metadata?.name}`));
  informer.on(DELETE, (o) => seen.push(`DELETE ${o.metadata?.name}`));
  informer.on(CONNECT, () => connects++);
  await create('ratings');
  await informer.start();
  await until(() => seen.includes('ADD ratings'));
  await create('details');
  await until(() => seen.includes('ADD details'));
  const live = store.get('VirtualService', 'default', 'details')!.raw;
  await api.replaceNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: 'default',
    plural: 'virtualservices',
    name: 'details',
    body: { ...live, spec: vs('details', 'v2').spec },
  });
  await until(() => seen.includes('UPDATE details'));
  await api.deleteNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: 'default',
    plural: 'virtualservices',
    name: 'ratings',
  });
  await until(() => seen.includes('DELETE ratings'));

  // Away for more changes than the server remembers: resuming is 410 Expired, and the informer relists.
  await informer.stop();
  const before = connects;
  for (const name of ['a', 'b', 'c', 'd', 'e']) await create(name);
  await informer.start();
  await until(() => ['a', 'b', 'c', 'd', 'e'].every((n) => seen.includes(`ADD ${n}`)));
  assert.ok(
    connects >= before + 2,
    `relisted after the expired watch (connects ${before} -> ${connects})`,
  );
  assert.deepEqual(
    informer
      .list()
      .map((o) => o.metadata?.name)
      .sort(),
    ['a', 'b', 'c', 'd', 'details', 'e'],
  );
  await informer.stop();
});

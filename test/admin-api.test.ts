// The admin API over real HTTP on port 0: reads open, changes only with the token, file:line refusals.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, statSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createAdminServer,
  defaultTokenPath,
  readTokenFile,
  startAdminServer,
  writeTokenFile,
  FILE_APPLY_PATH,
  FILE_DELETE_PATH,
  FILES_MEDIA_TYPE,
  type AdminServer,
} from '../src/admin/index.js';
import { fixture } from './helpers/shared.js';
import { testStore } from './admin-test-support.js';

const TOKEN = 'test-token-123';
const store = testStore();
let admin: AdminServer;

before(async () => {
  admin = await startAdminServer({ store, token: TOKEN, port: 0 });
});
after(() => admin.close());

const auth = { authorization: `Bearer ${TOKEN}` };
const file = (name: string) => readFileSync(fixture('store', name), 'utf8');
const call = (path: string, init: RequestInit = {}) => fetch(`${admin.url}${path}`, init);
const NET = '/apis/networking.istio.io/v1/namespaces/default';

test('GET /ready answers ready once serving', async () => {
  const res = await call('/ready');
  assert.equal(res.status, 200);
  assert.equal((await res.text()).trim(), 'ready');
  admin.setReady(false);
  assert.equal((await call('/ready')).status, 503);
  admin.setReady(true);
});

test('listens on loopback only', () => {
  assert.equal(
    admin.server.address() && (admin.server.address() as { address: string }).address,
    '127.0.0.1',
  );
  assert.throws(() => createAdminServer({ store, token: TOKEN, host: '0.0.0.0' }), /loopback/);
});

test('changes need the bearer token: 401 without it or with a wrong one', async () => {
  const body = file('destination-rules.yaml');
  const none = await call(FILE_APPLY_PATH, { method: 'POST', body });
  assert.equal(none.status, 401);
  assert.equal(((await none.json()) as { reason: string }).reason, 'Unauthorized');
  const wrong = await call(FILE_APPLY_PATH, {
    method: 'POST',
    body,
    headers: { authorization: 'Bearer nope' },
  });
  assert.equal(wrong.status, 401);
  assert.equal((await call(`${NET}/destinationrules/reviews`, { method: 'DELETE' })).status, 401);
  assert.equal(
    (
      await call(`${NET}/destinationrules/reviews`, {
        method: 'PATCH',
        body: '{}',
        headers: { 'content-type': 'application/merge-patch+json' },
      })
    ).status,
    401,
  );
  assert.equal(store.get('DestinationRule', 'default', 'reviews'), undefined);
});

test('apply creates, reports unchanged and configured; the dump and the API need the token', async () => {
  const post = (name: string) =>
    call(`${FILE_APPLY_PATH}?filename=${encodeURIComponent(name)}`, {
      method: 'POST',
      body: file(name),
      headers: auth,
    });
  const created = (await (await post('destination-rules.yaml')).json()) as {
    results: { typeName: string; name: string; action: string }[];
  };
  assert.deepEqual(
    created.results.map((r) => `${r.typeName}/${r.name} ${r.action}`),
    [
      'destinationrule.networking.istio.io/reviews created',
      'destinationrule.networking.istio.io/ratings created',
    ],
  );
  const again = (await (await post('destination-rules.yaml')).json()) as {
    results: { action: string }[];
  };
  assert.deepEqual(
    again.results.map((r) => r.action),
    ['unchanged', 'unchanged'],
  );

  // GET /config once answered anyone, Secrets' tls.key included (#13 problem 1).
  assert.equal((await call('/config')).status, 401);
  const all = (await (await call('/config', { headers: auth })).json()) as {
    kind: string;
    items: { kind: string }[];
  };
  assert.equal(all.kind, 'List');
  assert.ok(all.items.length >= 2);
  assert.equal((await call(`${NET}/destinationrules`)).status, 401);
  const drs = (await (await call(`${NET}/destinationrules`, { headers: auth })).json()) as {
    items: unknown[];
  };
  assert.equal(drs.items.length, 2);
  const one = (await (await call(`${NET}/destinationrules/reviews`, { headers: auth })).json()) as {
    spec: { host: string };
    metadata: { resourceVersion: string; annotations: Record<string, string> };
  };
  assert.equal(one.spec.host, 'reviews');
  assert.ok(one.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
});

test('missing objects and unknown kinds are 404 with kubectl wording', async () => {
  const res = await call(`${NET}/virtualservices/nope`, { headers: auth });
  assert.equal(res.status, 404);
  assert.equal(
    ((await res.json()) as { message: string }).message,
    'virtualservices.networking.istio.io "nope" not found',
  );
  const kind = await call(`${NET}/frobs`, { headers: auth });
  assert.equal(kind.status, 404);
  assert.equal(
    ((await kind.json()) as { message: string }).message,
    'the server could not find the requested resource',
  );
});

test('bad YAML is a 400 naming file:line, and nothing changes', async () => {
  const rev = store.revision;
  const res = await call(`${FILE_APPLY_PATH}?filename=bad-syntax.yaml`, {
    method: 'POST',
    body: file('bad-syntax.yaml'),
    headers: auth,
  });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { lines: string[]; reason: string };
  assert.equal(body.reason, 'BadRequest');
  assert.match(body.lines[0] ?? '', /^bad-syntax\.yaml:\d+:\d+: error: invalid YAML/);
  assert.equal(store.revision, rev);
});

test('an invalid resource is refused whole with file:line; the previous config keeps serving', async () => {
  const files = {
    files: [
      { filename: 'reviews-v1.yaml', content: file('reviews-v1.yaml') },
      { filename: 'negative-weight.yaml', content: file('negative-weight.yaml') },
    ],
  };
  const before = store.snapshot();
  const res = await call(FILE_APPLY_PATH, {
    method: 'POST',
    body: JSON.stringify(files),
    headers: { ...auth, 'content-type': FILES_MEDIA_TYPE },
  });
  assert.equal(res.status, 400);
  const body = (await res.json()) as {
    reason?: string;
    message: string;
    lines: string[];
    details: { failures: { file: string; operation: string; message: string }[] };
  };
  assert.equal(body.reason, undefined, 'a webhook denial has no reason, as Kubernetes sends it');
  assert.match(
    body.message,
    /^admission webhook "validation\.istio\.io" denied the request: configuration is invalid: /,
  );
  assert.ok(
    body.lines.some((l) => l.startsWith('negative-weight.yaml:17:')),
    body.lines.join('\n'),
  );
  assert.equal(body.details.failures[0]?.file, 'negative-weight.yaml');
  assert.equal(store.snapshot(), before);
  assert.equal(store.get('VirtualService', 'default', 'reviews'), undefined);
});

test('PATCH merge and json change the object; a failed json test is 422', async () => {
  await call(`${FILE_APPLY_PATH}?filename=reviews-80-20.yaml`, {
    method: 'POST',
    body: file('reviews-80-20.yaml'),
    headers: auth,
  });
  const patchAs = (type: string) => ({
    ...auth,
    'content-type': `application/${type}-patch+json`,
  });
  const merge = await call(`${NET}/virtualservices/reviews`, {
    method: 'PATCH',
    headers: patchAs('merge'),
    body: JSON.stringify({
      spec: { http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' } }] }] },
    }),
  });
  assert.equal(merge.status, 200);
  const m = (await merge.json()) as { spec: { http: { route: unknown[] }[] } };
  assert.equal(m.spec.http[0]?.route.length, 1);
  const json = await call(`${NET}/virtualservices/reviews`, {
    method: 'PATCH',
    headers: patchAs('json'),
    body: '[{"op":"test","path":"/spec/hosts/0","value":"ratings"}]',
  });
  assert.equal(json.status, 422);
  const strategic = await call(`${NET}/virtualservices/reviews`, {
    method: 'PATCH',
    headers: patchAs('strategic-merge'),
    body: '{}',
  });
  // apiextensions-apiserver refuses strategic merge for custom resources: 415.
  assert.equal(strategic.status, 415);
});

test('DELETE removes one object; POST deletions removes the objects of a file', async () => {
  const del = await call(`${NET}/virtualservices/reviews`, { method: 'DELETE', headers: auth });
  assert.equal(del.status, 200);
  assert.equal(
    (await call(`${NET}/virtualservices/reviews`, { method: 'DELETE', headers: auth })).status,
    404,
  );
  const res = await call(`${FILE_DELETE_PATH}?filename=destination-rules.yaml`, {
    method: 'POST',
    headers: auth,
    body: file('destination-rules.yaml'),
  });
  const body = (await res.json()) as { results: { name: string; deleted: boolean }[] };
  assert.deepEqual(
    body.results.map((r) => [r.name, r.deleted]),
    [
      ['reviews', true],
      ['ratings', true],
    ],
  );
});

test('GET /proxies returns what the provider registers', async () => {
  assert.deepEqual(await (await call('/proxies')).json(), { kind: 'ProxyList', items: [] });
  admin.setProxyProvider(() => [
    {
      name: 'istio-ingressgateway',
      kind: 'gateway',
      workload: 'istio-ingressgateway',
      listeners: ['0.0.0.0:8080'],
    },
  ]);
  const body = (await (await call('/proxies')).json()) as { items: { name: string }[] };
  assert.equal(body.items[0]?.name, 'istio-ingressgateway');
});

test('routes added by the runner serve below their prefix; their changes need the token', async () => {
  admin.route('GET', '/stats', (_req, res, url) => {
    res.end(`stats for ${url.pathname}`);
  });
  let posted = 0;
  admin.route('POST', '/reset_counters', (_req, res) => {
    posted++;
    res.end('OK');
  });
  assert.equal(await (await call('/stats/prometheus')).text(), 'stats for /stats/prometheus');
  assert.equal((await call('/statsx')).status, 404);
  assert.equal((await call('/reset_counters', { method: 'POST' })).status, 401);
  assert.equal((await call('/reset_counters', { method: 'POST', headers: auth })).status, 200);
  assert.equal(posted, 1);
});

test('requests naming a non-loopback Host are refused (DNS rebinding)', async () => {
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(`${admin.url}/config`, { headers: { host: 'evil.example.com' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(status, 403);
});

test('the token file is written 0600 under $SWITCHYARD_HOME', () => {
  const home = mkdtempSync(join(tmpdir(), 'switchyard-home-'));
  try {
    const path = defaultTokenPath({ SWITCHYARD_HOME: home });
    assert.equal(path, join(home, 'admin-token'));
    const token = writeTokenFile(path);
    assert.match(token, /^[0-9a-f]{64}$/);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(readTokenFile(path), token);
    assert.equal(readTokenFile(join(home, 'missing')), undefined);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

// docs/admin-api.md: a body over 8 MiB is 413 RequestEntityTooLarge (it was a 500 on the file apply path).
test('an apply body over 8 MiB is 413 RequestEntityTooLarge', async () => {
  const res = await call(FILE_APPLY_PATH, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/yaml' },
    body: `# ${'x'.repeat(8 * 1024 * 1024)}\n`,
  });
  assert.equal(res.status, 413);
  const body = (await res.json()) as { reason: string; code: number };
  assert.equal(body.reason, 'RequestEntityTooLarge');
  assert.equal(body.code, 413);
});

// etcd refuses requests over 1.5 MiB (etcd-io/etcd server/embed/config.go DefaultMaxRequestBytes);
// the API server passes its error on: 500, `etcdserver: request is too large` (apiserver
// responsewriters ErrorToAPIStatus). Nothing is stored.
test('an object over 1.5 MiB is refused as Kubernetes refuses it, on both apply paths', async () => {
  const long = ['a', 'b', 'c'].map((c) => c.repeat(60)).join('.');
  const hosts = Array.from({ length: 8_500 }, (_, i) => `"${long}.h${i}.example.com"`).join(', ');
  const yaml = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: huge
  namespace: default
spec:
  hosts: [${hosts}]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS
`;
  assert.ok(yaml.length > 1.5 * 1024 * 1024 && yaml.length < 3 * 1024 * 1024);
  const viaFiles = await call(FILE_APPLY_PATH, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/yaml' },
    body: yaml,
  });
  assert.equal(viaFiles.status, 500);
  assert.equal(
    ((await viaFiles.json()) as { message: string }).message,
    'etcdserver: request is too large',
  );
  const viaKube = await call(`${NET}/serviceentries`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/yaml' },
    body: yaml,
  });
  assert.equal(viaKube.status, 500);
  const status = (await viaKube.json()) as { message: string; reason?: string };
  assert.equal(status.message, 'etcdserver: request is too large');
  assert.equal(status.reason, undefined);
  assert.equal(store.get('ServiceEntry', 'default', 'huge'), undefined);
});

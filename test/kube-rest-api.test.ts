// The Kubernetes REST API on the real admin server (real store, port 0), spoken to as client-go does:
// the API server's verbs, status codes, reasons and messages
// (kubernetes staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go; apiserver endpoints/handlers).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startAdminServer, type AdminServer } from '../src/admin/index.js';
import { testStore } from './admin-test-support.js';

const TOKEN = 'rest-token';
const store = testStore();
let admin: AdminServer;
before(async () => {
  admin = await startAdminServer({ store, token: TOKEN, port: 0, bookmarkIntervalMs: 100 });
});
after(() => admin.close());

const VS = '/apis/networking.istio.io/v1/namespaces/default/virtualservices';
const auth = { authorization: `Bearer ${TOKEN}` };
type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const call = async (
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: J; headers: Headers }> => {
  const res = await fetch(`${admin.url}${path}`, {
    method,
    headers: { ...auth, 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as J) : {}, headers: res.headers };
};
const vs = (name: string, subset = 'v1', extra: J = {}) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name, labels: { app: name } },
  spec: { hosts: [name], http: [{ route: [{ destination: { host: name, subset } }] }] },
  ...extra,
});

test('create answers 201 with server metadata; a second create is 409 AlreadyExists', async () => {
  const res = await call('POST', VS, vs('reviews'));
  assert.equal(res.status, 201);
  const meta = res.body.metadata as J;
  assert.match(meta.uid as string, /^[0-9a-f-]{36}$/);
  assert.equal(meta.generation, 1);
  assert.equal(meta.resourceVersion, String(store.revision));
  assert.equal(meta.namespace, 'default');
  assert.ok(Array.isArray(meta.managedFields));
  const again = await call('POST', VS, vs('reviews'));
  assert.equal(again.status, 409);
  assert.equal(again.body.reason, 'AlreadyExists');
  assert.equal(again.body.message, 'virtualservices.networking.istio.io "reviews" already exists');
});

test('one storage, every version: v1beta1 and v1alpha3 read the same object with their apiVersion', async () => {
  for (const v of ['v1beta1', 'v1alpha3']) {
    const res = await call(
      'GET',
      `/apis/networking.istio.io/${v}/namespaces/default/virtualservices/reviews`,
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.apiVersion, `networking.istio.io/${v}`);
  }
});

test('unknown resource and missing object are 404 with the API server wording', async () => {
  const unknown = await call('GET', '/apis/networking.istio.io/v1/namespaces/default/frobs');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.message, 'the server could not find the requested resource');
  const missing = await call('GET', `${VS}/nope`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.reason, 'NotFound');
  assert.equal(missing.body.message, 'virtualservices.networking.istio.io "nope" not found');
  assert.deepEqual(missing.body.details, {
    name: 'nope',
    group: 'networking.istio.io',
    kind: 'virtualservices',
  });
});

test('a wrong or missing token is 401 Unauthorized', async () => {
  const res = await fetch(`${admin.url}${VS}`, { headers: { authorization: 'Bearer nope' } });
  assert.equal(res.status, 401);
  assert.equal(((await res.json()) as J).reason, 'Unauthorized');
  assert.equal((await fetch(`${admin.url}${VS}`)).status, 401);
});

test('PUT with a stale resourceVersion is 409 Conflict; with the live one it updates and bumps generation', async () => {
  const live = (await call('GET', `${VS}/reviews`)).body;
  const stale = {
    ...live,
    metadata: { ...live.metadata, resourceVersion: '1' },
    spec: vs('reviews', 'v2').spec,
  };
  if (live.metadata.resourceVersion !== '1') {
    const res = await call('PUT', `${VS}/reviews`, stale);
    assert.equal(res.status, 409);
    assert.equal(res.body.reason, 'Conflict');
    assert.equal(
      res.body.message,
      'Operation cannot be fulfilled on virtualservices.networking.istio.io "reviews": the object has been modified; please apply your changes to the latest version and try again',
    );
  }
  const ok = await call('PUT', `${VS}/reviews`, { ...live, spec: vs('reviews', 'v2').spec });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.metadata.generation, 2);
  assert.equal(ok.body.metadata.uid, live.metadata.uid);
});

test('strategic merge on an Istio kind is 415 with the API server message; merge and json patches apply', async () => {
  const sm = await call(
    'PATCH',
    `${VS}/reviews`,
    { spec: {} },
    { 'content-type': 'application/strategic-merge-patch+json' },
  );
  assert.equal(sm.status, 415);
  assert.equal(sm.body.reason, 'UnsupportedMediaType');
  assert.equal(
    sm.body.message,
    'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
  );
  const merge = await call(
    'PATCH',
    `${VS}/reviews`,
    { metadata: { labels: { tier: 'back' } } },
    { 'content-type': 'application/merge-patch+json' },
  );
  assert.equal(merge.status, 200);
  assert.equal(merge.body.metadata.labels.tier, 'back');
  const json = await call(
    'PATCH',
    `${VS}/reviews`,
    [{ op: 'replace', path: '/spec/hosts/0', value: 'reviews' }],
    { 'content-type': 'application/json-patch+json' },
  );
  assert.equal(json.status, 200);
});

test('Istio validation refusals are the validation.istio.io webhook denial; nothing changes', async () => {
  const rev = store.revision;
  const bad = vs('bad');
  (bad.spec.http[0]!.route as J[])[0]!.weight = -1;
  const res = await call('POST', VS, bad);
  assert.equal(res.status, 400);
  assert.equal(res.body.reason, undefined);
  assert.match(
    res.body.message as string,
    /^admission webhook "validation\.istio\.io" denied the request: configuration is invalid: /,
  );
  assert.equal(store.revision, rev);
});

test('fieldValidation: Strict refuses unknown fields, Warn prunes with a Warning header', async () => {
  const body = vs('fv');
  (body.spec as J).bogus = 1;
  const strict = await call('POST', `${VS}?fieldValidation=Strict`, body);
  assert.equal(strict.status, 400);
  assert.match(
    strict.body.message as string,
    /^strict decoding error: unknown field "spec\.bogus"/,
  );
  const warn = await call('POST', `${VS}?fieldValidation=Warn`, body);
  assert.equal(warn.status, 201);
  assert.equal(warn.body.spec.bogus, undefined);
  // Go's strconv.Quote inside the 299 warning (apiserver pkg/warning).
  assert.equal(warn.headers.get('warning'), '299 - "unknown field \\"spec.bogus\\""');
});

test('generateName makes a name from the prefix', async () => {
  const body = vs('gen');
  body.metadata = { generateName: 'gen-' } as never;
  const res = await call('POST', VS, body);
  assert.equal(res.status, 201);
  assert.match(res.body.metadata.name as string, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.equal((await call('DELETE', `${VS}/${res.body.metadata.name as string}`)).status, 200);
});

test('dryRun=All validates and answers without writing', async () => {
  const rev = store.revision;
  const res = await call('POST', `${VS}?dryRun=All`, vs('dry'));
  assert.equal(res.status, 201);
  assert.equal(store.revision, rev);
  assert.equal((await call('GET', `${VS}/dry`)).status, 404);
});

test('malformed JSON is 400 naming the position; a body over 3 MiB is 413', async () => {
  const bad = await call('POST', VS, '{"apiVersion": "networking.istio.io/v1",\n "kind": }');
  assert.equal(bad.status, 400);
  assert.match(bad.body.message as string, /line 2, column/);
  const big = await call(
    'POST',
    VS,
    JSON.stringify({ ...vs('big'), pad: 'x'.repeat(3 * 1024 * 1024) }),
  );
  assert.equal(big.status, 413);
  assert.equal(big.body.message, 'Request entity too large: limit is 3145728');
});

test('list: labelSelector, fieldSelector, limit/continue', async () => {
  await call('POST', VS, vs('ratings'));
  const sel = await call('GET', `${VS}?labelSelector=app%3Dratings`);
  assert.deepEqual(
    sel.body.items.map((i: J) => i.metadata.name),
    ['ratings'],
  );
  const field = await call(
    'GET',
    `/apis/networking.istio.io/v1/virtualservices?fieldSelector=metadata.name%3Dreviews`,
  );
  assert.deepEqual(
    field.body.items.map((i: J) => i.metadata.name),
    ['reviews'],
  );
  const badField = await call('GET', `${VS}?fieldSelector=spec.hosts%3Dx`);
  assert.equal(badField.status, 400);
  assert.equal(badField.body.message, 'field label not supported: spec.hosts');
  const page1 = await call('GET', `${VS}?limit=1`);
  assert.equal(page1.body.items.length, 1);
  assert.ok(page1.body.metadata.continue);
  const page2 = await call(
    'GET',
    `${VS}?limit=10&continue=${page1.body.metadata.continue as string}`,
  );
  assert.ok(page2.body.items.length >= 1);
  assert.notEqual(page2.body.items[0].metadata.name, page1.body.items[0].metadata.name);
});

test('as=Table answers meta.k8s.io/v1 Table with the CRD printer columns', async () => {
  const res = await call('GET', VS, undefined, {
    accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
  });
  assert.equal(res.body.kind, 'Table');
  assert.deepEqual(
    res.body.columnDefinitions.map((c: J) => c.name),
    ['Name', 'Gateways', 'Hosts', 'Age'],
  );
  assert.equal(res.body.rows[0].object.kind, 'PartialObjectMetadata');
});

/** Reads watch events until `count` arrive. */
function watchEvents(path: string, count: number, onFirst?: () => void): Promise<J[]> {
  return new Promise((resolve, reject) => {
    const req = request(`${admin.url}${path}`, { headers: auth }, (res) => {
      let buf = '';
      const events: J[] = [];
      res.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, nl)) as J);
          if (events.length === 1) onFirst?.();
          buf = buf.slice(nl + 1);
          if (events.length >= count) {
            req.destroy();
            resolve(events);
            return;
          }
        }
      });
      res.on('end', () => resolve(events));
    });
    req.on('error', (e) =>
      (e as { code?: string }).code === 'ECONNRESET' ? undefined : reject(e),
    );
    req.end();
  });
}

test('watch from a resourceVersion replays later changes, then streams new ones', async () => {
  const from = store.revision;
  const pending = watchEvents(`${VS}?watch=true&resourceVersion=${from}`, 3);
  await call(
    'PATCH',
    `${VS}/ratings`,
    { metadata: { labels: { x: '1' } } },
    { 'content-type': 'application/merge-patch+json' },
  );
  await call('DELETE', `${VS}/ratings`);
  await call('POST', VS, vs('details'));
  const events = await pending;
  assert.deepEqual(
    events.map((e) => `${e.type} ${e.object.metadata.name}`),
    ['MODIFIED ratings', 'DELETED ratings', 'ADDED details'],
  );
  assert.equal(events[1]!.object.metadata.resourceVersion, String(from + 2));
});

test('a watch of Pods (the running workloads) sees a workload become ready', async () => {
  const pod = (phase: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'reviews-v1', namespace: 'default', resourceVersion: '1' },
    status: { phase },
  });
  let pods = [pod('Pending')];
  admin.kube.objects.setRuntime({ pods: () => pods });
  // The server subscribes in the same tick it sends the initial ADDED: change the pod after it.
  const pending = watchEvents('/api/v1/namespaces/default/pods?watch=true', 2, () => {
    pods = [pod('Running')];
    admin.kube.objects.runtimeChanged();
  });
  const events = await pending;
  assert.deepEqual(
    events.map((e) => `${e.type} ${e.object.status.phase}`),
    ['ADDED Pending', 'MODIFIED Running'],
  );
  admin.kube.objects.setRuntime({ pods: () => [] });
});

test('watch with allowWatchBookmarks gets BOOKMARK events', async () => {
  const events = await watchEvents(
    `${VS}?watch=true&resourceVersion=${store.revision}&allowWatchBookmarks=true`,
    1,
  );
  assert.equal(events[0]!.type, 'BOOKMARK');
  assert.equal(events[0]!.object.metadata.resourceVersion, String(store.revision));
});

test('watch from a compacted revision is an ERROR event with 410 Expired', async () => {
  const small = testStore();
  const a = await startAdminServer({ store: small, token: TOKEN, port: 0 });
  try {
    // The default history keeps 1000 events; push the first ones out.
    for (let i = 0; i < 1005; i++)
      small.apply(
        (await import('../src/config/index.js')).parseResources(
          `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i % 3}}\ndata: {n: "${i}"}\n`,
          'x.yaml',
        ).resources,
      );
    const res = await fetch(
      `${a.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1`,
      { headers: auth },
    );
    const line = JSON.parse((await res.text()).trim()) as J;
    assert.equal(line.type, 'ERROR');
    assert.equal(line.object.code, 410);
    assert.equal(line.object.reason, 'Expired');
    assert.match(line.object.message as string, /^too old resource version: 1 \(\d+\)$/);
  } finally {
    await a.close();
  }
});

test('server-side apply: creates, conflicts with another manager (409) unless forced', async () => {
  const ssa = (manager: string, subset: string, force = false) =>
    call(
      'PATCH',
      `${VS}/ssa?fieldManager=${manager}${force ? '&force=true' : ''}`,
      vs('ssa', subset),
      {
        'content-type': 'application/apply-patch+yaml',
      },
    );
  const created = await ssa('alice', 'v1');
  assert.equal(created.status, 201);
  assert.equal(created.body.metadata.managedFields[0].manager, 'alice');
  assert.equal(created.body.metadata.managedFields[0].operation, 'Apply');
  const clash = await ssa('bob', 'v2');
  assert.equal(clash.status, 409);
  assert.equal(clash.body.reason, 'Conflict');
  assert.equal(
    clash.body.message,
    'Apply failed with 1 conflict: conflict with "alice" using networking.istio.io/v1: .spec.http',
  );
  const forced = await ssa('bob', 'v2', true);
  assert.equal(forced.status, 200);
  assert.equal(forced.body.spec.http[0].route[0].destination.subset, 'v2');
});

test('delete answers the object; deletecollection by label; propagationPolicy is checked', async () => {
  const bad = await call('DELETE', `${VS}/details?propagationPolicy=Sideways`);
  assert.equal(bad.status, 422);
  const del = await call('DELETE', `${VS}/details`, {
    kind: 'DeleteOptions',
    apiVersion: 'v1',
    propagationPolicy: 'Background',
  });
  assert.equal(del.status, 200);
  assert.equal((await call('GET', `${VS}/details`)).status, 404);
  const col = await call('DELETE', `${VS}?labelSelector=app%3Dssa`);
  assert.equal(col.status, 200);
  assert.deepEqual(
    col.body.items.map((i: J) => i.metadata.name),
    ['ssa'],
  );
});

test('core kinds: strategic merge patches containers by name; deployments have scale', async () => {
  const DEP = '/apis/apps/v1/namespaces/default/deployments';
  const dep = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'a', image: 'a:1' },
            { name: 'b', image: 'b:1' },
          ],
        },
      },
    },
  };
  assert.equal((await call('POST', DEP, dep)).status, 201);
  const patched = await call(
    'PATCH',
    `${DEP}/web`,
    { spec: { template: { spec: { containers: [{ name: 'b', image: 'b:2' }] } } } },
    { 'content-type': 'application/strategic-merge-patch+json' },
  );
  assert.equal(patched.status, 200);
  assert.deepEqual(
    patched.body.spec.template.spec.containers.map((c: J) => `${c.name}=${c.image}`),
    ['a=a:1', 'b=b:2'],
  );
  const scale = await call('GET', `${DEP}/web/scale`);
  assert.equal(scale.body.kind, 'Scale');
  assert.equal(scale.body.spec.replicas, 1);
  const up = await call(
    'PATCH',
    `${DEP}/web/scale`,
    { spec: { replicas: 3 } },
    { 'content-type': 'application/merge-patch+json' },
  );
  assert.equal(up.status, 200);
  assert.equal(up.body.spec.replicas, 3);
  const rs = await call('GET', '/apis/apps/v1/namespaces/default/replicasets');
  assert.equal(rs.body.items[0].metadata.ownerReferences[0].name, 'web');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../runtime/clock.js';
import { parseResources } from './parse.js';
import {
  ConfigStore,
  kindFromKubectlArgument,
  LAST_APPLIED_ANNOTATION,
  StoreError,
} from './store.js';
import type { ConfigSnapshot } from './snapshot.js';
import type { ConfigDiagnostic, Resource } from './types.js';

const yaml = (text: string, ns = 'default'): Resource[] => {
  const r = parseResources(text, 'test.yaml', { defaultNamespace: ns });
  assert.deepEqual(r.diagnostics, []);
  return r.resources;
};

const VS_V1 = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  gateways: [mesh]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
`;

const VS_SPLIT = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 80
    - destination: {host: reviews, subset: v2}
      weight: 20
`;

const DR = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
  subsets:
  - name: v1
    labels: {version: v1}
`;

/** Rejects any route with a negative weight, citing the field's position like the real validator. */
function negativeWeight(r: Resource): ConfigDiagnostic[] {
  const http = (r.spec as { http?: { route?: { weight?: number }[] }[] }).http ?? [];
  const out: ConfigDiagnostic[] = [];
  http.forEach((h, i) =>
    (h.route ?? []).forEach((d, j) => {
      if ((d.weight ?? 0) < 0) {
        const path = ['spec', 'http', i, 'route', j, 'weight'];
        out.push({
          level: 'Error',
          message: 'weight must not be negative',
          resource: { kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name },
          field: `spec.http[${i}].route[${j}].weight`,
          ...(r.source ? { position: r.source.positionOf(path) } : {}),
        });
      }
    }),
  );
  return out;
}

const newStore = () =>
  new ConfigStore({ clock: new ManualClock(1_700_000_000_000), validate: negativeWeight });

test('apply creates, then reports unchanged, then configured', () => {
  const store = newStore();
  const a = store.apply(yaml(VS_V1));
  assert.deepEqual(
    a.results.map((r) => [r.typeName, r.ref.name, r.action]),
    [['virtualservice.networking.istio.io', 'reviews', 'created']],
  );
  assert.equal(store.revision, 1);
  assert.equal(store.apply(yaml(VS_V1)).results[0]?.action, 'unchanged');
  assert.equal(store.revision, 1, 'an unchanged apply is not a change');
  assert.equal(store.apply(yaml(VS_SPLIT)).results[0]?.action, 'configured');
  assert.equal(store.revision, 2);
});

test('apply sets creationTimestamp, resourceVersion, generation and last-applied', () => {
  const store = newStore();
  store.apply(yaml(VS_V1));
  const vs = store.get('VirtualService', 'default', 'reviews');
  assert.ok(vs);
  assert.equal(vs.metadata.creationTimestamp, '2023-11-14T22:13:20Z');
  assert.equal(vs.metadata.resourceVersion, '1');
  assert.equal(vs.metadata.generation, 1);
  const last = JSON.parse(vs.metadata.annotations[LAST_APPLIED_ANNOTATION] ?? '{}');
  assert.equal(last.metadata.namespace, 'default');
  assert.deepEqual(last.metadata.annotations, {});
  assert.equal(vs.metadata.annotations[LAST_APPLIED_ANNOTATION]?.endsWith('}\n'), true);
  store.apply(yaml(VS_SPLIT));
  const after = store.get('VirtualService', 'default', 'reviews');
  assert.equal(after?.metadata.generation, 2, 'spec change bumps generation');
  assert.equal(after?.metadata.resourceVersion, '2');
  assert.equal(after?.metadata.creationTimestamp, '2023-11-14T22:13:20Z');
});

test('three-way apply removes fields dropped from the manifest but keeps fields patched in by others', () => {
  const store = newStore();
  store.apply(yaml(VS_V1));
  store.patch('VirtualService', 'default', 'reviews', 'merge', { spec: { exportTo: ['.'] } });
  store.apply(yaml(VS_SPLIT)); // drops `gateways`
  const spec = store.get('VirtualService', 'default', 'reviews')?.spec as Record<string, unknown>;
  assert.equal(spec.gateways, undefined, 'gateways was removed from the manifest');
  assert.deepEqual(spec.exportTo, ['.'], 'exportTo was never in last-applied, so it stays');
  assert.equal((spec.http as { route: unknown[] }[])[0]?.route.length, 2);
});

test('a multi-resource apply is all or nothing and the previous snapshot keeps serving', () => {
  const store = newStore();
  store.apply(yaml(VS_V1));
  const before = store.snapshot();
  const bad = VS_SPLIT.replace('weight: 20', 'weight: -1');
  assert.throws(
    () => store.apply(yaml(`${DR}\n---\n${bad}`)),
    (err: unknown) => {
      assert.ok(err instanceof StoreError);
      assert.equal(err.reason, 'AdmissionDenied');
      const [failure] = err.failures;
      assert.equal(failure?.operation, 'patching');
      assert.equal(failure?.file, 'test.yaml');
      const d = failure?.diagnostics[0];
      assert.equal(d?.field, 'spec.http[0].route[1].weight');
      assert.equal(d?.position?.line, 25, 'points at the weight line in the applied file');
      return true;
    },
  );
  assert.equal(store.snapshot(), before);
  assert.equal(store.get('DestinationRule', 'default', 'reviews'), undefined);
  assert.equal(store.revision, 1);
});

test('subscribers get one immutable snapshot per successful change', () => {
  const store = newStore();
  const seen: ConfigSnapshot[] = [];
  const off = store.subscribe((s) => seen.push(s));
  store.apply(yaml(`${VS_V1}\n---\n${DR}`));
  store.apply(yaml(VS_V1));
  assert.throws(() => store.apply(yaml(VS_SPLIT.replace('weight: 20', 'weight: -5'))));
  store.delete('DestinationRule', 'default', 'reviews');
  off();
  store.apply(yaml(DR));
  assert.deepEqual(
    seen.map((s) => s.revision),
    [1, 2],
  );
  assert.deepEqual(
    seen[0]?.resources.map((r) => r.kind),
    ['VirtualService', 'DestinationRule'],
  );
  assert.deepEqual(
    seen[1]?.resources.map((r) => r.kind),
    ['VirtualService'],
  );
  const vs = seen[0]?.resources[0];
  assert.ok(Object.isFrozen(vs) && Object.isFrozen(vs?.raw) && Object.isFrozen(vs?.spec));
  assert.throws(() => {
    (vs?.spec as { hosts: string[] }).hosts.push('x');
  }, TypeError);
});

test('resources keep creation order; replacing keeps the place, re-creating moves to the end', () => {
  const store = newStore();
  store.apply(yaml(`${VS_V1}\n---\n${DR}`));
  store.apply(yaml(VS_SPLIT));
  assert.deepEqual(
    store.snapshot().resources.map((r) => r.kind),
    ['VirtualService', 'DestinationRule'],
  );
  store.delete('VirtualService', 'default', 'reviews');
  store.apply(yaml(VS_V1));
  assert.deepEqual(
    store.snapshot().resources.map((r) => r.kind),
    ['DestinationRule', 'VirtualService'],
  );
});

test('merge patch changes a field, json patch follows RFC 6902, both re-validated', () => {
  const store = newStore();
  store.apply(yaml(VS_SPLIT));
  const p = store.patch('VirtualService', 'default', 'reviews', 'json', [
    { op: 'replace', path: '/spec/http/0/route/0/weight', value: 50 },
    { op: 'replace', path: '/spec/http/0/route/1/weight', value: 50 },
  ]);
  assert.equal(p.changed, true);
  const route = (
    store.get('VirtualService', 'default', 'reviews')?.spec as {
      http: { route: { weight: number }[] }[];
    }
  ).http[0]?.route;
  assert.deepEqual(
    route?.map((d) => d.weight),
    [50, 50],
  );
  const same = store.patch('VirtualService', 'default', 'reviews', 'merge', {
    spec: { hosts: ['reviews'] },
  });
  assert.equal(same.changed, false);
  assert.throws(
    () =>
      store.patch('VirtualService', 'default', 'reviews', 'json', [
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: -3 },
      ]),
    (err: unknown) =>
      err instanceof StoreError &&
      err.reason === 'AdmissionDenied' &&
      err.failures[0]?.operation === 'patching',
  );
  assert.throws(
    () =>
      store.patch('VirtualService', 'default', 'reviews', 'json', [
        { op: 'test', path: '/spec/hosts/0', value: 'x' },
      ]),
    (err: unknown) => err instanceof StoreError && err.reason === 'Invalid',
  );
  assert.throws(
    () =>
      store.patch('VirtualService', 'default', 'reviews', 'merge', { metadata: { name: 'other' } }),
    (err: unknown) => err instanceof StoreError && err.reason === 'BadRequest',
  );
  assert.equal(store.revision, 2);
});

test('a merge patch setting null removes the field', () => {
  const store = newStore();
  store.apply(yaml(VS_V1));
  store.patch('VirtualService', 'default', 'reviews', 'merge', { spec: { gateways: null } });
  assert.equal(
    (store.get('VirtualService', 'default', 'reviews')?.spec as { gateways?: unknown }).gateways,
    undefined,
  );
});

test('delete and patch of a missing resource are NotFound with kubectl wording', () => {
  const store = newStore();
  assert.throws(
    () => store.delete('VirtualService', 'default', 'nope'),
    (err: unknown) =>
      err instanceof StoreError &&
      err.reason === 'NotFound' &&
      err.message === 'virtualservices.networking.istio.io "nope" not found',
  );
  assert.throws(
    () => store.patch('Service', 'default', 'nope', 'merge', {}),
    (err: unknown) => err instanceof StoreError && err.message === 'services "nope" not found',
  );
  const many = store.deleteMany([{ kind: 'VirtualService', namespace: 'default', name: 'x' }]);
  assert.deepEqual(
    many.results.map((r) => r.deleted),
    [false],
  );
  assert.equal(store.revision, 0);
});

test('the istio ConfigMap in istio-system sets the mesh config; deleting it restores the base', () => {
  const store = newStore();
  assert.equal(store.snapshot().meshConfig.outboundTrafficPolicy.mode, 'ALLOW_ANY');
  store.apply(
    yaml(`
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    outboundTrafficPolicy:
      mode: REGISTRY_ONLY
`),
  );
  assert.equal(store.snapshot().meshConfig.outboundTrafficPolicy.mode, 'REGISTRY_ONLY');
  store.delete('ConfigMap', 'istio-system', 'istio');
  assert.equal(store.snapshot().meshConfig.outboundTrafficPolicy.mode, 'ALLOW_ANY');
});

test('the default validator is validateResource and unnamed resources are refused', () => {
  const store = new ConfigStore();
  assert.throws(
    () =>
      store.apply(
        yaml('apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {}\nspec: {}\n'),
      ),
    (err: unknown) =>
      err instanceof StoreError && /name may not be empty/.test(err.diagnostics[0]?.message ?? ''),
  );
});

test('kind arguments take kubectl spellings, group-qualified too', () => {
  for (const arg of [
    'vs',
    'virtualservices',
    'VirtualService',
    'virtualservices.networking.istio.io',
    'virtualservice.networking.istio.io',
  ])
    assert.equal(kindFromKubectlArgument(arg)?.kind, 'VirtualService', arg);
  assert.equal(
    kindFromKubectlArgument('gateways.gateway.networking.k8s.io')?.group,
    'gateway.networking.k8s.io',
  );
  assert.equal(kindFromKubectlArgument('deployments.apps')?.kind, 'Deployment');
  assert.equal(kindFromKubectlArgument('frobs.example.com'), undefined);
});

test('a Secret applied keeps no secret value in its last-applied annotation (SHA-256 instead); re-apply and key removal still work', () => {
  // kubectl stores Secret data there in clear (kubernetes/kubernetes#23564); ours keeps only hashes.
  const store = new ConfigStore();
  const secret = (data: string) =>
    yaml(`apiVersion: v1
kind: Secret
metadata:
  name: creds
type: Opaque
${data}`);
  store.apply(secret('data:\n  key: c2VjcmV0\n  cert: Y2VydA==\nstringData:\n  password: hunter2'));
  const live = store.get('Secret', 'default', 'creds');
  const annotation = live?.metadata.annotations[LAST_APPLIED_ANNOTATION] ?? '';
  for (const clear of ['c2VjcmV0', 'Y2VydA==', 'hunter2']) assert.ok(!annotation.includes(clear));
  assert.match(annotation, /"key":"sha256:[0-9a-f]{64}"/);
  assert.equal((live?.raw.data as Record<string, string>).key, 'c2VjcmV0');
  assert.equal(
    store.apply(
      secret('data:\n  key: c2VjcmV0\n  cert: Y2VydA==\nstringData:\n  password: hunter2'),
    ).results[0]?.action,
    'unchanged',
  );
  // A key dropped from the manifest is removed from the live Secret (deletions come from last-applied).
  store.apply(secret('data:\n  key: bmV3'));
  const after = store.get('Secret', 'default', 'creds')?.raw as Record<string, unknown>;
  assert.deepEqual(after.data, { key: 'bmV3' });
  assert.equal(after.stringData, undefined);
});

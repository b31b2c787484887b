import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResources } from './parse.js';
import { decodableResources, decodeProblems, replicaCount } from './decode.js';

// istio/istio pilot/pkg/config/file/store.go parseChunk: an object whose JSON does not decode into
// its type is an error for that object ("failed parsing JSON for built-in type") and is skipped.
const one = (yaml: string) => parseResources(yaml, 'x.yaml').resources[0]!;

test('a wrong JSON type anywhere the typed form reads is a decode problem (fuzz regressions)', () => {
  const cases: [string, string][] = [
    // Service ports as a string crashed the analyzers' service registry.
    ['apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: "(?=x"}', 'spec.ports'],
    // Gateway servers as a number crashed conflicting-gateway.
    [
      'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {servers: -1}',
      'spec.servers',
    ],
    // A null host crashed the host helpers (protojson refuses null list items).
    [
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v}\nspec: {hosts: [null]}',
      'spec.hosts[0]',
    ],
    // Pod template labels must be strings.
    [
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {metadata: {labels: {app: [1]}}}}',
      'spec.template.metadata.labels.app',
    ],
    ['apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {tls.crt: {a: 1}}', 'data.tls.crt'],
  ];
  for (const [yaml, field] of cases) {
    const r = one(yaml);
    const split = decodableResources([r]);
    assert.equal(split.resources.length, 0, yaml);
    assert.equal(split.diagnostics[0]?.field, field, yaml);
    assert.match(split.diagnostics[0]?.message ?? '', /^failed parsing JSON for built-in type: /);
  }
});

test('unknown fields and bad values still decode (validation reports them)', () => {
  const r = one(
    'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v}\nspec: {hosts: ["*"], bogus: 1, http: [{timeout: "-1s"}]}',
  );
  assert.deepEqual(decodeProblems(r), []);
  const svc = one(
    'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 80, targetPort: http}]}',
  );
  assert.deepEqual(decodeProblems(svc), []);
});

test('replicas and ports are int32: a fraction, 1e308 or .inf does not decode (fuzz: a loop to 1e308 ran out of memory)', () => {
  for (const v of ['1e308', '.inf', '1.5', '2147483648']) {
    const r = one(
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: ${v}}`,
    );
    assert.equal(
      decodeProblems(r)[0]?.message,
      `Invalid value: "number": spec.replicas in body must be of type integer`,
      v,
    );
  }
  const port = one(
    'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 80.5}]}',
  );
  assert.equal(decodeProblems(port).length, 1);
  assert.deepEqual(
    [undefined, 3, -2, 1e308, Infinity, 1.5, '2'].map(replicaCount),
    [1, 3, 0, 0, 0, 0, 0],
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OPENAPI_V2_PROTOBUF,
  openapiResponse,
  openapiV2Document,
  openapiV3Document,
  openapiV3Index,
} from './openapi.js';
import { apiGroups } from './catalog.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const schemaWithGvk = (doc: Obj, group: string, version: string, kind: string): Obj => {
  const found = Object.values(doc.components.schemas as Obj).find((s: Obj) =>
    (s['x-kubernetes-group-version-kind'] ?? []).some(
      (g: Obj) => g.group === group && g.version === version && g.kind === kind,
    ),
  );
  assert.ok(found, `${group}/${version} ${kind}`);
  return found as Obj;
};

test('/openapi/v3 lists every served group-version with a hashed URL that serves its document', () => {
  const index = openapiV3Index();
  const entry = index.paths['apis/networking.istio.io/v1'];
  assert.ok(entry);
  assert.match(
    entry.serverRelativeURL,
    /^\/openapi\/v3\/apis\/networking\.istio\.io\/v1\?hash=[0-9A-F]{128}$/,
  );
  assert.ok(index.paths['api/v1']);
  const r = openapiResponse(entry.serverRelativeURL, 'application/json');
  assert.equal(r?.status, 200);
  assert.equal(r?.headers?.['Cache-Control'], 'public, immutable');
  assert.equal((r?.body as Obj).openapi, '3.0.0');
  for (const g of apiGroups())
    for (const v of g.versions)
      assert.ok(index.paths[g.group ? `apis/${g.group}/${v}` : `api/${v}`], `${g.group}/${v}`);
});

test("Istio kinds carry the CRD's field descriptions (kubectl explain virtualservice.spec.http.retries)", () => {
  const doc = openapiV3Document('networking.istio.io', 'v1') as Obj;
  const vs = schemaWithGvk(doc, 'networking.istio.io', 'v1', 'VirtualService');
  const retries = vs.properties.spec.properties.http.items.properties.retries;
  assert.equal(retries.description, 'Retry policy for HTTP requests.');
  assert.equal(
    retries.properties.attempts.description,
    'Number of retries to be allowed for a given request.',
  );
  const beta = openapiV3Document('networking.istio.io', 'v1alpha3') as Obj;
  assert.ok(schemaWithGvk(beta, 'networking.istio.io', 'v1alpha3', 'DestinationRule'));
});

test('every PATCH names its kind and takes fieldValidation, so kubectl lets the server validate', () => {
  // k8s.io/cli-runtime pkg/resource/query_param_verifier_v3.go: a PATCH operation with the kind's
  // x-kubernetes-group-version-kind and a `fieldValidation` query parameter.
  for (const g of apiGroups())
    for (const v of g.versions) {
      const doc = openapiV3Document(g.group, v) as Obj;
      const patches = Object.values(doc.paths as Obj)
        .map((p: Obj) => p.patch)
        .filter(Boolean);
      for (const op of patches) {
        assert.ok(op['x-kubernetes-group-version-kind']);
        assert.ok(op.parameters.some((p: Obj) => p.name === 'fieldValidation' && p.in === 'query'));
      }
      if (g.group === 'apps') {
        const content = Object.keys(patches[0].requestBody.content);
        assert.ok(!content.includes('application/strategic-merge-patch+json'));
      }
    }
});

test('every $ref in a document resolves inside that document', () => {
  for (const g of apiGroups())
    for (const v of g.versions) {
      const doc = openapiV3Document(g.group, v) as Obj;
      const refs = JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g);
      for (const [, name] of refs) assert.ok(name && doc.components.schemas[name], `${name}`);
    }
  const v2 = openapiV2Document() as Obj;
  for (const [, name] of JSON.stringify(v2).matchAll(/"\$ref":"#\/definitions\/([^"]+)"/g))
    assert.ok(name && v2.definitions[name], `${name}`);
});

test('/openapi/v2 answers protobuf to kubectl (Swagger 2.0 as gnostic openapi.v2.Document)', () => {
  const r = openapiResponse('/openapi/v2?timeout=32s', OPENAPI_V2_PROTOBUF);
  assert.equal(r?.contentType, 'application/octet-stream');
  const bytes = Buffer.from(r?.body as Uint8Array);
  // field 1 (swagger), length 3, "2.0"
  assert.deepEqual([...bytes.subarray(0, 5)], [0x0a, 0x03, 0x32, 0x2e, 0x30]);
  assert.ok(bytes.includes(Buffer.from('io.istio.networking.v1.VirtualService')));
  const json = openapiResponse('/openapi/v2', 'application/json');
  assert.equal((json?.body as Obj).swagger, '2.0');
});

test('unknown OpenAPI group-versions are 404; other paths fall through', () => {
  assert.equal(openapiResponse('/openapi/v3/apis/example.com/v1', 'application/json')?.status, 404);
  assert.equal(openapiResponse('/apis', 'application/json'), undefined);
});

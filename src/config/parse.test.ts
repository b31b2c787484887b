import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResources } from './parse.js';

const yaml = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v1
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata:
    name: ratings
    namespace: prod
  spec:
    ports:
    - port: 9080
      name: http
- apiVersion: example.com/v1
  kind: Widget
  metadata:
    name: w
---
`;

test('multi-document YAML with a List keeps positions of every field', () => {
  const r = parseResources(yaml, 'x.yaml', { defaultNamespace: 'default' });
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.resources.length, 2);
  const [vs, svc] = r.resources;
  assert.equal(vs?.kind, 'VirtualService');
  assert.equal(vs?.metadata.namespace, 'default');
  assert.equal(vs?.namespaceExplicit, false);
  assert.equal(vs?.source?.line, 1);
  assert.deepEqual(
    vs?.source?.positionOf(['spec', 'http', 0, 'route', 0, 'destination', 'subset']),
    {
      file: 'x.yaml',
      line: 12,
      col: 9,
    },
  );
  assert.equal(svc?.metadata.namespace, 'prod');
  assert.equal(svc?.source?.line, 17);
  assert.equal(r.skipped.length, 1);
  assert.equal(r.skipped[0]?.kind, 'Widget');
});

test('a YAML syntax error names the line', () => {
  const r = parseResources('apiVersion: v1\nkind: Service\nmetadata: [\n', 'bad.yaml');
  assert.equal(r.resources.length, 0);
  assert.equal(r.diagnostics[0]?.level, 'Error');
  assert.equal(r.diagnostics[0]?.position?.file, 'bad.yaml');
});

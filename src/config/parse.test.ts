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

// kubectl's YAML decoder refuses an alias bomb (go-yaml/yaml decode.go: "document contains excessive
// aliasing"); it must become a diagnostic, never a thrown error (the admin API answered 500).
test('a YAML alias bomb is refused with a diagnostic, not expanded', () => {
  const lines = [
    'apiVersion: networking.istio.io/v1',
    'kind: VirtualService',
    'metadata: {name: bomb}',
    'spec:',
    '  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
  ];
  for (let i = 1; i < 9; i++)
    lines.push(
      `  a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  const r = parseResources(lines.join('\n'), 'bomb.yaml');
  assert.equal(r.resources.length, 0);
  assert.match(
    r.diagnostics[0]?.message ?? '',
    /^invalid YAML: document contains excessive aliasing/,
  );
  // A few anchors, as real config uses them, still load.
  const ok = parseResources(
    'apiVersion: v1\nkind: Service\nmetadata: {name: a, labels: &l {app: a}}\nspec: {selector: *l}',
    'ok.yaml',
  );
  assert.deepEqual(ok.diagnostics, []);
  assert.deepEqual((ok.resources[0]?.spec as { selector: unknown }).selector, { app: 'a' });
});

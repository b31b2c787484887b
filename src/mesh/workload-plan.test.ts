import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConfigSnapshot, parseResources } from '../config/index.js';
import { planWorkloads } from './workload-plan.js';
import { parsePortMap } from './ports.js';

const demo = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'src',
  'mesh',
  'demos',
  'bookinfo.yaml',
);

test('the Bookinfo demo plans one process per Deployment, mapped to built-in workloads', () => {
  const parsed = parseResources(readFileSync(demo, 'utf8'), demo);
  assert.deepEqual(parsed.diagnostics, []);
  const plan = planWorkloads(createConfigSnapshot(parsed.resources));
  assert.deepEqual(
    plan.map((w) => `${w.name} ${w.launch.builtin} ${w.launch.args.join(' ')}`),
    [
      'details-v1-0 details --version v1',
      'ratings-v1-0 ratings --version v1',
      'reviews-v1-0 reviews --version v1',
      'reviews-v2-0 reviews --version v2',
      'reviews-v3-0 reviews --version v3',
      'productpage-v1-0 productpage --version v1',
    ],
  );
  assert.deepEqual(plan[3]?.labels, { app: 'reviews', version: 'v2' });
  assert.equal(plan[3]?.serviceAccount, 'bookinfo-reviews');
  assert.deepEqual(plan[3]?.containerPorts, [9080]);
});

test('a switchyard.io Workload names any command', () => {
  const parsed = parseResources(
    `apiVersion: switchyard.io/v1alpha1
kind: Workload
metadata: {name: api}
spec:
  labels: {app: api, version: v1}
  ports: [{containerPort: 8000}]
  command: [node, server.js, --port, "{PORT}"]
`,
    'w.yaml',
  );
  const [w] = planWorkloads(createConfigSnapshot(parsed.resources));
  assert.equal(w?.name, 'api-0');
  assert.deepEqual(w?.launch.command, ['node', 'server.js', '--port', '{PORT}']);
});

test('port maps parse and reject nonsense', () => {
  assert.deepEqual(
    [...parsePortMap('80=8080,443=8443')],
    [
      [80, 8080],
      [443, 8443],
    ],
  );
  assert.throws(() => parsePortMap('80:8080'), /PORT=LOCALPORT/);
});

// Locally there are no Nodes to schedule on: a Deployment's pod template names one (spec.nodeName,
// read as Istio's getPodLocality does) or carries istio-locality; a Workload document says `locality`.
test('workloads carry their locality: pod template Node or label, Workload spec.locality', () => {
  const parsed = parseResources(
    `apiVersion: v1
kind: Node
metadata: {name: n1, labels: {topology.kubernetes.io/region: r1, topology.kubernetes.io/zone: z1}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeName: n1
      containers: [{name: c, image: docker.io/kong/httpbin}]
---
apiVersion: switchyard.io/v1alpha1
kind: Workload
metadata: {name: job}
spec: {builtin: sleep, locality: r2/z9}
`,
    'plan.yaml',
  );
  const plan = planWorkloads(createConfigSnapshot(parsed.resources));
  assert.deepEqual(
    plan.map((w) => [w.name, w.locality]),
    [
      ['web-0', 'r1/z1/'],
      ['job-0', 'r2/z9'],
    ],
  );
});

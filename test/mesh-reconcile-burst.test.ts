// The runner is one serialized reconcile loop where the latest config wins (as istiod debounces and
// queues pushes, istio/istio pilot/pkg/xds/discovery.go): 50 changes applied in a burst leave every
// proxy on the last revision, never on an older one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseResources } from '../src/config/index.js';
import { Mesh } from '../src/mesh/runner.js';
import { fixture } from './helpers/shared.js';

function routeTo(n: number) {
  return parseResources(
    `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: sleep
  namespace: default
spec:
  hosts: [sleep]
  http:
  - headers:
      request:
        set:
          x-revision: "change-${n}"
    route:
    - destination:
        host: sleep
`,
    `burst-${n}.yaml`,
  ).resources;
}

test('50 changes in a burst: every proxy ends on the last revision with the last change', async () => {
  const home = mkdtempSync(join(tmpdir(), 'switchyard-burst-'));
  process.env.SWITCHYARD_HOME = home;
  const mesh = new Mesh({
    files: [fixture('egress', 'sleep.yaml')],
    adminPort: 0,
    watchFiles: false,
    logDir: join(home, 'logs'),
    out: () => undefined,
  });
  try {
    await mesh.start();
    for (let n = 1; n <= 50; n++) mesh.store.apply(routeTo(n));
    await mesh.settled();
    const last = mesh.store.revision;
    const revisions = mesh.proxyRevisions();
    assert.ok(revisions.size >= 3, 'the sleep sidecar and both gateways');
    for (const [id, rev] of revisions) assert.equal(rev, last, `${id} is on revision ${last}`);
    const vs = mesh.store.get('VirtualService', 'default', 'sleep');
    assert.match(JSON.stringify(vs?.spec), /change-50/);
  } finally {
    await mesh.stop();
  }
});

// `switchyard up -R -f DIR` re-applies every save of a file in a subdirectory, when the editor saves by
// writing a temporary file and renaming it over the original (five saves in a row, each one applied).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get, startMesh, type RunningMesh } from './helpers/mesh.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-watch-e2e-'));
const file = join(dir, 'routing', 'reviews', 'vs.yaml');
let mesh: RunningMesh;

const vs = (subset: string, save: number): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  annotations: {save: "${save}"}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: ${subset}}
`;

const DR = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: v3, labels: {version: v3}}
`;

before(async () => {
  mkdirSync(join(dir, 'routing', 'reviews'), { recursive: true });
  writeFileSync(join(dir, 'routing', 'dr.yaml'), DR);
  writeFileSync(file, vs('v1', 0));
  mesh = await startMesh(['--demo', 'bookinfo', '-R', '-f', dir]);
});

after(async () => {
  await mesh?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function appliedSave(): Promise<{ save?: string; subset?: string }> {
  // The Kubernetes API on the admin port wants the bearer token `up` wrote, as kubectl sends it.
  const token = readFileSync(join(mesh.home, 'admin-token'), 'utf8').trim();
  const r = await get(
    `${mesh.admin}/apis/networking.istio.io/v1/namespaces/default/virtualservices/reviews`,
    { authorization: `Bearer ${token}` },
  );
  const o = JSON.parse(r.body) as {
    metadata?: { annotations?: Record<string, string> };
    spec?: { http?: { route?: { destination?: { subset?: string } }[] }[] };
  };
  return {
    save: o.metadata?.annotations?.['save'],
    subset: o.spec?.http?.[0]?.route?.[0]?.destination?.subset,
  };
}

test('five rename-saves of a file two directories down are each applied', async () => {
  assert.equal((await appliedSave()).save, '0');
  const subsets = ['v2', 'v3', 'v1', 'v2', 'v3'];
  for (let i = 1; i <= 5; i++) {
    const subset = subsets[i - 1] ?? 'v1';
    // What vim (backupcopy=no), JetBrains' safe write and `sed -i` do: write aside, rename over.
    const tmp = join(dir, 'routing', 'reviews', `.vs.yaml.${i}.swp`);
    writeFileSync(tmp, vs(subset, i));
    renameSync(tmp, file);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const now = await appliedSave();
      if (now.save === String(i)) {
        assert.equal(now.subset, subset);
        break;
      }
      assert.ok(Date.now() < deadline, `save ${i} not applied; mesh output:\n${mesh.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  assert.match(mesh.output(), /virtualservice.*reviews configured/i);
});

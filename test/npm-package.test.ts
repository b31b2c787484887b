// The package a user installs from the registry runs: `npm pack` ships the compiled CLI and its
// runtime assets, and a fresh folder that installs the tarball can validate, analyze and run Bookinfo.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './helpers/shared.js';
import { get, startMesh } from './helpers/mesh.js';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};
const work = mkdtempSync(join(tmpdir(), 'switchyard-npm-'));
const app = join(work, 'app');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let skipReason: string | false = false;

const run = (cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> =>
  spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
    // npm must not see this checkout's own config or a parent node_modules through the env.
    env: { ...process.env, npm_config_loglevel: 'error', npm_config_update_notifier: 'false' },
  });

const explain = (r: SpawnSyncReturns<string>): string =>
  `exit ${r.status}${r.error ? ` (${r.error.message})` : ''}\n${r.stdout}\n${r.stderr}`;

before(() => {
  // The suite runs after `npm run build` (npm test builds first), so pack what is built; `prepack`
  // (npm run build) is what makes `npm pack`/`npm publish` outside the tests ship a fresh dist/.
  const packed = run(
    npm,
    ['pack', '--ignore-scripts', '--json', '--pack-destination', work],
    repoRoot,
  );
  assert.equal(packed.status, 0, explain(packed));
  const [info] = JSON.parse(packed.stdout) as { filename: string }[];
  assert.ok(info);
  const tarball = join(work, info.filename);
  spawnSync('mkdir', ['-p', app]);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'try-switchyard', private: true }),
  );
  // The npm cache answers most of this; the registry only for what the cache lacks.
  const installed = run(
    npm,
    ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev'],
    app,
  );
  if (
    installed.status !== 0 &&
    /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT/.test(installed.stderr)
  ) {
    skipReason = `npm install could not reach the registry for dependencies missing from the cache:\n${installed.stderr}`;
    console.log(`# skip: ${skipReason}`);
    return;
  }
  assert.equal(installed.status, 0, explain(installed));
});

after(() => {
  rmSync(work, { recursive: true, force: true });
});

test('npm pack ships the compiled CLI and its assets, not the tests', () => {
  const listed = run(npm, ['pack', '--dry-run', '--ignore-scripts', '--json'], repoRoot);
  assert.equal(listed.status, 0, explain(listed));
  const [info] = JSON.parse(listed.stdout) as { files: { path: string }[] }[];
  const files = info?.files.map((f) => f.path) ?? [];
  for (const want of [
    'bin/switchyard.js',
    'dist/src/cli/main.js',
    'src/mesh/demos/bookinfo.yaml',
    'src/telemetry/ui/graph.html',
    'README.md',
    'LICENSE',
  ])
    assert.ok(files.includes(want), `${want} missing from the tarball`);
  assert.deepEqual(
    files.filter((f) => /\.test\.js$|\.map$|^dist\/(test|bench)\//.test(f)),
    [],
    'tests, benchmarks and source maps stay out of the package',
  );
});

test('npx switchyard --version prints the package version', (t) => {
  if (skipReason) return t.skip(skipReason);
  const r = run('npx', ['--no-install', 'switchyard', '--version'], app);
  assert.equal(r.status, 0, explain(r));
  assert.equal(r.stdout.trim(), pkg.version);
});

const SAMPLE = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviews
        subset: v1
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
  subsets:
  - name: v1
    labels:
      version: v1
`;

test('the installed CLI validates and analyzes a sample', (t) => {
  if (skipReason) return t.skip(skipReason);
  writeFileSync(join(app, 'sample.yaml'), SAMPLE);
  const valid = run('npx', ['--no-install', 'switchyard', 'validate', '-f', 'sample.yaml'], app);
  assert.equal(valid.status, 0, explain(valid));
  writeFileSync(join(app, 'broken.yaml'), SAMPLE.replace('subset: v1', 'subset: [v1]'));
  const invalid = run('npx', ['--no-install', 'switchyard', 'validate', '-f', 'broken.yaml'], app);
  assert.notEqual(invalid.status, 0, explain(invalid));
  assert.match(invalid.stdout + invalid.stderr, /broken\.yaml:\d+/);
  const analyzed = run('npx', ['--no-install', 'switchyard', 'analyze', 'sample.yaml'], app);
  // No Service named reviews in the sample: istioctl's IST0101 and its exit code 79 for analyzer
  // errors (istio/istio istioctl/cmd/sysexits.go, as src/cli/exit-codes.ts).
  assert.equal(analyzed.status, 79, explain(analyzed));
  assert.match(analyzed.stdout + analyzed.stderr, /IST0101.*sample\.yaml:10/);
});

test('the installed CLI runs `up --demo bookinfo` and the ingress answers /productpage', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const bin = join(app, 'node_modules', pkg.name, 'bin', 'switchyard.js');
  const mesh = await startMesh(['--demo', 'bookinfo'], 8080, join(work, 'home'), bin);
  try {
    const r = await get(`${mesh.gateway}/productpage`);
    assert.equal(r.status, 200, mesh.output());
    assert.match(r.body, /The Comedy of Errors/);
  } finally {
    await mesh.stop();
  }
});

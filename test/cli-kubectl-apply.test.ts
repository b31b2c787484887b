// `switchyard apply` as a user runs it: the real CLI against a real admin server, kubectl's lines.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { startAdminServer, writeTokenFile, type AdminServer } from '../src/admin/index.js';
import { fixture } from './helpers/shared.js';
import { testStore } from './admin-test-support.js';
import { lines, runCli } from './cli-kubectl-support.js';

const TOKEN = 'cli-apply-token';
const store = testStore();
let admin: AdminServer;
let server: string[];

before(async () => {
  admin = await startAdminServer({ store, token: TOKEN, port: 0 });
  server = ['--server', admin.url, '--token', TOKEN];
});
after(() => admin.close());

const f = (name: string) => fixture('store', name);

test('apply prints created, then unchanged, then configured', async () => {
  const first = await runCli(['apply', '-f', f('reviews-v1.yaml'), ...server]);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(lines(first.stdout), ['virtualservice.networking.istio.io/reviews created']);
  const again = await runCli(['apply', '-f', f('reviews-v1.yaml'), ...server]);
  assert.deepEqual(lines(again.stdout), ['virtualservice.networking.istio.io/reviews unchanged']);
  const split = await runCli(['apply', '-f', f('reviews-80-20.yaml'), ...server]);
  assert.deepEqual(lines(split.stdout), ['virtualservice.networking.istio.io/reviews configured']);
  const spec = store.get('VirtualService', 'default', 'reviews')?.spec as {
    http: { route: unknown[] }[];
  };
  assert.equal(spec.http[0]?.route.length, 2);
});

test('apply -f reads several files, multi-document YAML and stdin', async () => {
  const run = await runCli(['apply', '-f', f('destination-rules.yaml'), '-f', '-', ...server], {
    stdin: readFileSync(f('gateway-and-service.yaml'), 'utf8'),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(lines(run.stdout), [
    'destinationrule.networking.istio.io/reviews created',
    'destinationrule.networking.istio.io/ratings created',
    'gateway.networking.istio.io/bookinfo-gateway created',
    'virtualservice.networking.istio.io/bookinfo created',
    'service/productpage created',
    'serviceentry.networking.istio.io/httpbin-ext created',
  ]);
});

test('an invalid resource is refused with file:line, exit 1, and nothing changes', async () => {
  const rev = store.revision;
  const run = await runCli(['apply', '-f', f('negative-weight.yaml'), ...server]);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, '');
  const err = lines(run.stderr);
  assert.match(
    err[0] ?? '',
    /^Error from server: error when patching ".*negative-weight\.yaml": admission webhook "validation\.istio\.io" denied the request: configuration is invalid: /,
  );
  assert.ok(
    err.some((l) =>
      /negative-weight\.yaml:17:\d+: error: VirtualService default\/reviews: spec\.http\[0\]\.route\[1\]\.weight/.test(
        l,
      ),
    ),
    run.stderr,
  );
  assert.equal(store.revision, rev);
});

test('a YAML syntax error stops before the server with file:line', async () => {
  const run = await runCli(['apply', '-f', f('bad-syntax.yaml'), ...server]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^error: error parsing .*bad-syntax\.yaml: invalid YAML/);
  assert.match(run.stderr, /bad-syntax\.yaml:\d+:\d+: error: invalid YAML/);
});

test('without the token the server refuses as kubectl reports it', async () => {
  const run = await runCli(['apply', '-f', f('reviews-v1.yaml'), '--server', admin.url]);
  assert.equal(run.code, 1);
  assert.equal(run.stderr.trim(), 'error: You must be logged in to the server (Unauthorized)');
});

test('the token is read from $SWITCHYARD_HOME/admin-token when --token is absent', async () => {
  const home = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
  try {
    writeTokenFile(join(home, 'admin-token'), TOKEN);
    const run = await runCli(['apply', '-f', f('reviews-v1.yaml'), '--server', admin.url], {
      env: { SWITCHYARD_HOME: home },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(lines(run.stdout), ['virtualservice.networking.istio.io/reviews configured']);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('-n sets the namespace, and refuses objects naming another one', async () => {
  const run = await runCli(['apply', '-f', f('reviews-v1.yaml'), '-n', 'test', ...server]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(store.get('VirtualService', 'test', 'reviews'));
  const clash = await runCli(['apply', '-f', '-', '-n', 'other', ...server], {
    stdin:
      'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g, namespace: prod}\nspec: {}\n',
  });
  assert.equal(clash.code, 1);
  assert.match(
    clash.stderr,
    /the namespace from the provided object "prod" does not match the namespace "other"/,
  );
});

test('a missing path and an unreachable server fail as kubectl says', async () => {
  const missing = await runCli(['apply', '-f', 'no/such/file.yaml', ...server]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.trim(), 'error: the path "no/such/file.yaml" does not exist');
  const closed = await startAdminServer({ store, token: TOKEN, port: 0 });
  const url = closed.url;
  await closed.close();
  const down = await runCli([
    'apply',
    '-f',
    f('reviews-v1.yaml'),
    '--server',
    url,
    '--token',
    TOKEN,
  ]);
  assert.equal(down.code, 1);
  assert.match(
    down.stderr,
    /^error: no mesh at http:\/\/127\.0\.0\.1:\d+ \(is `switchyard up` running\? pass --server URL\)/,
  );
});

test('a directory is read flat, and with -R recursively; JSON files too', async () => {
  const flat = await runCli(['apply', '-f', f('tree'), ...server]);
  assert.equal(flat.code, 0, flat.stderr);
  assert.deepEqual(lines(flat.stdout), [
    'destinationrule.networking.istio.io/tree-ratings created',
  ]);
  const deep = await runCli(['apply', '-f', f('tree'), '-R', ...server]);
  assert.deepEqual(lines(deep.stdout), [
    'destinationrule.networking.istio.io/tree-ratings unchanged',
    'destinationrule.networking.istio.io/tree-details created',
  ]);
});

test('--dry-run=server validates and reports without changing anything', async () => {
  const rev = store.revision;
  const run = await runCli(['apply', '-f', f('reviews-80-20.yaml'), '--dry-run=server', ...server]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(lines(run.stdout), [
    'virtualservice.networking.istio.io/reviews configured (server dry run)',
  ]);
  assert.equal(store.revision, rev);
  const bad = await runCli([
    'apply',
    '-f',
    f('negative-weight.yaml'),
    '--dry-run=server',
    ...server,
  ]);
  assert.equal(bad.code, 1);
});

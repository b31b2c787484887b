// `switchyard patch` and `switchyard delete`: kubectl's `patched`, `(no change)`, `deleted` lines and errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseResources } from '../src/config/index.js';
import { startAdminServer, type AdminServer } from '../src/admin/index.js';
import { fixture } from './helpers/shared.js';
import { testStore } from './admin-test-support.js';
import { lines, runCli } from './cli-kubectl-support.js';

const TOKEN = 'patch-token';
const store = testStore();
let admin: AdminServer;
let server: string[];

before(async () => {
  admin = await startAdminServer({ store, token: TOKEN, port: 0 });
  server = ['--server', admin.url, '--token', TOKEN];
  for (const name of ['reviews-80-20.yaml', 'destination-rules.yaml'])
    store.apply(
      parseResources(readFileSync(fixture('store', name), 'utf8'), fixture('store', name))
        .resources,
    );
});
after(() => admin.close());

type Routes = { http: { route: { weight?: number; destination: { subset: string } }[] }[] };
const weights = () =>
  (store.get('VirtualService', 'default', 'reviews')?.spec as Routes).http[0]?.route.map((d) => [
    d.destination.subset,
    d.weight,
  ]);

test('patch --type merge to 50/50 then 100% v2, as in the acceptance walk', async () => {
  const half =
    '{"spec":{"http":[{"route":[{"destination":{"host":"reviews","subset":"v1"},"weight":50},{"destination":{"host":"reviews","subset":"v2"},"weight":50}]}]}}';
  const run = await runCli([
    'patch',
    'virtualservice',
    'reviews',
    '--type',
    'merge',
    '-p',
    half,
    ...server,
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(lines(run.stdout), ['virtualservice.networking.istio.io/reviews patched']);
  assert.deepEqual(weights(), [
    ['v1', 50],
    ['v2', 50],
  ]);
  const same = await runCli(['patch', 'vs', 'reviews', '--type', 'merge', '-p', half, ...server]);
  assert.deepEqual(lines(same.stdout), [
    'virtualservice.networking.istio.io/reviews patched (no change)',
  ]);
  const all = await runCli([
    'patch',
    'vs/reviews',
    '--type',
    'merge',
    '-p',
    'spec: {http: [{route: [{destination: {host: reviews, subset: v2}}]}]}',
    ...server,
  ]);
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(weights(), [['v2', undefined]]);
});

test('patch --type json applies RFC 6902 operations', async () => {
  const run = await runCli([
    'patch',
    'dr',
    'reviews',
    '--type',
    'json',
    '-p',
    '[{"op":"add","path":"/spec/subsets/-","value":{"name":"v3","labels":{"version":"v3"}}}]',
    ...server,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const spec = store.get('DestinationRule', 'default', 'reviews')?.spec as {
    subsets: { name: string }[];
  };
  assert.deepEqual(
    spec.subsets.map((s) => s.name),
    ['v1', 'v2', 'v3'],
  );
});

test('an invalid patch result is denied by the webhook and the object stays as it was', async () => {
  const before = weights();
  const run = await runCli([
    'patch',
    'vs',
    'reviews',
    '--type',
    'json',
    '-p',
    '[{"op":"add","path":"/spec/http/0/route/0/weight","value":-5}]',
    ...server,
  ]);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /^Error from server: admission webhook "validation\.istio\.io" denied the request: configuration is invalid: spec\.http\[0\]\.route\[0\]\.weight/,
  );
  assert.deepEqual(weights(), before);
});

test('patch errors: default strategic type on an Istio kind, missing -p, NotFound', async () => {
  const strategic = await runCli(['patch', 'vs', 'reviews', '-p', '{}', ...server]);
  assert.equal(strategic.code, 1);
  assert.match(
    strategic.stderr,
    /application\/strategic-merge-patch\+json is not supported by networking\.istio\.io/,
  );
  const noPatch = await runCli(['patch', 'vs', 'reviews', '--type', 'merge', ...server]);
  assert.equal(noPatch.code, 1);
  assert.match(noPatch.stderr, /^error: must specify --patch/);
  const missing = await runCli(['patch', 'vs', 'nope', '--type', 'merge', '-p', '{}', ...server]);
  assert.equal(
    missing.stderr.trim(),
    'Error from server (NotFound): virtualservices.networking.istio.io "nope" not found',
  );
});

test("delete KIND NAME prints kubectl's deleted line; a second delete is NotFound", async () => {
  const run = await runCli(['delete', 'vs', 'reviews', ...server]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(lines(run.stdout), ['virtualservice.networking.istio.io "reviews" deleted']);
  const again = await runCli(['delete', 'virtualservices', 'reviews', ...server]);
  assert.equal(again.code, 1);
  assert.equal(
    again.stderr.trim(),
    'Error from server (NotFound): virtualservices.networking.istio.io "reviews" not found',
  );
  const ignored = await runCli(['delete', 'vs', 'reviews', '--ignore-not-found', ...server]);
  assert.equal(ignored.code, 0);
});

test('delete -f removes what the file names and reports what was not there', async () => {
  const file = fixture('store', 'destination-rules.yaml');
  const run = await runCli(['delete', '-f', file, ...server]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(lines(run.stdout), [
    'destinationrule.networking.istio.io "reviews" deleted',
    'destinationrule.networking.istio.io "ratings" deleted',
  ]);
  const again = await runCli(['delete', '-f', file, ...server]);
  assert.equal(again.code, 1);
  assert.match(
    again.stderr,
    /^Error from server \(NotFound\): error when deleting ".*destination-rules\.yaml": destinationrules\.networking\.istio\.io "reviews" not found/,
  );
});

test('delete without a token is Unauthorized and deletes nothing', async () => {
  store.apply(
    parseResources(readFileSync(fixture('store', 'reviews-v1.yaml'), 'utf8'), 'x').resources,
  );
  const run = await runCli(['delete', 'vs', 'reviews', '--server', admin.url]);
  assert.equal(run.code, 1);
  assert.equal(run.stderr.trim(), 'error: You must be logged in to the server (Unauthorized)');
  assert.ok(store.get('VirtualService', 'default', 'reviews'));
});

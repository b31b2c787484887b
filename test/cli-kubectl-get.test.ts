// `switchyard get`: kubectl's tables (Istio's printer columns), -o yaml|json|name, NotFound, proxies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseResources } from '../src/config/index.js';
import { startAdminServer, type AdminServer } from '../src/admin/index.js';
import { ManualClock } from '../src/runtime/clock.js';
import { fixture } from './helpers/shared.js';
import { testStore } from './admin-test-support.js';
import { lines, runCli } from './cli-kubectl-support.js';

// Created 30 minutes ago, so AGE reads 30m to 39m however slow the run: always three characters wide.
const store = testStore(new ManualClock(Date.now() - 30 * 60_000));
let admin: AdminServer;
let server: string[];

before(async () => {
  admin = await startAdminServer({ store, token: 'T', port: 0 });
  // The Kubernetes API serves Secrets too: reads carry the token as writes do.
  server = ['--server', admin.url, '--token', 'T'];
  for (const name of ['destination-rules.yaml', 'gateway-and-service.yaml', 'reviews-v1.yaml'])
    store.apply(parseResources(readFileSync(fixture('store', name), 'utf8'), name).resources);
  store.apply(
    parseResources(readFileSync(fixture('store', 'reviews-v1.yaml'), 'utf8'), 'x', {
      defaultNamespace: 'test',
    }).resources,
  );
});
after(() => admin.close());

/** Replaces the AGE cells (30m..39m) by a marker of the same width. */
const ages = (text: string) => lines(text).map((l) => l.replace(/\b3\dm\b/, '##m'));

test("get vs prints NAME GATEWAYS HOSTS AGE from Istio's printer columns", async () => {
  const run = await runCli(['get', 'vs', ...server]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(ages(run.stdout), [
    'NAME       GATEWAYS               HOSTS         AGE',
    'bookinfo   ["bookinfo-gateway"]   ["*"]         ##m',
    'reviews                           ["reviews"]   ##m',
  ]);
});

test('get dr, se, gw, svc use their own columns; kind spellings as kubectl accepts them', async () => {
  assert.deepEqual(ages((await runCli(['get', 'destinationrules', ...server])).stdout), [
    // The API server lists in key order (namespace, then name), not in creation order.
    'NAME      HOST      AGE',
    'ratings   ratings   ##m',
    'reviews   reviews   ##m',
  ]);
  assert.deepEqual(ages((await runCli(['get', 'se', ...server])).stdout), [
    'NAME          HOSTS             LOCATION        RESOLUTION   AGE',
    'httpbin-ext   ["httpbin.org"]   MESH_EXTERNAL   DNS          ##m',
  ]);
  assert.deepEqual(ages((await runCli(['get', 'gw', ...server])).stdout), [
    'NAME               AGE',
    'bookinfo-gateway   ##m',
  ]);
  assert.deepEqual(
    ages((await runCli(['get', 'svc', 'productpage', '-o', 'wide', ...server])).stdout),
    [
      'NAME          TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)    AGE   SELECTOR',
      'productpage   ClusterIP   <none>       <none>        9080/TCP   ##m   app=productpage',
    ],
  );
});

test('-A adds NAMESPACE; -n selects one; an empty namespace says No resources found', async () => {
  assert.deepEqual(ages((await runCli(['get', 'virtualservice', '-A', ...server])).stdout), [
    'NAMESPACE   NAME       GATEWAYS               HOSTS         AGE',
    'default     bookinfo   ["bookinfo-gateway"]   ["*"]         ##m',
    'default     reviews                           ["reviews"]   ##m',
    'test        reviews                           ["reviews"]   ##m',
  ]);
  assert.equal(lines((await runCli(['get', 'vs', '-n', 'test', ...server])).stdout).length, 2);
  const none = await runCli(['get', 'sidecars', '-n', 'empty', ...server]);
  assert.equal(none.code, 0);
  assert.equal(none.stderr.trim(), 'No resources found in empty namespace.');
});

test('-o yaml and -o json print the object; -o name its kubectl name', async () => {
  const yaml = await runCli(['get', 'vs', 'reviews', '-o', 'yaml', ...server]);
  const obj = parseYaml(yaml.stdout) as {
    kind: string;
    metadata: { name: string; resourceVersion: string };
  };
  assert.equal(obj.kind, 'VirtualService');
  assert.equal(obj.metadata.name, 'reviews');
  assert.match(yaml.stdout, /^apiVersion: networking\.istio\.io\/v1\n/);
  const json = await runCli(['get', 'dr', '-o', 'json', ...server]);
  const list = JSON.parse(json.stdout) as { kind: string; items: unknown[] };
  assert.equal(list.kind, 'List');
  assert.equal(list.items.length, 2);
  assert.match(json.stdout, /^\{\n {4}"apiVersion": "v1"/);
  const names = await runCli(['get', 'vs', '-o', 'name', ...server]);
  assert.deepEqual(lines(names.stdout), [
    'virtualservice.networking.istio.io/bookinfo',
    'virtualservice.networking.istio.io/reviews',
  ]);
});

test('a missing object is NotFound, an unknown kind is an error; both exit 1', async () => {
  const missing = await runCli(['get', 'vs', 'nope', ...server]);
  assert.equal(missing.code, 1);
  assert.equal(
    missing.stderr.trim(),
    'Error from server (NotFound): virtualservices.networking.istio.io "nope" not found',
  );
  const kind = await runCli(['get', 'frobs', ...server]);
  assert.equal(kind.code, 1);
  assert.equal(kind.stderr.trim(), 'error: the server doesn\'t have a resource type "frobs"');
});

test('get proxies prints what the runner registered', async () => {
  const empty = await runCli(['get', 'proxies', ...server]);
  assert.equal(empty.stderr.trim(), 'No resources found');
  admin.setProxyProvider(() => [
    {
      name: 'istio-ingressgateway',
      kind: 'gateway',
      workload: 'istio-ingressgateway',
      listeners: ['127.0.0.1:8080'],
    },
    {
      name: 'reviews-v1',
      kind: 'sidecar',
      workload: 'reviews-v1',
      listeners: ['127.0.0.1:15001', '127.0.0.1:15006'],
    },
  ]);
  const run = await runCli(['get', 'proxies', ...server]);
  assert.deepEqual(lines(run.stdout), [
    'NAME                   KIND      WORKLOAD               LISTENERS',
    'istio-ingressgateway   gateway   istio-ingressgateway   127.0.0.1:8080',
    'reviews-v1             sidecar   reviews-v1             127.0.0.1:15001,127.0.0.1:15006',
  ]);
});

test('get vs,dr prints one table per kind with type-qualified names', async () => {
  const run = await runCli(['get', 'dr,gw', ...server]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(ages(run.stdout), [
    'NAME                                          HOST      AGE',
    'destinationrule.networking.istio.io/ratings   ratings   ##m',
    'destinationrule.networking.istio.io/reviews   reviews   ##m',
    'NAME                                           AGE',
    'gateway.networking.istio.io/bookinfo-gateway   ##m',
  ]);
  assert.match(run.stdout, /reviews {3}\d+m\n\nNAME/, 'a blank line separates the tables');
});

// The `switchyard proxy-config` command end to end, as a user runs it (a real process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fixture, repoRoot } from './helpers/shared.js';

const bin = join(repoRoot, 'bin', 'switchyard.js');
const files = [
  'bookinfo.yaml',
  'destination-rules.yaml',
  'virtual-services.yaml',
  'gateway.yaml',
].map((f) => fixture('compile', f));
const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('proxy-config routes prints the istioctl table; -o json the route tables', () => {
  const r = run('proxy-config', 'routes', 'productpage-v1-0.default', '-f', ...files);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /^NAME +VHOST NAME +DOMAINS +MATCH +VIRTUAL SERVICE\n9080 +details\.default\.svc\.cluster\.local:9080 +details, details\.default \+ 1 more\.\.\. +\/\* +details\.default\n/,
  );
  const j = run('pc', 'routes', 'productpage-v1', '-o', 'json', '--name', '9080', '-f', ...files);
  assert.equal(j.status, 0, j.stderr);
  const parsed = JSON.parse(j.stdout) as { name: string; virtualHosts: { name: string }[] }[];
  assert.equal(parsed.length, 1);
  assert.equal(parsed[0]!.virtualHosts.at(-1)!.name, 'allow_any');
});

test('proxy-config clusters / endpoints / listeners for the ingress gateway', () => {
  const c = run('pc', 'clusters', 'istio-ingressgateway', '--fqdn', 'reviews', '-f', ...files);
  assert.equal(c.status, 0, c.stderr);
  assert.equal(c.stdout.trim().split('\n').length, 5);
  const e = run(
    'pc',
    'endpoints',
    'istio-ingressgateway',
    '--cluster',
    'outbound|9080|v1|reviews.default.svc.cluster.local',
    '-f',
    ...files,
  );
  assert.equal(e.status, 0, e.stderr);
  assert.match(
    e.stdout,
    /^ENDPOINT +STATUS +OUTLIER CHECK +CLUSTER\n10\.244\.\d+\.\d+:9080 +HEALTHY +OK +outbound\|9080\|v1\|reviews/,
  );
  const l = run(
    'pc',
    'listeners',
    'istio-ingressgateway.istio-system',
    '-o',
    'yaml',
    '-f',
    ...files,
  );
  assert.equal(l.status, 0, l.stderr);
  assert.match(l.stdout, /name: 0\.0\.0\.0_8080/);
});

test('unknown proxies and --server without files fail with a clear message', () => {
  const r = run('pc', 'routes', 'nope', '-f', ...files);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /proxy nope not found.*productpage-v1-0\.default/);
  // Nothing listens on port 1: the CLI says so instead of hanging or crashing.
  const s = run('pc', 'routes', 'productpage-v1', '--server', 'http://127.0.0.1:1');
  assert.equal(s.status, 1);
  assert.match(s.stderr, /no mesh at http:\/\/127\.0\.0\.1:1 /);
});

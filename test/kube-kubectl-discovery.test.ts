// A real kubectl (the oldest and newest supported) reads Switchyard's discovery and OpenAPI
// documents from a stand-in API server: api-resources, api-versions, explain, apply's validation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { startKubeStandIn } from './helpers/kube-stand-in.js';

const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';
const VERSIONS = process.env.KUBECTL_VERSIONS?.split(',') ?? ['1.27', '1.33'];

let dir = '';
let server: Server | undefined;
let requests: string[] = [];
let kubeconfig = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubectl-discovery-'));
  const started = await startKubeStandIn();
  server = started.server;
  requests = started.requests;
  kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: switchyard, cluster: {server: "${started.url}"}}]`,
      'users: [{name: switchyard, user: {token: test-token}}]',
      'contexts: [{name: switchyard, context: {cluster: switchyard, user: switchyard, namespace: default}}]',
      'current-context: switchyard',
      '',
    ].join('\n'),
  );
});

after(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

let runs = 0;
/** Runs kubectl with its own fresh discovery cache, so every run reads the server. */
function kubectl(version: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const cache = join(dir, `cache-${runs++}`);
  return new Promise((resolve, reject) => {
    const child = spawn(
      join(KUBECTL_DIR, `kubectl.${version}`),
      ['--kubeconfig', kubeconfig, '--cache-dir', cache, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

for (const version of VERSIONS) {
  const binary = join(KUBECTL_DIR, `kubectl.${version}`);
  const skip = existsSync(binary) ? false : `${binary} is not installed`;
  if (skip) console.log(`# skipping kubectl ${version}: ${skip}`);

  test(
    `kubectl ${version} api-resources lists every served resource with names and kinds`,
    { skip },
    async () => {
      const { code, out } = await kubectl(version, ['api-resources']);
      assert.equal(code, 0, out);
      const rows = out.split('\n').map((l) => l.trim().split(/\s+/));
      const row = (name: string) => rows.find((r) => r[0] === name);
      assert.deepEqual(row('virtualservices'), [
        'virtualservices',
        'vs',
        'networking.istio.io/v1',
        'true',
        'VirtualService',
      ]);
      assert.deepEqual(row('deployments'), [
        'deployments',
        'deploy',
        'apps/v1',
        'true',
        'Deployment',
      ]);
      assert.deepEqual(row('namespaces'), ['namespaces', 'ns', 'v1', 'false', 'Namespace']);
      assert.deepEqual(row('peerauthentications'), [
        'peerauthentications',
        'pa',
        'security.istio.io/v1',
        'true',
        'PeerAuthentication',
      ]);
      assert.deepEqual(row('customresourcedefinitions')?.slice(1, 3), [
        'crd,crds',
        'apiextensions.k8s.io/v1',
      ]);
      // Subresources are not resources of their own.
      assert.ok(!rows.some((r) => r[0]?.includes('/')));
    },
  );

  test(`kubectl ${version} api-versions lists every served group-version`, { skip }, async () => {
    const { code, out } = await kubectl(version, ['api-versions']);
    assert.equal(code, 0, out);
    const versions = out.trim().split('\n');
    for (const gv of [
      'v1',
      'apps/v1',
      'discovery.k8s.io/v1',
      'networking.istio.io/v1',
      'networking.istio.io/v1beta1',
      'networking.istio.io/v1alpha3',
      'security.istio.io/v1',
      'apiextensions.k8s.io/v1',
      'switchyard.io/v1alpha1',
    ])
      assert.ok(versions.includes(gv), `${gv} in ${out}`);
  });

  test(`kubectl ${version} explain shows Istio's field descriptions`, { skip }, async () => {
    // 1.27 and 1.28 read /openapi/v2 (protobuf); later versions read /openapi/v3.
    const { code, out } = await kubectl(version, ['explain', 'virtualservice.spec.http.retries']);
    assert.equal(code, 0, out);
    assert.match(out, /KIND:\s+VirtualService/);
    assert.match(out, /FIELD: retries <Object>/);
    assert.match(out, /Retry policy for HTTP requests\./);
    assert.match(
      out,
      /attempts\s+<integer>\n\s+Number of retries to be allowed for a given request\./,
    );
    assert.match(out, /perTryTimeout\s+<string>/);
  });

  test(`kubectl ${version} explain describes built-in kinds`, { skip }, async () => {
    const { code, out } = await kubectl(version, ['explain', 'deployments']);
    assert.equal(code, 0, out);
    assert.match(out, /KIND:\s+Deployment/);
    assert.match(out, /metadata\s+<ObjectMeta>/);
    assert.match(out, /spec\s+<DeploymentSpec>/);
  });

  test(
    `kubectl ${version} apply leaves validation to the server (fieldValidation=Strict)`,
    { skip },
    async () => {
      // k8s.io/kubectl pkg/cmd/util factory Validator: with a PATCH that takes fieldValidation in
      // /openapi/v3, kubectl validates nothing itself and asks the server to (Strict).
      const manifest = join(dir, `vs-${version}.yaml`);
      writeFileSync(
        manifest,
        [
          'apiVersion: networking.istio.io/v1beta1',
          'kind: VirtualService',
          'metadata: {name: reviews}',
          'spec:',
          '  hosts: [reviews]',
          '  http:',
          '  - match: [{headers: {end-user: {exact: jason}}}]',
          '    route: [{destination: {host: reviews, subset: v2, port: {number: 9080}}, weight: 100}]',
          '    retries: {attempts: 3, perTryTimeout: 2s, retryOn: "5xx,connect-failure"}',
          '    timeout: 10s',
          '',
        ].join('\n'),
      );
      const before = requests.length;
      const { out } = await kubectl(version, ['apply', '-f', manifest]);
      const sent = requests.slice(before);
      assert.ok(
        sent.some((r) =>
          /^POST \/apis\/networking\.istio\.io\/v1beta1\/namespaces\/default\/virtualservices\?.*fieldValidation=Strict/.test(
            r,
          ),
        ),
        `${out}\n${sent.join('\n')}`,
      );
      assert.doesNotMatch(out, /error validating/);
    },
  );
}

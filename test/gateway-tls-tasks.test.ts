// Istio's secure-ingress and ingress-sni-passthrough task YAML (../shared/conformance/istio-samples/
// tasks) loads, validates, compiles to the gateway chains the tasks describe, and serves real
// handshakes. The Secrets are `kubectl create secret` commands in the tasks, so the test makes them;
// helloworld and nginx are not built-in workloads, so their routes are checked at the cluster name.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { loadResources, validateResources } from '../src/config/index.js';
import { createProxy, type Proxy } from '../src/proxy/index.js';
import { compileFrom } from './helpers/compile.js';
import { createPki, tlsSecretYaml } from './helpers/certs.js';
import { fixture, sharedFile, sharedSkipReason } from './helpers/shared.js';
import { httpGet, tlsRequest } from './helpers/tls-clients.js';

const TASKS = ['conformance', 'istio-samples', 'tasks'];
const GW = 'istio-ingressgateway';
const httpbin = readFileSync(fixture('gateway-tls', 'httpbin.yaml'), 'utf8');
const proxies: Proxy[] = [];
after(async () => {
  for (const p of proxies) await p.close(50);
});

function task(dir: string, file: string): string | undefined {
  const path = sharedFile(...TASKS, dir, file);
  return path ? readFileSync(path, 'utf8') : undefined;
}

async function serve(texts: string[]): Promise<number> {
  const { snapshot, warnings } = compileFrom(texts, GW);
  assert.deepEqual(
    warnings.map((w) => w.message),
    [],
  );
  const proxy = createProxy({ name: GW });
  proxies.push(proxy);
  proxy.update(snapshot);
  return (await proxy.listen('0.0.0.0_443', { host: '127.0.0.1', port: 0 })).port;
}

test('the task files load and validate without errors', (t) => {
  const reason = sharedSkipReason(...TASKS);
  if (reason) return t.skip(reason);
  for (const [dir, file] of [
    ['secure-ingress', '01-simple-tls-single-host.yaml'],
    ['secure-ingress', '02-simple-tls-multiple-hosts.yaml'],
    ['secure-ingress', '03-mutual-tls.yaml'],
    ['ingress-sni-passthrough', '01-my-nginx.yaml'],
    ['ingress-sni-passthrough', '02-gateway-and-vs.yaml'],
  ] as const) {
    const loaded = loadResources([sharedFile(...TASKS, dir, file)!]);
    assert.deepEqual(
      loaded.diagnostics.filter((d) => d.level === 'Error'),
      [],
      file,
    );
    const diags = validateResources(loaded.resources).filter((d) => d.level === 'Error');
    assert.deepEqual(diags, [], file);
  }
});

test('secure-ingress 01 + 02 as written: one HTTPS port, each host its own certificate', async (t) => {
  const one = task('secure-ingress', '01-simple-tls-single-host.yaml');
  const two = task('secure-ingress', '02-simple-tls-multiple-hosts.yaml');
  if (!one || !two) return t.skip(sharedSkipReason(...TASKS) || 'absent');
  const pki = createPki();
  // 02 redefines mygateway with both servers; the httpbin VS comes from 01.
  const twoGateway = two.split(/^---$/m)[0]!;
  const oneVs = one.split(/^---$/m)[1]!;
  const port = await serve([
    httpbin,
    tlsSecretYaml('httpbin-credential', 'istio-system', pki.issue(['httpbin.example.com'])),
    tlsSecretYaml('helloworld-credential', 'istio-system', pki.issue(['helloworld.example.com'])),
    twoGateway,
    oneVs,
    two.split(/^---$/m)[1]!,
  ]);
  for (const host of ['httpbin.example.com', 'helloworld.example.com']) {
    const r = await tlsRequest(port, {
      servername: host,
      ca: pki.ca.cert,
      request: httpGet(host, '/hello'),
    });
    assert.equal(r.peerCN, host);
    // No local helloworld/httpbin endpoints here: routed, then 503 (UH) or 404 (no route) locally.
    assert.match(r.response ?? '', /^HTTP\/1\.1 (503|404) /);
  }
});

test('secure-ingress 03 as written: MUTUAL with ca.crt in the generic Secret', async (t) => {
  const three = task('secure-ingress', '03-mutual-tls.yaml');
  const one = task('secure-ingress', '01-simple-tls-single-host.yaml');
  if (!three || !one) return t.skip(sharedSkipReason(...TASKS) || 'absent');
  const pki = createPki();
  const client = pki.issue(['client.example.com'], { client: true });
  const port = await serve([
    httpbin,
    tlsSecretYaml(
      'httpbin-credential',
      'istio-system',
      pki.issue(['httpbin.example.com']),
      pki.ca.cert,
    ),
    three,
    one.split(/^---$/m)[1]!,
  ]);
  const opts = {
    servername: 'httpbin.example.com',
    ca: pki.ca.cert,
    request: httpGet('httpbin.example.com', '/status/200'),
  };
  const refused = await tlsRequest(port, opts);
  assert.equal(/^HTTP/.test(refused.response ?? ''), false);
  const admitted = await tlsRequest(port, { ...opts, cert: client.cert, key: client.key });
  assert.match(admitted.response ?? '', /^HTTP\/1\.1 \d{3} /);
});

test('ingress-sni-passthrough as written compiles to an SNI chain to my-nginx:443 (nginx needs a stand-in)', (t) => {
  const nginx = task('ingress-sni-passthrough', '01-my-nginx.yaml');
  const gw = task('ingress-sni-passthrough', '02-gateway-and-vs.yaml');
  if (!nginx || !gw) return t.skip(sharedSkipReason(...TASKS) || 'absent');
  const { snapshot } = compileFrom([nginx, gw], GW);
  const chain = snapshot.listeners.find((l) => l.port === 443)!.filterChains[0]!;
  assert.equal(chain.passthrough, true);
  assert.deepEqual(chain.serverNames, ['nginx.example.com']);
  assert.equal(
    chain.tcp!.routes[0]!.clusters[0]!.clusterName,
    'outbound|443||my-nginx.default.svc.cluster.local',
  );
});

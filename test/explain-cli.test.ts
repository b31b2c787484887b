// `switchyard explain` end to end (a real process) on Bookinfo: why a request goes where it goes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, repoRoot, sharedFile } from './helpers/shared.js';

const bin = join(repoRoot, 'bin', 'switchyard.js');
const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const bookinfo = [
  fixture('compile', 'bookinfo.yaml'),
  fixture('compile', 'destination-rules.yaml'),
];
const jasonFiles = [...bookinfo, fixture('mesh', 'reviews-jason-v2.yaml')];

// Istio's request-routing task: end-user jason goes to reviews v2 (black stars), others to v1
// (istio/istio samples/bookinfo/networking/virtual-service-reviews-test-v2.yaml).
test('explain: jason goes to reviews v2; another user fails http[0] on the end-user header', () => {
  const url = 'http://reviews:9080/reviews/0';
  const j = run(
    'explain',
    '--from',
    'productpage-v1',
    url,
    '-H',
    'end-user: jason',
    '-f',
    ...jasonFiles,
  );
  assert.equal(j.status, 0, j.stderr);
  assert.match(j.stdout, /^listener: +0\.0\.0\.0_9080 \(outbound, port 9080\)$/m);
  assert.match(j.stdout, /^route config: +9080$/m);
  assert.match(j.stdout, /^virtual host: +reviews\.default\.svc\.cluster\.local:9080 /m);
  assert.match(
    j.stdout,
    /^matched: +VirtualService reviews\.default http\[0\] match\[0\] at .*reviews-jason-v2\.yaml:10$/m,
  );
  assert.match(
    j.stdout,
    /^ {2}outbound\|9080\|v2\|reviews\.default\.svc\.cluster\.local weight 1 \(100%\)$/m,
  );
  assert.match(
    j.stdout,
    /DestinationRule reviews\.default \(.*destination-rules\.yaml:\d+\), subset v2/,
  );
  assert.match(j.stdout, /^possible response flags:$/m);

  const b = run(
    'explain',
    '--from',
    'productpage-v1',
    url,
    '-H',
    'end-user: bob',
    '-f',
    ...jasonFiles,
  );
  assert.equal(b.status, 0, b.stderr);
  assert.match(
    b.stdout,
    /VirtualService reviews\.default http\[0\] match\[0\] \(.*:10\): header end-user exact 'jason' != 'bob'/,
  );
  assert.match(b.stdout, /outbound\|9080\|v1\|reviews\.default\.svc\.cluster\.local weight 1/);
});

test('explain: the 80/20 split shows both destinations with their weights; -o json and -o yaml', () => {
  const files = [...bookinfo, fixture('mesh', 'reviews-80-20.yaml')];
  const r = run('explain', '--from', 'productpage-v1', 'http://reviews:9080/', '-f', ...files);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /outbound\|9080\|v1\|reviews\.default\.svc\.cluster\.local weight 80 \(80%\)/,
  );
  assert.match(
    r.stdout,
    /outbound\|9080\|v2\|reviews\.default\.svc\.cluster\.local weight 20 \(20%\)/,
  );
  const j = run(
    'explain',
    '--from',
    'productpage-v1',
    'http://reviews:9080/',
    '-o',
    'json',
    '-f',
    ...files,
  );
  assert.equal(j.status, 0, j.stderr);
  const trace = JSON.parse(j.stdout) as {
    destinations: { percent: number }[];
    outcome: { kind: string };
  };
  assert.deepEqual(
    trace.destinations.map((d) => d.percent),
    [80, 20],
  );
  assert.equal(trace.outcome.kind, 'forward');
  const y = run(
    'explain',
    '--from',
    'productpage-v1',
    'http://reviews:9080/',
    '-o',
    'yaml',
    '-f',
    ...files,
  );
  assert.equal(y.status, 0, y.stderr);
  assert.match(y.stdout, /^outcome:\n {2}kind: forward$/m);
});

// DestinationRule connectionPool/outlierDetection -> Envoy circuit_breakers and outlier_detection
// (istio/istio pilot/pkg/networking/core/cluster_traffic_policy.go); overflow is 503 UO.
test('explain: a DestinationRule subset with a circuit breaker shows its limits, outlier settings and UO', () => {
  const files = [
    fixture('compile', 'bookinfo.yaml'),
    fixture('resilience', 'reviews-circuit-breaker.yaml'),
    fixture('mesh', 'reviews-v2.yaml'),
  ];
  const r = run('explain', '--from', 'productpage-v1', 'http://reviews:9080/', '-f', ...files);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /DestinationRule reviews\.default \(.*reviews-circuit-breaker\.yaml:\d+\), subset v2/,
  );
  assert.match(
    r.stdout,
    /circuit breaker: maxConnections=1 http1MaxPendingRequests=1 http2MaxRequests=1 maxRequestsPerConnection=1/,
  );
  assert.match(
    r.stdout,
    /outlier detection: consecutive5xxErrors=1 interval=1s baseEjectionTime=30s maxEjectionPercent=100/,
  );
  assert.match(
    r.stdout,
    /UO +503 overflow on outbound\|9080\|v2\|reviews\.default\.svc\.cluster\.local when more than 1 requests are pending/,
  );
});

// Envoy answers a Host no virtual host serves with 404 NR (envoyproxy/envoy source/common/router/router.cc).
test('explain: a gateway host miss is 404 NR and lists the virtual hosts; a path miss names the closest rule', () => {
  const files = [fixture('compile', 'bookinfo.yaml'), fixture('explain', 'gateway-merge.yaml')];
  const miss = run(
    'explain',
    '--gateway',
    'istio-ingressgateway',
    'http://nope.example.com/productpage',
    '-f',
    ...files,
  );
  assert.equal(miss.status, 0, miss.stderr);
  assert.match(
    miss.stdout,
    /^outcome: +404 NR route_not_found: no virtual host in route config http\.8080 has domain nope\.example\.com$/m,
  );
  assert.match(miss.stdout, /^ {2}bookinfo\.example\.com:8080 \(bookinfo\.example\.com\)$/m);
  const path = run(
    'explain',
    '--gateway',
    'istio-ingressgateway',
    '--port',
    '8080',
    'http://bookinfo.example.com/nope',
    '-f',
    ...files,
  );
  assert.match(
    path.stdout,
    /^closest rule: +VirtualService bookinfo-pages\.default http\[0\] match\[0\] \(.*\): uri exact '\/productpage' != '\/nope'$/m,
  );
});

// Istio merges the routes of every VirtualService bound to a gateway host, in creation order
// (istio/istio pilot/pkg/networking/core/gateway.go buildGatewayVirtualHosts).
test('explain: a gateway with several VirtualServices tries them in order; rewrite, timeout, retries, fault; TLS and TCP', () => {
  const files = [fixture('compile', 'bookinfo.yaml'), fixture('explain', 'gateway-merge.yaml')];
  const gw = (...a: string[]) =>
    run('explain', '--gateway', 'istio-ingressgateway', ...a, '-f', ...files);
  const h = gw('http://bookinfo.example.com/healthz');
  assert.match(
    h.stdout,
    /VirtualService bookinfo-pages\.default http\[2\] match\[0\] \(.*\): uri prefix '\/reviews' != '\/healthz'\n {2}VirtualService bookinfo-health\.default http\[0\] match\[0\] \(.*\): MATCH/,
  );
  const noCanary = gw('http://bookinfo.example.com/reviews/1');
  assert.match(
    noCanary.stdout,
    /VirtualService bookinfo-pages\.default http\[2\] match\[0\] \(.*\): header x-canary exact 'yes' != absent/,
  );
  assert.match(
    h.stdout,
    /^matched: +VirtualService bookinfo-health\.default http\[0\] match\[0\] "health"/m,
  );
  assert.match(h.stdout, /^outcome: +direct response 200 body "ok"$/m);
  const c = gw('http://bookinfo.example.com/reviews/1', '-H', 'x-canary: yes');
  assert.match(c.stdout, /^ {2}fault delay 2s for 10%$/m);
  assert.match(c.stdout, /^ {2}timeout 3s$/m);
  assert.match(c.stdout, /^ {2}retries 4 on 5xx perTryTimeout 1s$/m);
  assert.match(c.stdout, /^ {2}rewrite path -> \/api\/reviews\/1$/m);
  assert.match(c.stdout, /^ {2}UT +504 when the upstream takes longer than 3s$/m);
  const redirect = gw('http://bookinfo.example.com/old-reviews');
  assert.match(
    redirect.stdout,
    /^outcome: +redirect 301 to http:\/\/bookinfo\.example\.com\/reviews$/m,
  );
  const tls = gw('--port', '8443', 'https://secure.example.com/');
  assert.match(tls.stdout, /^filter chain: +\S+ \[tls-passthrough\] SNI secure\.example\.com$/m);
  assert.match(tls.stdout, /outbound\|9080\|\|productpage\.default\.svc\.cluster\.local weight 1/);
  const tcp = gw('--port', '31400', 'http://any/');
  assert.match(tcp.stdout, /\[tcp\]/);
  assert.match(tcp.stdout, /outbound\|9080\|\|ratings\.default\.svc\.cluster\.local weight 1/);
});

test('explain: bad input - an invalid URL is usage error 64, an unknown workload lists the known ones', () => {
  const bad = run('explain', '--from', 'productpage-v1', 'not a url', '-f', ...bookinfo);
  assert.equal(bad.status, 64);
  assert.match(bad.stderr, /invalid URL/);
  const none = run('explain', 'http://reviews:9080/', '-f', ...bookinfo);
  assert.equal(none.status, 64);
  const unknown = run('explain', '--from', 'nosuch', 'http://reviews:9080/', '-f', ...bookinfo);
  assert.equal(unknown.status, 1);
  assert.match(
    unknown.stderr,
    /proxy nosuch not found in the given files; known proxies: .*productpage-v1-0\.default/,
  );
});

// Istio's own Bookinfo samples (read from the conformance corpus when present).
test('explain on Istio samples: virtual-service-reviews-test-v2 sends jason to v2', (t) => {
  const root = process.env.SWITCHYARD_CONFORMANCE ?? sharedFile('conformance');
  const dir = root && join(root, 'istio-samples', 'bookinfo');
  if (!dir || !existsSync(dir)) {
    const reason =
      'the conformance corpus (../shared/conformance or $SWITCHYARD_CONFORMANCE) is absent';
    console.log(`# skip: ${reason}`);
    t.skip(reason);
    return;
  }
  const files = [
    join(dir, 'platform', 'kube', 'bookinfo.yaml'),
    join(dir, 'networking', 'destination-rule-all.yaml'),
    join(dir, 'networking', 'virtual-service-reviews-test-v2.yaml'),
  ];
  const r = run(
    'explain',
    '--from',
    'productpage-v1',
    'http://reviews:9080/reviews/0',
    '-H',
    'end-user: jason',
    '-f',
    ...files,
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /outbound\|9080\|v2\|reviews\.default\.svc\.cluster\.local weight 1 \(100%\)/,
  );
});

// HTTPFaultInjection.delay -> Envoy's fault filter; the request is delayed and logged with DI
// (istio/istio pilot/pkg/networking/core/route/route.go TranslateFault).
test('explain: a fault delay and a route timeout are in force, with DI and UT among the flags', () => {
  const files = [...bookinfo, fixture('resilience', 'ratings-delays.yaml')];
  const r = run(
    'explain',
    '--from',
    'reviews-v2',
    'http://ratings:9080/ratings/0',
    '-H',
    'end-user: jason',
    '-f',
    ...files,
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ {2}fault delay 7s for 100%$/m);
  assert.match(r.stdout, /^ {2}DI +fault delay: 7s for 100%$/m);
  const t = run(
    'explain',
    '--from',
    'productpage-v1',
    'http://reviews:9080/',
    '-f',
    ...bookinfo,
    fixture('explain', 'reviews-timeout.yaml'),
  );
  assert.match(t.stdout, /^ {2}timeout 500ms$/m);
  assert.match(t.stdout, /^ {2}UT +504 when the upstream takes longer than 500ms$/m);
});

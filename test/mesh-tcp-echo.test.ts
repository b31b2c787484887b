// Issue #12: TCP through the sidecars, as Istio selects a port's protocol (name prefix `tcp`/`tcp-`,
// appProtocol): Istio's tcp-echo answers on each of its Service ports, with each version's prefix,
// to `kubectl exec deploy/curl -- sh -c "(date; sleep 1) | nc tcp-echo 9000"` as Istio's TCP traffic
// shifting task runs it; then that task's 80/20 VirtualService splits connections between v1 and v2.
// Our fixtures only (test/fixtures/tcp-echo), real kubectl against `switchyard up -f`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startMesh, type RunningMesh } from './helpers/mesh.js';
import { kubectlVersions, runKubectl } from './kube-support.js';
import { assertBinomial } from './helpers/binomial.js';

const fixture = (name: string) =>
  join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'tcp-echo', name);
const kubectlBin = kubectlVersions().find((v) => v.bin)?.bin;
const skip = kubectlBin ? false : 'no kubectl 1.27 or 1.33 installed';

let mesh: RunningMesh | undefined;
before(async () => {
  if (skip) return;
  mesh = await startMesh([
    '-f',
    fixture('tcp-echo-services.yaml'),
    '-f',
    fixture('curl.yaml'),
    '--no-watch',
  ]);
});
after(async () => {
  await mesh?.stop();
});

async function kubectl(...args: string[]): Promise<string> {
  const env = { ...process.env, KUBECONFIG: join(mesh!.home, 'kubeconfig'), HOME: mesh!.home };
  const r = await runKubectl(kubectlBin!, args, env);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/**
 * The prefixes of 20 connections from the curl pod in one exec: the load balancer (LEAST_REQUEST,
 * a random pick among idle hosts) reaches both versions with certainty short of 2 in a million.
 */
async function echoMany(host: string, port: number): Promise<Set<string>> {
  const out = await kubectl(
    'exec',
    'deploy/curl',
    '--',
    'sh',
    '-c',
    `for i in $(seq 1 20); do date | nc ${host} ${port}; done`,
  );
  const lines = out.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 20, out);
  return new Set(lines.map((l) => /^(one|two) /.exec(l)?.[1] ?? l));
}

/** One connection from the curl pod, as the task writes it: the prefix tcp-echo answered with. */
async function echo(host: string, port: number): Promise<string> {
  const out = await kubectl(
    'exec',
    'deploy/curl',
    '--',
    'sh',
    '-c',
    `(date; sleep 1) | nc ${host} ${port}`,
  );
  const m = /^(one|two) \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d UTC \d{4}\n$/.exec(out);
  assert.ok(m, `nc ${host} ${port}: ${JSON.stringify(out)}`);
  return m[1]!;
}

test(
  'tcp-echo answers through the client sidecar on ports tcp, tcp-other, appProtocol tcp and an unnamed (sniffed) port',
  { skip },
  async () => {
    await kubectl('wait', '--for=condition=ready', 'pod', '--all', '--timeout=90s');
    for (const [host, port] of [
      ['tcp-echo', 9000],
      ['tcp-echo', 9001],
      ['tcp-echo.default.svc.cluster.local', 9000],
      ['tcp-echo-app', 9100],
      ['tcp-echo-sniffed', 9200],
    ] as const) {
      assert.deepEqual([...(await echoMany(host, port))].sort(), ['one', 'two'], `${host}:${port}`);
    }
    // The task's own form, one connection with the sleep: v1 or v2 answers.
    assert.match(await echo('tcp-echo', 9000), /^(one|two)$/);
    // The connections were proxied at L4 by the curl pod's sidecar: a TCP access-log line (method,
    // path and protocol `-`) for outbound|9000||tcp-echo.
    const log = await kubectl('logs', 'deploy/curl', '-c', 'istio-proxy');
    assert.match(
      log,
      /"- - -" 0 - - - "-" \d+ \d+ \d+ - "-" "-" "-" "-" "[^"]+" outbound\|9000\|\|tcp-echo\.default\.svc\.cluster\.local /,
    );
    // The unnamed port was sniffed: not HTTP, so a TCP line too, not an HTTP 400.
    assert.match(
      log,
      /"- - -" 0 - - - "-" \d+ \d+ \d+ - "-" "-" "-" "-" "[^"]+" outbound\|9200\|\|tcp-echo-sniffed\.default\.svc\.cluster\.local /,
    );
  },
);

test(
  "port 9002, which the Service omits, answers on the pod's IP through the inbound passthrough chain",
  { skip },
  async (t) => {
    // Istio's comment on the sample: "Port 9002 is omitted intentionally for testing the pass
    // through filter chain". Only with distinct pod IPs (127.1.x.y); elsewhere every pod is 127.0.0.1.
    const ip = await kubectl(
      'get',
      'pods',
      '-l',
      'app=tcp-echo,version=v1',
      '-o',
      'jsonpath={.items[0].status.podIP}',
    );
    if (ip === '127.0.0.1') return t.skip('every pod is 127.0.0.1 on this machine');
    assert.equal(await echo(ip, 9002), 'one');
  },
);

test(
  'TCP traffic shifting: 80/20 between v1 and v2 by a tcp VirtualService',
  { skip },
  async () => {
    await kubectl('apply', '-f', fixture('tcp-echo-20-v2.yaml'));
    // The task's loop in one exec, 100 connections without the sleep (a seeded mesh: reproducible).
    const out = await kubectl(
      'exec',
      'deploy/curl',
      '--',
      'sh',
      '-c',
      'for i in $(seq 1 100); do date | nc tcp-echo 9000; done',
    );
    const one = out.match(/^one /gm)?.length ?? 0;
    const two = out.match(/^two /gm)?.length ?? 0;
    assert.equal(one + two, 100, out);
    assertBinomial(one, 100, 0.8, `connections to v1 (v2: ${two})`);
    await kubectl('delete', '-f', fixture('tcp-echo-20-v2.yaml'));
  },
);

test(
  'a tcp VirtualService on a port of unknown protocol routes the connections the sniffer finds are not HTTP',
  { skip },
  async () => {
    await kubectl('apply', '-f', fixture('tcp-echo-sniffed-v2.yaml'));
    try {
      // Before, the sniffed TCP chain ignored the tcp routes and both versions answered.
      assert.deepEqual([...(await echoMany('tcp-echo-sniffed', 9200))], ['two']);
      const log = await kubectl('logs', 'deploy/curl', '-c', 'istio-proxy');
      assert.match(
        log,
        /"- - -" 0 - - - "-" \d+ \d+ \d+ - "-" "-" "-" "-" "[^"]+" outbound\|9200\|v2\|tcp-echo-sniffed\.default\.svc\.cluster\.local /,
      );
    } finally {
      await kubectl('delete', '-f', fixture('tcp-echo-sniffed-v2.yaml'));
    }
  },
);

test(
  'under STRICT mTLS the sidecars carry TCP as mesh mTLS (auto mTLS out, terminated in)',
  { skip },
  async () => {
    await kubectl('apply', '-f', fixture('strict-mtls.yaml'));
    try {
      assert.deepEqual([...(await echoMany('tcp-echo', 9001))].sort(), ['one', 'two']);
      // The tcp-echo sidecars counted the mTLS handshakes on their inbound listener.
      const stats = mesh!.cli(['envoy-stats', 'tcp-echo-v1', '--filter', 'ssl.handshake']);
      assert.equal(stats.status, 0, stats.stderr);
      assert.match(stats.stdout, /^listener\.0\.0\.0\.0_15006\.ssl\.handshake: [1-9]\d*$/m);
    } finally {
      await kubectl('delete', '-f', fixture('strict-mtls.yaml'));
    }
  },
);

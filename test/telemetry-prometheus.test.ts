// The mesh's metrics as a real Prometheus reads them: with two replicas of one workload, `/metrics`
// never repeats a series (each carries the `namespace` and `pod` Istio's Prometheus would attach,
// istio/istio samples/addons/prometheus.yaml), and `/sd/prometheus` hands Prometheus one target per proxy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from './helpers/shared.js';
import { get, startMesh, type RunningMesh } from './helpers/mesh.js';
import { MeshClient } from '../src/workloads/mesh-client.js';

let mesh: RunningMesh;
const work = mkdtempSync(join(tmpdir(), 'switchyard-prom-'));

interface ProxyItem {
  name: string;
  workload: string;
  outbound?: string;
}

before(async () => {
  mesh = await startMesh([
    '-f',
    fixture('telemetry', 'httpbin-two-replicas.yaml'),
    '-f',
    fixture('resilience', 'sleep.yaml'),
  ]);
  const items = (JSON.parse((await get(`${mesh.admin}/proxies`)).body) as { items: ProxyItem[] })
    .items;
  const sleep = items.find((p) => p.workload === 'sleep');
  assert.ok(sleep?.outbound, 'the sleep client has a sidecar');
  const client = new MeshClient({ proxy: sleep.outbound });
  // Round robin (Istio's default LEAST_REQUEST picks among both when idle): enough requests that
  // each replica serves some.
  for (let i = 0; i < 20; i++) {
    const r = await client.request(`http://httpbin:8000/status/200?i=${i}`, { timeoutMs: 20_000 });
    assert.equal(r.status, 200);
  }
});

after(async () => {
  await mesh?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The sample lines of an exposition, each as `name{labels}` (everything before the value). */
function seriesKeys(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.slice(0, l.lastIndexOf(' ')));
}

test('/metrics with two replicas: every series once, each replica under its own pod label', async () => {
  const body = (await get(`${mesh.admin}/metrics`)).body;
  const keys = seriesKeys(body);
  const seen = new Set<string>();
  for (const k of keys) {
    assert.ok(!seen.has(k), `duplicate series ${k}`);
    seen.add(k);
  }
  const pods = new Set(
    keys
      .filter(
        (k) =>
          k.startsWith('istio_requests_total{') &&
          k.includes('reporter="destination"') &&
          k.includes('destination_workload="httpbin"'),
      )
      .map((k) => /,pod="([^"]+)"/.exec(k)?.[1]),
  );
  assert.equal(pods.size, 2, `both httpbin replicas report, each with its pod:\n${body}`);
  assert.ok(keys.every((k) => k.includes(',namespace="') && k.includes(',pod="')));
});

/** `promtool` and `prometheus` from the Debian package (scripts/install-test-deps.sh installs it). */
function which(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

test('promtool parses /metrics (Prometheus text format 0.0.4)', async (t) => {
  const promtool = which('promtool');
  if (!promtool) {
    console.log(
      '# skip: promtool is not installed (scripts/install-test-deps.sh installs prometheus)',
    );
    return t.skip('promtool is not installed');
  }
  const body = (await get(`${mesh.admin}/metrics`)).body;
  const r = spawnSync(promtool, ['check', 'metrics'], { input: body, encoding: 'utf8' });
  // Exit 3 = lint findings only (Istio's names and Envoy's missing HELP lines); 1 = a parse error.
  assert.doesNotMatch(r.stdout + r.stderr, /parsing error|error while linting/, r.stderr);
  assert.ok(r.status === 0 || r.status === 3, `promtool exit ${r.status}: ${r.stdout}${r.stderr}`);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

interface PromVector {
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

test('a real Prometheus scrapes /metrics and the /sd/prometheus targets without duplicates', async (t) => {
  const bin = which('prometheus');
  if (!bin) {
    console.log('# skip: prometheus is not installed (scripts/install-test-deps.sh installs it)');
    return t.skip('prometheus is not installed');
  }
  const admin = new URL(mesh.admin);
  writeFileSync(
    join(work, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, scrape_timeout: 1s }',
      'scrape_configs:',
      '  - job_name: switchyard',
      '    metrics_path: /metrics',
      `    static_configs: [{ targets: ['${admin.host}'] }]`,
      '  - job_name: switchyard-proxies',
      `    http_sd_configs: [{ url: '${mesh.admin}/sd/prometheus', refresh_interval: 1s }]`,
      '',
    ].join('\n'),
  );
  // Prometheus prints no port it bound for :0, so take a free one; retry if another process won it.
  let prom: ChildProcess | undefined;
  let api = '';
  let log = '';
  for (let attempt = 0; attempt < 5 && !api; attempt++) {
    const port = await freePort();
    const data = join(work, `data-${attempt}`);
    prom = spawn(
      bin,
      [
        `--config.file=${join(work, 'prometheus.yml')}`,
        `--storage.tsdb.path=${data}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prom.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    for (let i = 0; i < 300 && prom.exitCode === null; i++) {
      const ready = await get(`http://127.0.0.1:${port}/-/ready`).catch(() => undefined);
      if (ready?.status === 200) {
        api = `http://127.0.0.1:${port}/api/v1/query`;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!api) prom.kill('SIGKILL');
  }
  assert.ok(api, `prometheus did not start:\n${log}`);
  t.after(() => {
    prom?.kill('SIGTERM');
  });
  const query = async (expr: string): Promise<PromVector['data']['result']> => {
    const r = await get(`${api}?query=${encodeURIComponent(expr)}`);
    assert.equal(r.status, 200, r.body);
    return (JSON.parse(r.body) as PromVector).data.result;
  };
  // Wait until both jobs have scraped: the merged target and every proxy /sd/prometheus lists.
  const sd = JSON.parse((await get(`${mesh.admin}/sd/prometheus`)).body) as {
    targets: string[];
    labels: Record<string, string>;
  }[];
  assert.ok(sd.some((g) => g.labels['pod']?.startsWith('httpbin')));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const up = await query('up');
    const mergedUp = up.some((s) => s.metric['job'] === 'switchyard' && s.value[1] === '1');
    const proxiesUp = up.filter((s) => s.metric['job'] === 'switchyard-proxies');
    if (mergedUp && proxiesUp.length === sd.length && proxiesUp.every((s) => s.value[1] === '1'))
      break;
    assert.ok(Date.now() < deadline, `targets not up: ${JSON.stringify(up)}\n${log}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  // Prometheus counts samples it dropped as repeats of a series within one scrape.
  // prometheus/prometheus scrape/scrape.go (prometheus_target_scrapes_sample_duplicate_timestamp_total)
  const own = (await get(api.replace('/api/v1/query', '/metrics'))).body;
  const dups = /^prometheus_target_scrapes_sample_duplicate_timestamp_total (\S+)$/m.exec(own);
  assert.equal(dups?.[1], '0', `Prometheus dropped duplicate samples:\n${log}`);
  for (const job of ['switchyard', 'switchyard-proxies']) {
    const pods = await query(
      `count by (pod) (istio_requests_total{job="${job}",reporter="destination",destination_workload="httpbin"})`,
    );
    assert.equal(
      pods.length,
      2,
      `${job}: one httpbin series set per replica: ${JSON.stringify(pods)}`,
    );
    const total = await query(
      `sum(istio_requests_total{job="${job}",reporter="destination",destination_workload="httpbin"})`,
    );
    assert.equal(total[0]?.value[1], '20', job);
  }
});

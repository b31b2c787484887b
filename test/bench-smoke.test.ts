// Keeps `npm run bench` working (issue #15 item 7): the smoke run (BENCH_SMOKE=1, a few seconds,
// figures meaningless) must exit 0 and print every section. No thresholds: speed is not asserted.
// Without wrk or nginx the bench falls back (built-in load loop, node:http upstream) and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './helpers/shared.js';

test('BENCH_SMOKE=1 node dist/bench/run.js exits 0 and prints every section', async () => {
  const child = spawn(process.execPath, [join(repoRoot, 'dist', 'bench', 'run.js')], {
    cwd: repoRoot,
    env: { ...process.env, BENCH_SMOKE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, out);
  for (const section of [
    /^round 1 direct /m,
    /^round 1 node-http-proxy /m,
    /^round 1 switchyard /m,
    /^medians /m,
    /^ {2}switchyard .* added p50 .* added p99 .* rss .* cpu at 1k req\/s /m,
    /^ratios switchyard \/ featureless node:http proxy:/m,
    /^ratios switchyard \/ nginx/m,
    /^bookinfo product page through the gateway/m,
    /^ {2}1 worker .* req\/s .* p99 /m,
    /^ {2}2 workers +n\/a \(no worker mode yet\)/m,
    /^control plane /m,
    /one VirtualService change at \d+ VSs/,
    /^ {2}apply of \d+ VSs/m,
  ])
    assert.match(out, section);
});

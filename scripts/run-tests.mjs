// Runs every compiled *.test.js under dist/ with node:test (Node 20 has no --test globs), each file in
// its own `node --test` and TEST_CONCURRENCY (default 3) files at a time, so each file's wall time is
// known: its report is printed when it ends, then the slowest files. The longest files (as the last
// run measured, in test-results/test-durations.json) start first, so the run ends sooner.
// Usage: node scripts/run-tests.mjs [substring-filter...]
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

const root = 'dist';
const filters = process.argv.slice(2);
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.js')) files.push(path);
  }
};
walk(join(root, 'src'));
walk(join(root, 'test'));
const selected = files.filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (selected.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
const concurrency = Math.max(1, Number(process.env.TEST_CONCURRENCY ?? '3') || 3);
const record = join('test-results', 'test-durations.json');
let known = {};
try {
  known = JSON.parse(readFileSync(record, 'utf8'));
} catch {
  // First run: end-to-end suites (test/) before unit tests (src/), which are quick.
}
const guess = (f) => known[f] ?? (f.startsWith(join(root, 'test')) ? 10_000 : 1_000);
const queue = [...selected].sort((a, b) => guess(b) - guess(a) || a.localeCompare(b));

/** One file under `node --test`, its output kept until it ends so reports do not interleave. */
function runFile(file) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--test', '--test-reporter=spec', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => out.push(c));
    child.on('close', (code, signal) =>
      resolve({ file, ok: code === 0, code: code ?? signal, ms: performance.now() - started, out }),
    );
  });
}

const results = [];
const wallStart = performance.now();
async function worker() {
  for (let file = queue.shift(); file; file = queue.shift()) {
    const r = await runFile(file);
    results.push(r);
    const mark = r.ok ? '✔' : '✖';
    process.stdout.write(`\n${mark} ${file} (${(r.ms / 1000).toFixed(1)} s)\n`);
    process.stdout.write(Buffer.concat(r.out));
  }
}
await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));

const wall = performance.now() - wallStart;
const failed = results.filter((r) => !r.ok);
const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 15);
console.log(`\nslowest files (concurrency ${concurrency}):`);
for (const r of slowest) console.log(`  ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${r.file}`);
console.log(
  `\n${results.length} files, ${failed.length} failed, ${(wall / 1000).toFixed(1)} s on Node ${process.version}`,
);
for (const r of failed) console.log(`  ✖ ${r.file} (exit ${r.code})`);
try {
  mkdirSync('test-results', { recursive: true });
  for (const r of results) known[r.file] = Math.round(r.ms);
  writeFileSync(record, JSON.stringify(known, null, 1) + '\n');
} catch {
  // The order hint is only a speed-up.
}
process.exit(failed.length > 0 ? 1 : 0);

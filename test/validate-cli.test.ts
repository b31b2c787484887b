// Spawns the real CLI: `switchyard validate -f` exits 0 on valid input and 1 naming file:line and field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, repoRoot, sharedFile, sharedSkipReason } from './helpers/shared.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [cli, 'validate', ...args], { encoding: 'utf8', input });
  return { status: r.status, out: r.stdout + r.stderr, stdout: r.stdout };
}

const BAD: [file: string, line: number, field: string][] = [
  ['bad-duration.yaml', 12, 'spec.http[0].timeout'],
  ['bad-regex.yaml', 11, 'spec.http[0].match[0].uri.regex'],
  ['unknown-field.yaml', 12, 'spec.http[0].route[0].destination.subsett'],
  ['missing-host.yaml', 5, 'spec.host'],
  ['negative-weight.yaml', 13, 'spec.http[0].route[0].weight'],
  ['uri-exact-and-prefix.yaml', 12, 'spec.http[0].match[0].uri.prefix'],
  ['redirect-and-route.yaml', 9, 'spec.http[0].redirect'],
];

for (const [file, line, field] of BAD) {
  test(`validate ${file} exits 1 naming file:line and ${field}`, () => {
    const path = fixture('validation', file);
    const r = run(['-f', path]);
    assert.equal(r.status, 1, r.out);
    assert.ok(r.out.includes(`${path}:${line}:`), r.out);
    assert.ok(r.out.includes(`${field}:`), r.out);
  });
}

test('weights that do not sum to 100 and a single weighted destination are valid (exit 0)', () => {
  const r = run(['-f', fixture('validation', 'weights-not-100.yaml')]);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /3 resource\(s\) valid/);
});

test('unreachable rules are warnings with istioctl codes; exit 0', () => {
  const path = fixture('validation', 'unreachable-rule.yaml');
  const r = run(['-f', path]);
  assert.equal(r.status, 0, r.out);
  assert.ok(
    r.out.includes(
      `${path}:14:7: warning: VirtualService default/reviews: spec.http[1].match[0]: [IST0130] VirtualService rule #1 not used (route without matches defined before).`,
    ),
    r.out,
  );
});

test('unknown kinds are warned about and skipped, not fatal', () => {
  const r = run(['-f', fixture('validation', 'unknown-kind.yaml')]);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /warning: example\.com\/v1 Widget w is not a kind Switchyard reads; skipped/);
});

test('-o json reports diagnostics with position, field and hint', () => {
  const r = run(['-o', 'json', '-f', fixture('validation', 'bad-duration.yaml')]);
  assert.equal(r.status, 1);
  const out = JSON.parse(r.stdout) as { valid: boolean; diagnostics: Record<string, unknown>[] };
  assert.equal(out.valid, false);
  assert.equal(out.diagnostics.length, 1);
  const d = out.diagnostics[0]!;
  assert.equal(d.field, 'spec.http[0].timeout');
  assert.deepEqual(d.resource, { kind: 'VirtualService', namespace: 'default', name: 'reviews' });
  assert.equal((d.position as { line: number }).line, 12);
  assert.ok(d.hint);
});

test('directories (-R) and stdin (-f -) are read', () => {
  const dir = run(['-R', '-f', fixture('validation')]);
  assert.equal(dir.status, 1);
  for (const [file] of BAD) assert.ok(dir.out.includes(file), file);
  const stdin = run(
    ['-f', '-'],
    'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  servers: []\n',
  );
  assert.equal(stdin.status, 1);
  assert.match(
    stdin.out,
    /<stdin>:5:3: error: Gateway default\/g: spec\.servers: gateway must have at least one server/,
  );
});

test('every file in istio-samples/bookinfo/networking validates (exit 0)', (t) => {
  const reason = sharedSkipReason('conformance', 'istio-samples', 'bookinfo', 'networking');
  if (reason) return t.skip(reason);
  const dir = sharedFile('conformance', 'istio-samples', 'bookinfo', 'networking')!;
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
    const r = run(['-f', join(dir, name)]);
    assert.equal(r.status, 0, `${name}\n${r.out}`);
  }
});

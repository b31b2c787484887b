// package.json tells the truth to npm: every runtime dependency is imported, and `engines` admits no Node
// older than one a runtime dependency (or theirs, transitively) declares it needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './helpers/shared.js';

interface Manifest {
  engines?: { node?: string };
  dependencies?: Record<string, string>;
}

const readManifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

const pkg = readManifest(repoRoot);

/** The lowest version a `>=x.y.z` / `>= x.y` / `^x.y.z` / `>= 10.*` range admits, as [major, minor, patch]. */
function lowerBound(range: string): [number, number, number] {
  const m = /^\s*(?:>=|\^|~)?\s*v?(\d+)(?:\.(\d+|\*|x))?(?:\.(\d+|\*|x))?\s*$/.exec(range);
  assert.ok(m, `engines range "${range}" is not a simple lower bound`);
  const n = (v: string | undefined) => (v === undefined || v === '*' || v === 'x' ? 0 : Number(v));
  return [Number(m[1]), n(m[2]), n(m[3])];
}

/**
 * Whether every Node our own lower bound admits satisfies a dependency's range: for `a || b` one
 * open-ended alternative (`>=`, no upper bound) must start at or below ours; `6.*` alone never does.
 */
function admitsFrom(ours: readonly number[], range: string): boolean {
  return range.split('||').some((alt) => {
    const a = alt.trim();
    if (a === '*' || a === '') return true;
    if (/^(\d+)(\.(\*|x))?(\.(\*|x))?$/.test(a)) return false;
    return compare(ours, lowerBound(a)) >= 0;
  });
}

const compare = (a: readonly number[], b: readonly number[]): number =>
  a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;

test('every runtime dependency is imported (or its files resolved) by the shipped code (src/, bin/)', () => {
  for (const name of Object.keys(pkg.dependencies ?? {})) {
    const hits = execFileSync(
      'git',
      [
        'grep',
        '-l',
        '-e',
        `from '${name}'`,
        '-e',
        `from '${name}/`,
        // A package used for the files it ships (grpc-js-xds's bundled protos) is resolved, not imported.
        '-e',
        `resolve('${name}/`,
        '-e',
        `import '${name}'`,
        '--',
        'src',
        'bin',
      ],
      { cwd: repoRoot, encoding: 'utf8' },
    )
      .split('\n')
      .filter((f) => f !== '' && !f.endsWith('.test.ts'));
    assert.ok(hits.length > 0, `${name} is a dependency but nothing under src/ or bin/ imports it`);
  }
});

test('engines.node is at least every runtime dependency’s engines.node', () => {
  const ours = lowerBound(pkg.engines?.node ?? '0');
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const dep = readManifest(join(repoRoot, 'node_modules', name));
    if (dep.engines?.node) {
      assert.ok(
        admitsFrom(ours, dep.engines.node),
        `engines.node "${pkg.engines?.node}" admits Node older than ${name} needs ("${dep.engines.node}")`,
      );
    }
    for (const sub of Object.keys(dep.dependencies ?? {})) visit(sub);
  };
  for (const name of Object.keys(pkg.dependencies ?? {})) visit(name);
  assert.ok(seen.size > 0);
});

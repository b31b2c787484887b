// The docs name no file that does not exist: relative Markdown links in README.md and docs/*.md, the
// repository paths they quote (under src/, docs/, test/, ...), and docs/*.md cited in code comments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { repoRoot } from './helpers/shared.js';

/** Tracked files matching the pathspecs (what a clone has; dist/ and node_modules/ excluded). */
const tracked = (...specs: string[]): string[] =>
  execFileSync('git', ['ls-files', '--', ...specs], { cwd: repoRoot, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f !== '');

const docs = tracked('README.md', 'docs/*.md');

/** A repository path quoted in prose: starts at a top-level folder, ends in a known extension. */
const REPO_PATH =
  /(?<![\w./-])((?:src|test|bench|scripts|docs|bin)\/[\w./-]*\.(?:ts|md|yaml|yml|json|mjs|sh|html|js))(?![\w/-])/g;

test('relative links in README.md and docs/*.md point at files that exist', () => {
  const broken: string[] = [];
  for (const file of docs) {
    const text = readFileSync(join(repoRoot, file), 'utf8');
    for (const m of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1] ?? '';
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
      const path = target.split('#')[0] ?? '';
      if (!existsSync(resolve(repoRoot, dirname(file), decodeURIComponent(path))))
        broken.push(`${file}: ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('repository paths quoted in README.md and docs/*.md exist', () => {
  const missing: string[] = [];
  for (const file of docs) {
    const text = readFileSync(join(repoRoot, file), 'utf8');
    for (const m of text.matchAll(REPO_PATH)) {
      const path = m[1] ?? '';
      // A glob or a placeholder (docs/*.md, src/cli/commands/<verb>.ts) names no single file.
      if (/[*<>{}]/.test(path)) continue;
      if (!existsSync(join(repoRoot, path))) missing.push(`${file}: ${path}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('docs/*.md cited in source comments (src/, bench/, test/, scripts/) exist', () => {
  const missing: string[] = [];
  for (const file of tracked('src', 'bench', 'test', 'scripts', 'bin')) {
    if (!/\.(ts|mjs|js|sh)$/.test(file)) continue;
    const text = readFileSync(join(repoRoot, file), 'utf8');
    for (const m of text.matchAll(/(?<![\w/-])docs\/([\w.-]+\.md)/g))
      if (!existsSync(join(repoRoot, 'docs', m[1] ?? ''))) missing.push(`${file}: docs/${m[1]}`);
  }
  assert.deepEqual(missing, []);
});

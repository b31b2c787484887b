// docs/analysis-messages.md is generated from the message table and must agree with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMessagesDoc } from '../src/analyze/docs.js';
import { MESSAGES } from '../src/analyze/index.js';
import { repoRoot } from './helpers/shared.js';

test('docs/analysis-messages.md matches the message table (node scripts/generate-analysis-docs.mjs)', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'analysis-messages.md'), 'utf8');
  assert.equal(doc, renderMessagesDoc());
  for (const m of MESSAGES) assert.ok(doc.includes(`| ${m.code} | ${m.name} | ${m.level} |`));
});

test('message table: unique codes, Istio codes IST0xxx, Switchyard codes SY0xxx', () => {
  const codes = MESSAGES.map((m) => m.code);
  assert.equal(new Set(codes).size, codes.length);
  for (const c of codes) assert.match(c, /^(IST|SY)\d{4}$/);
});

// JUnit XML for CI (the de-facto schema Jenkins and GitLab read: testsuites > testsuite > testcase
// with failure/error children), one testsuite per test file.
import type { CaseResult } from './test-run.js';
import { formatFailure } from './test-run.js';

function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export function junitXml(results: readonly CaseResult[]): string {
  const byFile = new Map<string, CaseResult[]>();
  for (const r of results) {
    const list = byFile.get(r.test.file) ?? [];
    list.push(r);
    byFile.set(r.test.file, list);
  }
  const failures = results.filter((r) => !r.passed && !r.error).length;
  const errors = results.filter((r) => r.error).length;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="switchyard test" tests="${results.length}" failures="${failures}" errors="${errors}">`,
  ];
  for (const [file, list] of byFile) {
    const f = list.filter((r) => !r.passed && !r.error).length;
    const e = list.filter((r) => r.error).length;
    out.push(
      `  <testsuite name="${esc(file)}" tests="${list.length}" failures="${f}" errors="${e}">`,
    );
    for (const r of list) {
      const open = `    <testcase name="${esc(r.test.name)}" classname="${esc(file)}" file="${esc(file)}" line="${r.test.line}" time="0"`;
      if (r.error) {
        out.push(`${open}>`, `      <error message="${esc(r.error)}"/>`, '    </testcase>');
      } else if (!r.passed) {
        const text = r.failures.map(formatFailure).join('\n');
        out.push(
          `${open}>`,
          `      <failure message="${esc(`${r.failures.length} assertion(s) failed`)}">${esc(text)}</failure>`,
          '    </testcase>',
        );
      } else out.push(`${open}/>`);
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

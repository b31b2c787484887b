import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTestFile, TestFileError } from './test-file.js';

function file(text: string): string {
  const p = join(mkdtempSync(join(tmpdir(), 'sy-tf-')), 't.yaml');
  writeFileSync(p, text);
  return p;
}

// getyourguide/istio-config-validator internal/pkg/parser/testcase.go Request.Unfold: every
// uri x authority x method combination becomes one request; the path only (no query) is kept.
test('an istio-config-validator case unfolds into every uri x authority x method', () => {
  const p = file(
    [
      'testCases:',
      '  - description: d',
      '    wantMatch: true',
      '    request:',
      '      authority: [a.test, b.test]',
      '      method: [GET, post]',
      '      uri: [/x, /y]',
      '      headers: { X-A: "1" }',
      '    route: [{ destination: { host: h } }]',
      '',
    ].join('\n'),
  );
  const [c] = readTestFile(p, {});
  assert.equal(c?.format, 'istio-config-validator');
  assert.equal(c?.line, 2);
  assert.equal(c?.wantMatch, true);
  assert.deepEqual(
    c?.requests.map((r) => `${r.method} ${r.authority}${r.path} ${r.headers['x-a']}`),
    [
      'GET a.test/x 1',
      'POST a.test/x 1',
      'GET b.test/x 1',
      'POST b.test/x 1',
      'GET a.test/y 1',
      'POST a.test/y 1',
      'GET b.test/y 1',
      'POST b.test/y 1',
    ],
  );
  assert.deepEqual(Object.keys(c?.expect ?? {}), ['route']);
});

test("Switchyard cases take the file's point of view unless they name their own", () => {
  const p = file(
    [
      'gateway: istio-ingressgateway',
      'port: 8080',
      'tests:',
      '  - request: { url: "http://a/" }',
      '    expect: { status: 404 }',
      '  - from: sleep',
      '    request: { url: "http://a/", method: post, headers: { k: v } }',
      '    expect: { status: 404 }',
      '',
    ].join('\n'),
  );
  const [a, b] = readTestFile(p, { from: 'cli' });
  assert.deepEqual(a?.view, { gateway: 'istio-ingressgateway', port: 8080 });
  assert.equal(a?.name, 'case 0');
  assert.deepEqual(b?.view, { from: 'sleep' });
  assert.equal(b?.requests[0]?.method, 'POST');
  assert.equal(b?.line, 6);
});

test('malformed files fail with file:line', () => {
  assert.throws(
    () => readTestFile(file('tests:\n  - expect: { status: 1 }\n'), {}),
    (e: Error) => e instanceof TestFileError && /t\.yaml:2: request is required/.test(e.message),
  );
  assert.throws(
    () => readTestFile(file('routes: []\n'), {}),
    /t\.yaml:1: expected tests: \(Switchyard\) or testCases:/,
  );
  assert.throws(() => readTestFile(file('tests: [\n'), {}), /t\.yaml:\d+: /);
});

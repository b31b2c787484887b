// `switchyard test` end to end (a real process): route tests in Switchyard's format and in
// istio-config-validator's testCases format, go-test output, exit codes, JUnit XML and coverage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, repoRoot } from './helpers/shared.js';

const bin = join(repoRoot, 'bin', 'switchyard.js');
const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const jasonConfig = [
  fixture('compile', 'bookinfo.yaml'),
  fixture('compile', 'destination-rules.yaml'),
  fixture('mesh', 'reviews-jason-v2.yaml'),
];

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** A strict little XML reader for what JUnit files use (elements, attributes, text, entities). */
function parseXml(xml: string): XmlElement {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const root: XmlElement = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  const unescape = (s: string) =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
  const re = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(body))) {
    pos = re.lastIndex;
    const top = stack[stack.length - 1]!;
    if (m[5] !== undefined) {
      top.text += unescape(m[5]);
      continue;
    }
    if (m[1]) {
      assert.equal(top.name, m[2], `closing </${m[2]}> does not match <${top.name}>`);
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of (m[3] ?? '').matchAll(/([\w:.-]+)="([^"]*)"/g)) attrs[a[1]!] = unescape(a[2]!);
    const el: XmlElement = { name: m[2]!, attrs, children: [], text: '' };
    top.children.push(el);
    if (!m[4]) stack.push(el);
  }
  assert.equal(pos, body.length, `XML not well-formed near: ${body.slice(pos, pos + 40)}`);
  assert.equal(stack.length, 1, 'unclosed elements');
  assert.equal(root.children.length, 1, 'one root element');
  return root.children[0]!;
}

test('test: Switchyard tests on Bookinfo pass (jason -> reviews v2, others -> v1) with go-test output', () => {
  const r = run('test', '-f', ...jasonConfig, fixture('explain', 'bookinfo-tests.yaml'));
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^=== RUN {3}jason sees black stars \(reviews v2\)$/m);
  assert.match(r.stdout, /^--- PASS: jason sees black stars \(reviews v2\) \(0\.00s\)$/m);
  assert.match(r.stdout, /^PASS\nok\t2 case\(s\), 2 passed, 0 failed$/m);
});

test('test: a weight split 80/20 and a gateway with redirect, direct response, rewrite, policies, mirror', () => {
  const split = run(
    'test',
    '-f',
    fixture('compile', 'bookinfo.yaml'),
    fixture('compile', 'destination-rules.yaml'),
    fixture('mesh', 'reviews-80-20.yaml'),
    fixture('explain', 'split-tests.yaml'),
  );
  assert.equal(split.status, 0, split.stdout + split.stderr);
  const gw = run(
    'test',
    '-f',
    fixture('compile', 'bookinfo.yaml'),
    fixture('explain', 'gateway-merge.yaml'),
    fixture('explain', 'gateway-tests.yaml'),
  );
  assert.equal(gw.status, 0, gw.stdout + gw.stderr);
  assert.match(gw.stdout, /ok\t6 case\(s\), 6 passed, 0 failed/);
});

// getyourguide/istio-config-validator internal/pkg/unit/unit.go: each request x authority x method
// is matched, and the matched rule's route/rewrite/redirect/fault/headers compared whole == wantMatch.
test("test: istio-config-validator's testCases format runs unchanged", () => {
  const r = run(
    'test',
    '-f',
    fixture('explain', 'icv-config.yaml'),
    fixture('explain', 'icv-tests.yaml'),
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^--- PASS: carts for both hosts and several methods \(0\.00s\)$/m);
  assert.match(r.stdout, /^--- PASS: vendors only answers GET and HEAD \(0\.00s\)$/m);
  assert.match(r.stdout, /ok\t5 case\(s\), 5 passed, 0 failed/);
});

test('test: a failing case exits 1 with a diff at file:line; JUnit XML records it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-junit-'));
  const junit = join(dir, 'junit.xml');
  const r = run(
    'test',
    '-f',
    ...jasonConfig,
    fixture('explain', 'failing-tests.yaml'),
    '--junit',
    junit,
  );
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^--- FAIL: jason expected on v3 \(0\.00s\)$/m);
  assert.match(
    r.stdout,
    /failing-tests\.yaml:4:\n {8}GET http:\/\/reviews:9080\/reviews\/0 end-user=jason: destination\n {8}- host: reviews\n {8}- subset: v3\n {8}\+ host: reviews\.default\.svc\.cluster\.local\n {8}\+ subset: v2\n/,
  );
  assert.match(r.stdout, /^FAIL\nFAIL\t2 case\(s\), 1 passed, 1 failed$/m);
  const xml = parseXml(readFileSync(junit, 'utf8'));
  assert.equal(xml.name, 'testsuites');
  assert.equal(xml.attrs['tests'], '2');
  assert.equal(xml.attrs['failures'], '1');
  const suite = xml.children[0]!;
  assert.equal(suite.name, 'testsuite');
  const cases = suite.children;
  assert.deepEqual(
    cases.map((c) => [c.attrs['name'], c.children.map((f) => f.name)]),
    [
      ['jason expected on v3', ['failure']],
      ['others on v1', []],
    ],
  );
  assert.match(cases[0]!.children[0]!.text, /\+ subset: v2/);
});

// Envoy router_check_tool --coverage reports the share of routes the tests reached
// (envoyproxy/envoy test/tools/router_check/router.cc); here per VirtualService http rule.
test('test: coverage counts rules, match blocks and destinations; --fail-under fails below the share', () => {
  const args = [
    'test',
    '-f',
    fixture('explain', 'icv-config.yaml'),
    fixture('explain', 'icv-tests.yaml'),
  ];
  const r = run(...args, '--coverage');
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /icv-config\.yaml: http rules 5\/6 \(83\.3%\), match blocks 5\/6 \(83\.3%\), destinations 4\/5 \(80\.0%\)/,
  );
  assert.match(
    r.stdout,
    /never hit:\n {4}VirtualService storefront\.store http\[2\] \(.*icv-config\.yaml:\d+\)/,
  );
  const under = run(...args, '--fail-under', '90');
  assert.equal(under.status, 1);
  assert.match(under.stdout, /coverage 83\.3% of http rules is under --fail-under 90%/);
  assert.equal(run(...args, '--fail-under', '80').status, 0);
});

test('test: bad input - malformed test files name file:line, unknown workloads list the known ones, usage 64', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-badtests-'));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'tests:\n  - name: no request\n    expect: { status: 404 }\n');
  const r = run('test', '-f', ...jasonConfig, bad);
  assert.equal(r.status, 65);
  assert.match(r.stderr, /bad\.yaml:2: request is required/);
  const icv = join(dir, 'icv.yaml');
  writeFileSync(icv, 'testCases:\n  - description: x\n    request: { authority: [a], uri: [/] }\n');
  const e = run('test', '-f', ...jasonConfig, icv);
  assert.equal(e.status, 65);
  assert.match(e.stderr, /icv\.yaml:2: method list is empty/);
  const who = join(dir, 'who.yaml');
  writeFileSync(
    who,
    'from: nosuch\ntests:\n  - request: { url: "http://reviews:9080/" }\n    expect: { status: 404 }\n',
  );
  const u = run('test', '-f', ...jasonConfig, who);
  assert.equal(u.status, 1);
  assert.match(
    u.stdout,
    /who\.yaml:3: proxy nosuch not found in the given files; known proxies: .*productpage-v1-0\.default/,
  );
  const url = join(dir, 'url.yaml');
  writeFileSync(url, 'tests:\n  - request: { url: "not a url" }\n    expect: { status: 404 }\n');
  const badUrl = run('test', '-f', ...jasonConfig, url);
  assert.equal(badUrl.status, 64);
  assert.match(badUrl.stderr, /url\.yaml:2: invalid URL/);
  assert.equal(run('test', '-f', ...jasonConfig).status, 64);
});

// Istio's fault-injection task (7s for jason, 3s for others on ratings) and request-timeouts task
// (0.5s on reviews), checked as route tests (istio/istio samples/bookinfo/networking).
test('test: Bookinfo fault delays and a route timeout as expectations', () => {
  const r = run(
    'test',
    '-f',
    fixture('compile', 'bookinfo.yaml'),
    fixture('compile', 'destination-rules.yaml'),
    fixture('resilience', 'ratings-delays.yaml'),
    fixture('explain', 'reviews-timeout.yaml'),
    fixture('explain', 'bookinfo-fault-timeout-tests.yaml'),
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /ok\t3 case\(s\), 3 passed, 0 failed/);
});

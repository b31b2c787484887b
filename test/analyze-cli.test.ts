// `switchyard analyze` end to end: flags, output formats, stderr summary and exit codes as istioctl's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runAnalyze } from '../src/cli/commands/analyze.js';
import { EXIT } from '../src/cli/exit-codes.js';
import { fixture, repoRoot } from './helpers/shared.js';

type Flags = Parameters<typeof runAnalyze>[1];

const defaults: Flags = {
  filename: [],
  recursive: false,
  namespace: 'default',
  allNamespaces: false,
  output: 'log',
  failureThreshold: 'Error',
  outputThreshold: 'Info',
  suppress: [],
  listAnalyzers: false,
  analyzer: [],
  color: false,
};

function cli(files: string[], flags: Partial<Flags> = {}, stdin?: string) {
  let out = '';
  let err = '';
  const code = runAnalyze(
    files,
    { ...defaults, ...flags },
    {
      out: (t) => (out += t),
      err: (t) => (err += t),
      now: new Date('2026-01-01T00:00:00Z'),
      ...(stdin !== undefined ? { readStdin: () => stdin } : {}),
    },
  );
  return { code, out, err };
}

const f = (name: string) => fixture('analyze', name);

test('analyze cli: log lines with origin and file:line, exit 79 on errors', () => {
  const r = cli([f('subset-missing.yaml')], { namespace: 'shop' });
  assert.equal(r.code, EXIT.analyzeIssues);
  assert.match(
    r.out,
    new RegExp(
      `^Error \\[IST0101\\] \\(VirtualService shop/reviews ${f('subset-missing.yaml').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+\\) Referenced host\\+subset in destinationrule not found: "reviews\\+v2"$`,
      'm',
    ),
  );
  assert.match(r.err, /Analyzers found issues when analyzing namespace: shop\./);
});

test('analyze cli: messages outside the analysed namespace are not shown; -A shows them', () => {
  const r = cli([f('subset-missing.yaml')]);
  assert.equal(r.code, EXIT.ok);
  assert.equal(r.out, '\n');
  assert.equal(
    r.err,
    `\u2714 No validation issues found when analyzing ${f('subset-missing.yaml')}.\n`,
  );
  const all = cli([f('subset-missing.yaml')], { allNamespaces: true });
  assert.equal(all.code, EXIT.analyzeIssues);
  assert.match(all.err, /when analyzing all namespaces\./);
});

test('analyze cli: thresholds decide what is printed and the exit code', () => {
  // Warnings only (SY0001): exit 0 by default, 79 with --failure-threshold Warning.
  const file = f('weights.yaml');
  const base = { namespace: 'shop', analyzer: ['switchyard.WeightAnalyzer'] };
  assert.equal(cli([file], base).code, EXIT.ok);
  assert.equal(cli([file], { ...base, failureThreshold: 'Warning' }).code, EXIT.analyzeIssues);
  const hidden = cli([file], { ...base, outputThreshold: 'Error' });
  assert.equal(hidden.out, '\n');
  assert.match(hidden.err, /No validation issues found/);
});

test('analyze cli: -o json and -o yaml emit istioctl fields', () => {
  const file = f('subset-missing.yaml');
  const json = cli([file], { namespace: 'shop', output: 'json' });
  assert.equal(json.code, EXIT.ok, 'istioctl sets the exit code only for log output');
  const arr = JSON.parse(json.out) as Record<string, string>[];
  const m = arr.find((x) => x.code === 'IST0101');
  assert.ok(m);
  assert.deepEqual(Object.keys(m), [
    'code',
    'documentationUrl',
    'level',
    'message',
    'origin',
    'reference',
  ]);
  assert.equal(m.origin, 'VirtualService shop/reviews');
  assert.equal(
    m.documentationUrl,
    'https://istio.io/latest/docs/reference/config/analysis/ist0101/?ref=istioctl-analyze',
  );
  assert.match(m.reference ?? '', /subset-missing\.yaml:\d+$/);
  const yaml = cli([file], { namespace: 'shop', output: 'yaml' });
  const parsed = parseYaml(yaml.out) as Record<string, string>[];
  assert.ok(parsed.some((x) => x.code === 'IST0101' && x.level === 'Error'));
});

test('analyze cli: --suppress and the analyze-suppress annotation drop messages', () => {
  const file = f('subset-missing.yaml');
  const r = cli([file], { namespace: 'shop', suppress: ['IST0101=VirtualService reviews.shop'] });
  assert.doesNotMatch(r.out, /IST0101/);
  const wild = cli([file], { namespace: 'shop', suppress: ['IST0101=VirtualService *.shop'] });
  assert.doesNotMatch(wild.out, /IST0101/);
  const unknown = cli([file], { namespace: 'shop', suppress: ['IST9999=VirtualService x.y'] });
  assert.match(unknown.err, /Supplied message code 'IST9999' is an unknown message code/);
  assert.equal(cli([file], { suppress: ['nonsense'] }).code, EXIT.usage);
  const annotated = cli(
    [],
    { namespace: 'shop' },
    'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: x\n  namespace: shop\n  annotations:\n    galley.istio.io/analyze-suppress: IST0101\nspec:\n  hosts: [x]\n  http:\n  - route:\n    - destination: {host: nowhere}\n',
  );
  assert.equal(annotated.code, EXIT.ok);
});

test('analyze cli: stdin, -L, --analyzer, usage and parse errors', () => {
  const stdin = cli(
    ['-'],
    { namespace: 'shop' },
    'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: x}\nspec:\n  hosts: [x]\n  http:\n  - route:\n    - destination: {host: nowhere}\n',
  );
  assert.equal(stdin.code, EXIT.analyzeIssues);
  assert.match(
    stdin.out,
    /Error \[IST0101\] \(VirtualService shop\/x <stdin>:8\) Referenced host not found: "nowhere"/,
  );
  const list = cli([], { listAnalyzers: true });
  assert.equal(list.code, EXIT.ok);
  assert.match(
    list.out,
    /^\* virtualservice\.DestinationHostAnalyzer:\n {4}Checks the destination hosts/m,
  );
  assert.match(list.out, /^\* switchyard\.RetryAnalyzer:/m);
  assert.equal(cli([], { analyzer: ['no.SuchAnalyzer'] }).code, EXIT.usage);
  assert.equal(cli([], { output: 'xml' }).code, EXIT.usage);
  assert.equal(cli([], { failureThreshold: 'Fatal' }).code, EXIT.usage);
  assert.equal(cli(['/no/such/file.yaml']).code, EXIT.failure);
  const bad = cli(['-'], {}, 'kind: [unclosed\n');
  assert.equal(bad.code, EXIT.dataError);
  assert.match(bad.err, /could not be parsed/);
});

test('analyze cli: --meshConfigFile replaces the mesh config', () => {
  const r = cli([f('registry-only.yaml')], {
    namespace: 'shop',
    meshConfigFile: f('registry-only-mesh.yaml'),
    analyzer: ['switchyard.RegistryOnlyAnalyzer'],
  });
  assert.equal(r.code, EXIT.analyzeIssues);
  assert.match(r.out, /Error \[SY0005\]/);
});

test('analyze cli: the switchyard binary exits with istioctl codes', () => {
  const bin = join(repoRoot, 'bin', 'switchyard.js');
  const ok = spawnSync(process.execPath, [bin, 'analyze', '-n', 'shop', f('clean-app.yaml')], {
    encoding: 'utf8',
  });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, /\u2714 No validation issues found/);
  const bad = spawnSync(process.execPath, [bin, 'analyze', '-A', '-f', f('subset-missing.yaml')], {
    encoding: 'utf8',
  });
  assert.equal(bad.status, EXIT.analyzeIssues, bad.stderr);
  const usage = spawnSync(process.execPath, [bin, 'analyze', '--no-such-flag'], {
    encoding: 'utf8',
  });
  assert.equal(usage.status, EXIT.usage);
});

test('analyze cli: --server analyzes what a running mesh holds (GET /config)', async () => {
  const { createServer } = await import('node:http');
  const { runAnalyzeCommand } = await import('../src/cli/commands/analyze.js');
  const objects = [
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'reviews', namespace: 'default' },
      spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'nowhere' } }] }] },
    },
  ];
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(objects));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    let out = '';
    let err = '';
    const code = await runAnalyzeCommand(
      [],
      { ...defaults, server: `http://127.0.0.1:${port}` },
      {
        out: (t) => (out += t),
        err: (t) => (err += t),
      },
    );
    assert.deepEqual(paths, ['/config', '/pods']);
    assert.equal(code, EXIT.analyzeIssues, err);
    assert.match(
      out,
      /^Error \[IST0101\] \(VirtualService default\/reviews\) Referenced host not found: "nowhere"$/m,
    );
  } finally {
    server.close();
  }
  let err = '';
  const down = await runAnalyzeCommand(
    [],
    { ...defaults, server: `http://127.0.0.1:${port}` },
    {
      out: () => undefined,
      err: (t) => (err += t),
    },
  );
  assert.equal(down, EXIT.failure);
  assert.match(err, /^error: no mesh at http:\/\/127\.0\.0\.1:\d+ \(is `switchyard up` running\?/);
});

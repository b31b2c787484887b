// Istio's own sample YAML loads and validates clean; Istio's analyzer corpus gives the IST0130/IST0131
// warnings istioctl expects from schema.ValidationAnalyzer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandPaths, loadResources, validateResources } from '../src/config/index.js';
import { sharedFile, sharedSkipReason } from './helpers/shared.js';

// Samples Istio itself warns about (validation warnings, still admitted); listed in docs/validation.md.
const KNOWN_WARNINGS = new Set([
  // Two rules without `match`: Istio warns "only the last rule can have no matches" (IST0130).
  'fault-injection-details-v1.yaml:VirtualService default/details:IST0130',
]);

test('every YAML under istio-samples loads; networking resources validate with no errors', (t) => {
  const reason = sharedSkipReason('conformance', 'istio-samples');
  if (reason) return t.skip(reason);
  const root = sharedFile('conformance', 'istio-samples')!;
  const files = expandPaths([root], true);
  assert.ok(files.length > 20);
  for (const file of files) {
    const loaded = loadResources([file]);
    assert.deepEqual(
      loaded.diagnostics.filter((d) => d.level === 'Error'),
      [],
      file,
    );
    const diags = validateResources(loaded.resources);
    assert.deepEqual(
      diags.filter((d) => d.level === 'Error').map((d) => `${d.field}: ${d.message}`),
      [],
      file,
    );
    for (const w of diags.filter((d) => d.level === 'Warning')) {
      const key = `${file.split('/').pop()}:${w.resource?.kind} ${w.resource?.namespace}/${w.resource?.name}:${w.code}`;
      assert.ok(KNOWN_WARNINGS.has(key), `unexpected warning ${key}: ${w.message}`);
    }
  }
});

test('the IstioOperator mesh config fragment is recognised as mesh config', (t) => {
  const file = sharedFile(
    'conformance',
    'istio-samples',
    'tasks',
    'egress-control',
    '00-meshconfig-registry-only.yaml',
  );
  if (!file) return t.skip(sharedSkipReason('conformance', 'istio-samples', 'tasks') || 'absent');
  const loaded = loadResources([file]);
  assert.deepEqual(loaded.diagnostics, []);
  assert.deepEqual(loaded.meshConfig?.value, { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } });
});

interface Expected {
  file: string;
  analyzer: string;
  messages: { code: string; kind: string; name: string; detail: string }[];
}

test('schema.ValidationAnalyzer cases of the istioctl analyze corpus: same codes, resources and messages', (t) => {
  const reason = sharedSkipReason('conformance', 'istio-analyze', 'expected.json');
  if (reason) return t.skip(reason);
  const dir = sharedFile('conformance', 'istio-analyze')!;
  const cases = (JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected[]).filter(
    (c) => c.analyzer.startsWith('schema.ValidationAnalyzer'),
  );
  assert.ok(cases.length >= 2);
  for (const c of cases) {
    const loaded = loadResources([join(dir, c.file)]);
    const got = validateResources(loaded.resources)
      .filter((d) => d.code === 'IST0130' || d.code === 'IST0131')
      .map((d) => `${d.code} ${d.resource?.name} ${d.message}`)
      .sort();
    const want = c.messages.map((m) => `${m.code} ${m.name}`).sort();
    assert.deepEqual(
      got.map((g) => g.split(' ').slice(0, 2).join(' ')),
      want,
      c.file,
    );
    // Rendered details are normative where they are full messages (they start with "VirtualService rule").
    for (const m of c.messages.filter((x) => x.detail.startsWith('VirtualService rule')))
      assert.ok(got.includes(`${m.code} ${m.name} ${m.detail}`), `${c.file}: ${m.detail}`);
  }
});

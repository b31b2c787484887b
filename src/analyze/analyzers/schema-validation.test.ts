// The mapping from webhook validation diagnostics to istioctl's schema messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConfigSnapshot, parseResources, type ConfigDiagnostic } from '../../config/index.js';
import type { AnalysisMessage } from '../types.js';
import { goSprintf } from '../go-format.js';
import { messageType } from '../messages.js';
import { schemaAnalyzer } from './schema-validation.js';

const yaml = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: shop}
spec:
  hosts: [a]
  http:
  - route:
    - destination: {host: a}
    timeout: -1s
`;

test('validation errors -> IST0106, coded warnings keep their code, other warnings -> IST0133', () => {
  const diagnostics: ConfigDiagnostic[] = [
    {
      level: 'Error',
      message: 'http[0].timeout: negative duration',
      field: 'spec.http[0].timeout',
    },
    {
      level: 'Warning',
      code: 'IST0130',
      message: 'VirtualService rule #1 not used (all matches used by prior rules).',
    },
    { level: 'Warning', message: 'weight 0 on every destination' },
  ];
  const analyzer = schemaAnalyzer('VirtualService', () => diagnostics);
  assert.equal(analyzer.name, 'schema.ValidationAnalyzer.VirtualService');
  const snapshot = createConfigSnapshot(parseResources(yaml, 'vs.yaml').resources);
  const got: AnalysisMessage[] = [];
  analyzer.analyze({
    snapshot,
    now: new Date(0),
    domain: 'cluster.local',
    report: (code, r, args, field) =>
      got.push({
        code,
        level: messageType(code).level,
        name: messageType(code).name,
        analyzer: analyzer.name,
        args,
        message: goSprintf(messageType(code).template, args),
        ...(field && r.source ? { position: r.source.positionOf(field) } : {}),
      }),
    reportText: (code, _r, text) =>
      got.push({
        code,
        level: messageType(code).level,
        name: messageType(code).name,
        analyzer: analyzer.name,
        args: [text],
        message: text,
      }),
  });
  assert.deepEqual(
    got.map((m) => [m.code, m.message]),
    [
      ['IST0106', 'Schema validation error: http[0].timeout: negative duration'],
      ['IST0130', 'VirtualService rule #1 not used (all matches used by prior rules).'],
      ['IST0133', 'Schema validation warning: weight 0 on every destination'],
    ],
  );
  assert.equal(got[0]?.position?.line, 9);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnsFor, formatTable, humanDuration, toKubectlYaml } from './kubectl-output.js';

test('AGE follows apimachinery HumanDuration', () => {
  const s = 1000;
  const cases: [number, string][] = [
    [-5 * s, '<invalid>'],
    [0, '0s'],
    [119 * s, '119s'],
    [120 * s, '2m'],
    [(5 * 60 + 7) * s, '5m7s'],
    [45 * 60 * s, '45m'],
    [(3 * 60 + 15) * 60 * s, '3h15m'],
    [10 * 3600 * s, '10h'],
    [(3 * 24 + 5) * 3600 * s, '3d5h'],
    [30 * 24 * 3600 * s, '30d'],
    [(3 * 365 + 12) * 24 * 3600 * s, '3y12d'],
    [9 * 365 * 24 * 3600 * s, '9y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, String(ms));
});

test('tables pad columns by three spaces with a minimum width of six, last column unpadded', () => {
  assert.equal(
    formatTable(
      ['NAME', 'AGE'],
      [
        ['a', '5s'],
        ['reviews', '10m'],
      ],
    ),
    ['NAME      AGE', 'a         5s', 'reviews   10m'].join('\n'),
  );
});

test('-o yaml sorts keys, leaves sequences unindented and quotes timestamp-like strings', () => {
  assert.equal(
    toKubectlYaml({
      spec: { hosts: ['a'] },
      metadata: { creationTimestamp: '2026-01-01T00:00:00Z' },
    }),
    'metadata:\n  creationTimestamp: "2026-01-01T00:00:00Z"\nspec:\n  hosts:\n  - a\n',
  );
});

test('PeerAuthentication columns: NAME, MODE (.spec.mtls.mode), AGE as the CRD additionalPrinterColumns', () => {
  const cols = columnsFor('PeerAuthentication', false);
  assert.deepEqual(cols.header, ['NAME', 'MODE', 'AGE']);
  const pa = {
    metadata: { name: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { mtls: { mode: 'STRICT' } },
  };
  assert.deepEqual(cols.row(pa, Date.parse('2026-01-01T00:05:00Z')), ['default', 'STRICT', '5m']);
  assert.deepEqual(cols.row({ metadata: { name: 'x' } }, 0), ['x', '', '<unknown>']);
});

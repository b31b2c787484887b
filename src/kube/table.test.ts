import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findResourceByKind } from './catalog.js';
import { customResourceDefinitions } from './crds.js';
import { toTable } from './table.js';

test('kubectl get crd: CREATED AT is the RFC 3339 timestamp, as the default table convertor prints it', () => {
  // kubernetes staging/src/k8s.io/apiserver/pkg/registry/rest/table.go: Name, "Created At".
  const crd = findResourceByKind('apiextensions.k8s.io/v1', 'CustomResourceDefinition');
  assert.ok(crd);
  const objects = customResourceDefinitions('2026-12-02T10:00:00Z');
  const table = toTable(crd, objects, { now: Date.now(), include: 'None', resourceVersion: '1' });
  const rows = table.rows as { cells: unknown[] }[];
  assert.ok(rows.length > 0);
  for (const row of rows) assert.equal(row.cells[1], '2026-12-02T10:00:00Z');
});

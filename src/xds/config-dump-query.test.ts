import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileProxy } from '../compile/index.js';
import { proxyNames, resolveProxy } from '../registry/index.js';
import { envoyConfigDump } from './config-dump.js';
import { queryConfigDump } from './config-dump-query.js';
import { meshFromFiles } from './file-source.js';
import type { ProtoObject } from './protos.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures');

function productpageDump(includeEds = false): ProtoObject {
  const { state } = meshFromFiles([join(FIXTURES, 'compile/bookinfo.yaml')]);
  assert.ok(state);
  const name = proxyNames(state.registry).find((n) => n.startsWith('productpage'))!;
  const snapshot = compileProxy(state.config, state.registry, resolveProxy(state.registry, name)!);
  return envoyConfigDump(snapshot, { includeEds });
}

const DUMP = productpageDump();
const ok = (q: Parameters<typeof queryConfigDump>[1], dump = DUMP) => {
  const a = queryConfigDump(dump, q);
  assert.equal(a.status, 200, a.status === 200 ? '' : a.text);
  return (a as { body: ProtoObject }).body;
};
const configs = (b: ProtoObject) => (b.configs as ProtoObject[] | undefined) ?? [];

test('?resource=dynamic_active_clusters: each cluster packed as ClustersConfigDump.DynamicCluster', () => {
  const all = configs(ok({})).find((c) => String(c['@type']).endsWith('ClustersConfigDump'))!;
  const out = configs(ok({ resource: 'dynamic_active_clusters' }));
  assert.equal(out.length, (all.dynamic_active_clusters as unknown[]).length);
  for (const c of out) {
    assert.equal(
      c['@type'],
      'type.googleapis.com/envoy.admin.v3.ClustersConfigDump.DynamicCluster',
    );
    assert.equal(typeof (c.cluster as ProtoObject).name, 'string');
  }
  // EDS only with ?include_eds, as Envoy: without it the field is nowhere.
  assert.equal(queryConfigDump(DUMP, { resource: 'dynamic_endpoint_configs' }).status, 404);
  const eds = configs(ok({ resource: 'dynamic_endpoint_configs' }, productpageDump(true)));
  assert.ok(eds.length > 0);
});

test('?resource=...&mask=cluster.name trims inside the packed cluster; name_regex keeps whole-name matches', () => {
  const out = configs(
    ok({ resource: 'dynamic_active_clusters', mask: 'cluster.name', nameRegex: '.*reviews.*' }),
  );
  assert.ok(out.length > 0);
  for (const c of out) {
    assert.deepEqual(Object.keys(c).sort(), ['@type', 'cluster']);
    const cluster = c.cluster as ProtoObject;
    assert.deepEqual(Object.keys(cluster).sort(), ['@type', 'name']);
    assert.match(String(cluster.name), /reviews/);
  }
  // name_regex is a full match (RE2): a bare substring matches nothing.
  assert.deepEqual(ok({ resource: 'dynamic_active_clusters', nameRegex: 'reviews' }), {});
  // Listeners filter by their own name.
  const listeners = configs(ok({ resource: 'dynamic_listeners', nameRegex: 'virtual.*' }));
  assert.deepEqual(listeners.map((l) => l.name).sort(), ['virtualInbound', 'virtualOutbound']);
});

test('?mask= alone applies to each top-level dump it fits; the rest are left out', () => {
  const out = configs(ok({ mask: 'dynamic_active_clusters' }));
  assert.equal(out.length, 1);
  assert.deepEqual(Object.keys(out[0]!).sort(), ['@type', 'dynamic_active_clusters']);
});

test("errors as Envoy's: not repeated -> 400, unknown resource -> 404, unusable mask or regex -> 400", () => {
  assert.deepEqual(queryConfigDump(DUMP, { resource: 'version_info' }), {
    status: 400,
    text: 'version_info is not a repeated field. Use ?mask=version_info to get only this field',
  });
  assert.deepEqual(queryConfigDump(DUMP, { resource: 'nope' }), {
    status: 404,
    text: 'nope not found in config dump',
  });
  assert.deepEqual(queryConfigDump(DUMP, { mask: 'bogus' }), {
    status: 400,
    text: 'FieldMask bogus could not be successfully applied to any configs.',
  });
  const bad = queryConfigDump(DUMP, { resource: 'dynamic_active_clusters', mask: 'cluster.nope' });
  assert.equal(bad.status, 400);
  assert.match((bad as { text: string }).text, /could not be successfully used/);
  const regex = queryConfigDump(DUMP, { nameRegex: '(' });
  assert.equal(regex.status, 400);
  assert.match(
    (regex as { text: string }).text,
    /^INVALID_ARGUMENT: Error while parsing name_regex from \(/,
  );
});

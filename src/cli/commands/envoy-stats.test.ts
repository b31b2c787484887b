import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStats, renderStats } from './envoy-stats.js';

const text = `cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_pending_overflow: 3
cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_total: 30
http.downstream_rq_completed: 30
`;

test('stats parse from the admin API text and render as Envoy /stats does (text and json)', () => {
  const stats = parseStats(text);
  assert.equal(stats.length, 3);
  assert.deepEqual(stats[0], [
    'cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_pending_overflow',
    3,
  ]);
  assert.equal(renderStats(stats, 'text'), text);
  const json = JSON.parse(renderStats(stats.slice(2), 'json')) as unknown;
  assert.deepEqual(json, { stats: [{ name: 'http.downstream_rq_completed', value: 30 }] });
});

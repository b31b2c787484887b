import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldsMatch, labelsMatch, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { KubeApiError } from './status.js';

// k8s.io/apimachinery pkg/labels/selector.go: equality, set-based and existence requirements, ANDed.
test('label selectors: =, ==, !=, in, notin, exists, !exists', () => {
  const labels = { app: 'reviews', version: 'v2' };
  const yes = [
    'app=reviews',
    'app==reviews',
    'version!=v1',
    'version in (v1,v2)',
    'version notin (v3)',
    'app',
    '!tier',
    'app=reviews,version=v2',
  ];
  const no = [
    'app=ratings',
    'version in (v1)',
    'version notin (v2)',
    'tier',
    '!app',
    'app=reviews,version=v1',
  ];
  for (const s of yes) assert.equal(labelsMatch(parseLabelSelector(s), labels), true, s);
  for (const s of no) assert.equal(labelsMatch(parseLabelSelector(s), labels), false, s);
  assert.equal(labelsMatch(parseLabelSelector(''), labels), true);
  assert.throws(() => parseLabelSelector('a=(b'), KubeApiError);
});

// Custom resources support metadata.name and metadata.namespace only (customresource strategy GetAttrs).
test('field selectors: metadata.name/namespace; other fields are refused as the API server refuses them', () => {
  const sel = parseFieldSelector('metadata.name=reviews,metadata.namespace!=test');
  const obj: Record<string, string> = {
    'metadata.name': 'reviews',
    'metadata.namespace': 'default',
  };
  assert.equal(
    fieldsMatch(sel, (f) => obj[f]),
    true,
  );
  assert.throws(
    () => parseFieldSelector('spec.hosts=x'),
    (e: KubeApiError) => e.status.message === 'field label not supported: spec.hosts',
  );
  assert.doesNotThrow(() => parseFieldSelector('involvedObject.name=x', ['involvedObject.name']));
});

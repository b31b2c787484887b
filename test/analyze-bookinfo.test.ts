// Istio's Bookinfo sample (bookinfo.yaml + destination-rule-all.yaml + bookinfo-gateway.yaml +
// virtual-service-all-v1.yaml from ../shared/conformance/istio-samples) analysed with every analyzer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConfigSnapshot, loadResources } from '../src/config/index.js';
import { analyze, withDefaultResources } from '../src/analyze/index.js';
import { sharedFile, sharedSkipReason } from './helpers/shared.js';

const parts = ['conformance', 'istio-samples', 'bookinfo'];
const skip = sharedSkipReason(...parts, 'platform', 'kube', 'bookinfo.yaml');

/**
 * What istioctl's own analyzers rightly say about these four files, and nothing else:
 * - IST0173: destination-rule-all.yaml defines ratings subsets v2-mysql and v2-mysql-vm whose
 *   workloads live in other sample files (bookinfo-ratings-v2-mysql*.yaml), not in bookinfo.yaml;
 * - IST0140: the gateway-bound `bookinfo` VirtualService sends to productpage without a subset while
 *   virtual-service-all-v1 pins productpage to v1 for mesh traffic only.
 */
const ISTIO_FINDINGS = [
  'IST0140 VirtualService default/bookinfo',
  'IST0173 DestinationRule default/ratings',
  'IST0173 DestinationRule default/ratings',
];

test(
  'bookinfo: nothing at Warning or above beyond the findings istioctl itself reports',
  { skip },
  () => {
    const f = (...p: string[]) => sharedFile(...parts, ...p) as string;
    const loaded = loadResources([
      f('platform', 'kube', 'bookinfo.yaml'),
      f('networking', 'destination-rule-all.yaml'),
      f('networking', 'bookinfo-gateway.yaml'),
      f('networking', 'virtual-service-all-v1.yaml'),
    ]);
    assert.deepEqual(loaded.diagnostics, []);
    const messages = analyze(createConfigSnapshot(withDefaultResources(loaded.resources)));
    const got = messages
      .filter((m) => m.level !== 'Info')
      .map((m) => `${m.code} ${m.resource?.kind} ${m.resource?.namespace}/${m.resource?.name}`)
      .sort();
    assert.deepEqual(got, ISTIO_FINDINGS);
    // None of Switchyard's own checks fires on Bookinfo.
    assert.equal(messages.filter((m) => m.code.startsWith('SY')).length, 0);
  },
);

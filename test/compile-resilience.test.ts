// Resilience settings as the compiler hands them to the proxy: the `shadowHostSuffix` mesh option,
// outlier detection defaults as Istio's applyOutlierDetection leaves them, and connection pool limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseMeshConfig } from '../src/config/index.js';
import { compileFrom } from './helpers/compile.js';
import { fixture } from './helpers/shared.js';

const httpbin = readFileSync(fixture('resilience', 'httpbin-v1-v2.yaml'), 'utf8');
const sleep = readFileSync(fixture('resilience', 'sleep.yaml'), 'utf8');
const V1 = 'outbound|8000|v1|httpbin.default.svc.cluster.local';

test('mesh option shadowHostSuffix (off by default, as Istio >= 1.28) reaches the snapshot', () => {
  assert.equal(compileFrom([httpbin, sleep], 'sleep').snapshot.mesh.shadowHostSuffix, false);
  const mesh = parseMeshConfig('shadowHostSuffix: true\n');
  const { snapshot } = compileFrom([httpbin, sleep], 'sleep', { mesh });
  assert.equal(snapshot.mesh.shadowHostSuffix, true);
});

test('outlier detection: unset consecutive5xxErrors is 5, 0 disables it, deprecated consecutiveErrors is ignored', () => {
  const dr = (od: string) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin}
spec:
  host: httpbin
  trafficPolicy:
    connectionPool:
      http: {http2MaxRequests: 10, maxRetries: 2}
    outlierDetection: ${od}
  subsets:
  - {name: v1, labels: {version: v1}}
`;
  const httpbinOnly = httpbin.split('\n---\n').slice(0, 3).join('\n---\n');
  const od = (text: string) =>
    compileFrom([httpbinOnly, sleep, dr(text)], 'sleep').snapshot.clusters.get(V1)!;
  const unset = od('{interval: 1s}');
  assert.equal(unset.outlierDetection?.consecutive5xx, 5);
  assert.equal(unset.outlierDetection?.maxEjectionPercent, 10);
  assert.equal(unset.outlierDetection?.minHealthPercent, 0);
  assert.equal(unset.connectionPool.maxRequests, 10);
  assert.equal(unset.connectionPool.maxRetries, 2);
  assert.equal(od('{consecutive5xxErrors: 0}').outlierDetection?.consecutive5xx, 0);
  assert.equal(od('{consecutiveErrors: 1}').outlierDetection?.consecutive5xx, 5);
});

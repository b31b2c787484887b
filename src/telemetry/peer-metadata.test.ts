import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodePeer,
  peerFromIdentity,
  peerFromLabels,
  peerHeaders,
  PEER_METADATA_HEADER,
  PEER_METADATA_ID_HEADER,
  workloadOfPod,
} from './peer-metadata.js';

test('canonical service and revision follow Istio label precedence', () => {
  const p = peerFromLabels('reviews-v2', 'default', { app: 'reviews', version: 'v2' });
  assert.equal(p.canonicalService, 'reviews');
  assert.equal(p.canonicalRevision, 'v2');
  const q = peerFromLabels('x-v1', 'ns', {
    app: 'a',
    'app.kubernetes.io/name': 'k8s-name',
    'service.istio.io/canonical-name': 'canon',
  });
  assert.equal(q.canonicalService, 'canon');
  assert.equal(q.canonicalRevision, 'latest');
  assert.equal(peerFromLabels('plain', 'ns', {}).canonicalService, 'plain');
});

test('a proxy identity names its Deployment (pod name without the index)', () => {
  assert.equal(workloadOfPod('reviews-v2-0'), 'reviews-v2');
  assert.equal(workloadOfPod('istio-ingressgateway'), 'istio-ingressgateway');
  const p = peerFromIdentity({
    kind: 'sidecar',
    id: 'productpage-v1-0.default',
    namespace: 'default',
    labels: { app: 'productpage', version: 'v1' },
    serviceAccount: 'bookinfo-productpage',
    ip: '127.0.0.1',
  });
  assert.equal(p.workload, 'productpage-v1');
  assert.equal(p.serviceAccount, 'bookinfo-productpage');
  assert.equal(p.cluster, 'Kubernetes');
});

test('peer headers round-trip; unreadable values decode to undefined', () => {
  const me = peerFromLabels('reviews-v3', 'default', { app: 'reviews', version: 'v3' }, 'sa');
  const [[name, value], [idName, id]] = peerHeaders(me, 'reviews-v3-0.default', 'sidecar');
  assert.equal(name, PEER_METADATA_HEADER);
  assert.equal(idName, PEER_METADATA_ID_HEADER);
  assert.equal(id, 'sidecar~127.0.0.1~reviews-v3-0.default~default.svc.cluster.local');
  assert.deepEqual(decodePeer(value), me);
  assert.equal(decodePeer('not base64 json'), undefined);
  assert.equal(decodePeer(undefined), undefined);
});

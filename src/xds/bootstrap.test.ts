// The Envoy bootstrap points at the xDS server as istio-agent's does (istio/istio
// tools/packaging/common/envoy_bootstrap.json): it names only Bootstrap fields, passes the
// protoc-gen-validate rules of envoy/config/bootstrap/v3/bootstrap.proto, and prints as proto3 JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envoyBootstrap, nodeId } from './bootstrap.js';
import { encodeAny } from './protos.js';
import { toEnvoyJson } from './proto-json.js';
import { unknownFields, validateAny } from './validate.js';
import { parseNode } from './node.js';

const proxy = {
  kind: 'sidecar' as const,
  id: 'productpage-v1-0.default',
  namespace: 'default',
  labels: { app: 'productpage', version: 'v1' },
  serviceAccount: 'bookinfo-productpage',
  ip: '10.0.0.7',
};

test('the bootstrap encodes and validates as an envoy.config.bootstrap.v3.Bootstrap', () => {
  const b = envoyBootstrap(proxy, '127.0.0.1:15010');
  assert.deepEqual(unknownFields(b), []);
  assert.deepEqual(validateAny(encodeAny(b)), []);
});

test("the node id is Istio's <type>~<ip>~<pod>.<ns>~<ns>.svc.cluster.local and parses back", () => {
  assert.equal(
    nodeId(proxy),
    'sidecar~10.0.0.7~productpage-v1-0.default~default.svc.cluster.local',
  );
  const node = parseNode({ id: nodeId(proxy) });
  assert.ok(typeof node !== 'string');
  assert.equal(node.proxyName, 'productpage-v1-0.default');
  assert.equal(node.ip, '10.0.0.7');
  assert.match(String(parseNode({ id: 'nope' })), /want <type>~<ip>~<pod>\.<namespace>/);
});

test('proto3 JSON: durations as "1s", Struct metadata as plain JSON, the xDS address as given', () => {
  const json = toEnvoyJson(envoyBootstrap(proxy, '127.0.0.1:15099'));
  const node = json.node as Record<string, unknown>;
  assert.deepEqual((node.metadata as Record<string, unknown>).LABELS, {
    app: 'productpage',
    version: 'v1',
  });
  const cluster = (
    (json.static_resources as Record<string, unknown>).clusters as Record<string, unknown>[]
  )[0];
  assert.equal(cluster?.connect_timeout, '1s');
  assert.match(JSON.stringify(cluster), /"port_value":15099/);
});

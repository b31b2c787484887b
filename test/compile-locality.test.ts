// Locality load balancing end to end through registry and compiler: where localities come from
// (istio/istio pilot/pkg/serviceregistry/kube/controller/controller.go getPodLocality: pod label
// `istio-locality`, else the Node's topology.kubernetes.io/region|zone and topology.istio.io/subzone;
// serviceentry/conversion.go: WorkloadEntry / ServiceEntry endpoint `locality`), the client proxy's own
// locality from its pod (pilot/pkg/xds/ads.go setTopologyLabels), and the priorities Istio assigns
// (pilot/pkg/networking/core/loadbalancer/loadbalancer.go).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFrom } from './helpers/compile.js';

const nodes = ['a', 'b', 'c']
  .map(
    (z) => `apiVersion: v1
kind: Node
metadata:
  name: node-${z}
  labels:
    topology.kubernetes.io/region: us-east
    topology.kubernetes.io/zone: zone-${z}
    topology.istio.io/subzone: rack-1`,
  )
  .join('\n---\n');
const pod = (name: string, app: string, node: string, ip: string, extraLabels = '') => `
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: {app: ${app}${extraLabels}}
spec:
  nodeName: ${node}
  containers: [{name: c, image: x, ports: [{containerPort: 80}]}]
status: {podIP: ${ip}}`;
const world = [
  nodes,
  `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80}]`,
  pod('client', 'client', 'node-a', '10.0.0.1'),
  pod('web-a', 'web', 'node-a', '10.0.1.1'),
  pod('web-b', 'web', 'node-b', '10.0.1.2'),
  pod('web-eu', 'web', 'node-a', '10.0.1.3', ', istio-locality: eu-west.zone-1'),
].join('\n---\n');
const CLUSTER = 'outbound|80||web.default.svc.cluster.local';
const withDr = (trafficPolicy: string) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web}
spec:
  host: web
  trafficPolicy:
${trafficPolicy}`;

test('endpoints carry the locality of their Node, or of the istio-locality label, and its topology labels', () => {
  const c = compileFrom([world], 'client').snapshot.clusters.get(CLUSTER)!;
  const byIp = Object.fromEntries(c.endpoints.map((e) => [e.address, e]));
  assert.equal(byIp['10.0.1.1']!.locality, 'us-east/zone-a/rack-1');
  assert.equal(byIp['10.0.1.2']!.locality, 'us-east/zone-b/rack-1');
  assert.equal(byIp['10.0.1.3']!.locality, 'eu-west/zone-1');
  assert.equal(byIp['10.0.1.1']!.labels['topology.kubernetes.io/zone'], 'zone-a');
  assert.equal(byIp['10.0.1.3']!.labels['topology.kubernetes.io/region'], 'eu-west');
  // No outlier detection: Istio assigns no failover priorities.
  assert.ok(c.endpoints.every((e) => (e.priority ?? 0) === 0));
  assert.equal(c.localityWeightedLb, undefined);
});

test('with outlier detection, priorities follow the client pod locality (same zone 0, same region 2, other 3 -> 0/1/2)', () => {
  const dr = withDr('    outlierDetection: {consecutive5xxErrors: 1}');
  const c = compileFrom([world, dr], 'client').snapshot.clusters.get(CLUSTER)!;
  const p = Object.fromEntries(c.endpoints.map((e) => [e.address, e.priority ?? 0]));
  assert.deepEqual(p, { '10.0.1.1': 0, '10.0.1.2': 1, '10.0.1.3': 2 });
  assert.equal(c.localityWeightedLb, undefined);
});

test('distribute weights localities and enables locality-weighted LB', () => {
  const dr = withDr(`    loadBalancer:
      localityLbSetting:
        distribute:
        - from: us-east/zone-a/*
          to: {us-east/zone-a/*: 70, us-east/zone-b/*: 30}`);
  const c = compileFrom([world, dr], 'client').snapshot.clusters.get(CLUSTER)!;
  assert.equal(c.localityWeightedLb, true);
  const w = Object.fromEntries(c.endpoints.map((e) => [e.address, e.localityWeight]));
  assert.deepEqual(w, { '10.0.1.1': 70, '10.0.1.2': 30 });
});

test('WorkloadEntry and ServiceEntry endpoint locality and weight reach the endpoints', () => {
  const se = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext}
spec:
  hosts: [ext.example.com]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints:
  - {address: 10.9.0.1, locality: us-east/zone-a, weight: 3}
  - {address: 10.9.0.2, labels: {istio-locality: us-west.zone-q}}`;
  const c = compileFrom([world, se], 'client').snapshot.clusters.get(
    'outbound|80||ext.example.com',
  )!;
  const byIp = Object.fromEntries(c.endpoints.map((e) => [e.address, e]));
  assert.equal(byIp['10.9.0.1']!.locality, 'us-east/zone-a');
  assert.equal(byIp['10.9.0.1']!.weight, 3);
  assert.equal(byIp['10.9.0.2']!.locality, 'us-west/zone-q');
});

test('VirtualService retryRemoteLocalities reaches the route retry policy (previous_priorities)', () => {
  const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  hosts: [web]
  http:
  - route: [{destination: {host: web}}]
    retries: {attempts: 3, retryOn: 5xx, retryRemoteLocalities: true}`;
  const { snapshot } = compileFrom([world, vs], 'client');
  const table = snapshot.routeTables.get('80')!;
  const vh = table.virtualHosts.find((v) => v.name.startsWith('web.'))!;
  const action = vh.routes[0]!.action;
  assert.equal(action.type, 'forward');
  if (action.type === 'forward') assert.equal(action.retry?.retryRemoteLocalities, true);
});

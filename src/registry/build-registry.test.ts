import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConfigSnapshot, parseResources } from '../config/index.js';
import { buildRegistry } from './build-registry.js';
import { resolveProxy } from './resolve-proxy.js';

function config(text: string) {
  return createConfigSnapshot(parseResources(text, 'r.yaml').resources);
}

const yaml = `
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec:
  selector: { app: web }
  ports:
    - { name: http, port: 80, targetPort: http-web }
    - { name: grpc, port: 9000, targetPort: 9001, appProtocol: grpc }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web-v1, namespace: shop }
spec:
  replicas: 2
  template:
    metadata: { labels: { app: web, version: v1 } }
    spec:
      serviceAccountName: web
      containers: [{ name: w, ports: [{ containerPort: 8080, name: http-web }, { containerPort: 9001 }] }]
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: vm-1, namespace: shop }
spec:
  address: 192.168.1.10
  labels: { app: web, version: vm }
  ports: { http: 8888 }
  weight: 3
  locality: us-east/zone-a
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ext, namespace: shop }
spec:
  hosts: [api.example.com]
  ports: [{ number: 443, name: tls, protocol: TLS }]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: db, namespace: shop }
spec:
  hosts: [db.internal]
  location: MESH_INTERNAL
  ports: [{ number: 5432, name: tcp-pg, protocol: TCP, targetPort: 15432 }]
  resolution: STATIC
  endpoints:
    - { address: 10.0.0.1 }
    - { address: 10.0.0.2, ports: { tcp-pg: 6543 }, labels: { role: replica } }
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: vms, namespace: shop }
spec:
  hosts: [vms.shop.internal]
  location: MESH_INTERNAL
  ports: [{ number: 80, name: http, protocol: HTTP, targetPort: 8000 }]
  resolution: STATIC
  workloadSelector: { labels: { version: vm } }
`;

test('Kubernetes Services: FQDN, protocols, placeholder VIP, endpoints from pods and WorkloadEntries', () => {
  const reg = buildRegistry(config(yaml));
  const web = reg.servicesByHost('web.shop.svc.cluster.local')[0]!;
  assert.deepEqual(
    web.ports.map((p) => [p.port, p.protocol]),
    [
      [80, 'http'],
      [9000, 'grpc'],
    ],
  );
  assert.match(web.addresses[0]!, /^10\.96\./);
  assert.equal(web.resolution, 'CLIENT_SIDE_LB');
  const eps = reg
    .instances(web, 80)
    .map((i) => `${i.endpoint.workload} ${i.endpoint.port} ${i.endpoint.weight}`);
  assert.deepEqual(eps, ['web-v1 8080 1', 'web-v1 8080 1', 'vm-1 8888 3']);
  const grpc = reg.instances(web, 9000).map((i) => i.endpoint.port);
  assert.deepEqual(grpc, [9001, 9001, 9001]);
  const vm = reg.instances(web, 80)[2]!.endpoint;
  assert.equal(vm.address, '192.168.1.10');
  assert.equal(vm.locality, 'us-east/zone-a');
  // Placeholder pod IPs are distinct and stable.
  const pods = reg.workloads.filter((w) => w.kind === 'Pod');
  assert.equal(new Set(pods.map((p) => p.address)).size, 2);
  assert.deepEqual(
    pods.map((p) => p.address),
    buildRegistry(config(yaml))
      .workloads.filter((w) => w.kind === 'Pod')
      .map((p) => p.address),
  );
});

test('ServiceEntries: DNS hosts resolve themselves, endpoints map ports by name, workloadSelector', () => {
  const reg = buildRegistry(config(yaml));
  const ext = reg.servicesByHost('api.example.com')[0]!;
  assert.equal(ext.resolution, 'DNS');
  assert.equal(ext.meshExternal, true);
  assert.deepEqual(
    reg.instances(ext, 443).map((i) => `${i.endpoint.address}:${i.endpoint.port}`),
    ['api.example.com:443'],
  );
  const db = reg.servicesByHost('db.internal')[0]!;
  assert.deepEqual(
    reg.instances(db, 5432).map((i) => `${i.endpoint.address}:${i.endpoint.port}`),
    ['10.0.0.1:15432', '10.0.0.2:6543'],
  );
  const vms = reg.servicesByHost('vms.shop.internal')[0]!;
  assert.deepEqual(
    reg.instances(vms, 80).map((i) => `${i.endpoint.address}:${i.endpoint.port}`),
    ['192.168.1.10:8888'],
  );
  // ^ the WorkloadEntry ports map (by port name) beats the ServiceEntry targetPort.
});

test('local workloads replace config pods and expose their sidecar ports; inbound app ports', () => {
  const reg = buildRegistry(config(yaml), {
    localWorkloads: [
      {
        name: 'web-v1',
        namespace: 'shop',
        labels: { app: 'web', version: 'v1' },
        serviceAccount: 'web',
        address: '127.0.0.1',
        ports: { '80': 41000 },
        appPorts: { '80': 42000 },
      },
    ],
  });
  const web = reg.servicesByHost('web.shop.svc.cluster.local')[0]!;
  assert.deepEqual(
    reg.instances(web, 80).map((i) => `${i.endpoint.address}:${i.endpoint.port}`),
    ['192.168.1.10:8888', '127.0.0.1:41000'],
  );
  // No port mapping for 9000: the local workload does not serve it.
  assert.deepEqual(
    reg.instances(web, 9000).map((i) => i.endpoint.workload),
    ['vm-1'],
  );
  const proxy = resolveProxy(reg, 'web-v1.shop');
  assert.equal(proxy?.id, 'web-v1.shop');
  assert.equal(proxy?.ip, '127.0.0.1');
});

test('resolveProxy: <pod>.<ns>, deployment prefix, and the default ingress gateway', () => {
  const reg = buildRegistry(config(yaml));
  assert.equal(resolveProxy(reg, 'web-v1-1.shop')?.id, 'web-v1-1.shop');
  assert.equal(resolveProxy(reg, 'web-v1')?.id, 'web-v1-0.shop');
  const gw = resolveProxy(reg, 'istio-ingressgateway');
  assert.equal(gw?.kind, 'router');
  assert.deepEqual(gw?.labels, { app: 'istio-ingressgateway', istio: 'ingressgateway' });
  assert.equal(resolveProxy(reg, 'nothing'), undefined);
});

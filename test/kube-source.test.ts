// The control plane's Kubernetes source (src/xds/kube-source.ts) against a fake API server on a real
// socket: EndpointSlice conditions decide the endpoints (istio/istio pilot/pkg/serviceregistry/kube/
// controller/endpointslice.go), Pod labels give subsets, only Secrets a Gateway names are read, the
// `istio` ConfigMap is the mesh config, and the result is served over ADS by the same generator as
// the file source. When the API server goes away the last config stays, with one log line each way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeSource, TYPE, WATCHED, XdsServer } from '../src/xds/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { FakeKubeApi } from './helpers/fake-kube-api.js';
import { repoRoot } from './helpers/shared.js';
import { adsClient, sidecarNode } from './helpers/ads-client.js';

const HOST = 'reviews.default.svc.cluster.local';

async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function pod(name: string, ip: string, version: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'reviews', version } },
    spec: { containers: [{ name: 'reviews', ports: [{ containerPort: 9080 }] }] },
    status: { phase: 'Running', podIP: ip },
  };
}

const ref = (name: string) => ({ kind: 'Pod', namespace: 'default', name });

function slice(endpoints: unknown[]): Record<string, unknown> {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: 'reviews-abcde',
      namespace: 'default',
      labels: { 'kubernetes.io/service-name': 'reviews' },
    },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 9080, protocol: 'TCP' }],
    endpoints,
  };
}

async function fakeCluster(): Promise<FakeKubeApi> {
  const api = new FakeKubeApi();
  for (const r of WATCHED)
    api.serve({
      group: r.group,
      versions: [...r.versions],
      plural: r.plural,
      kind: r.kind,
      namespaced: r.kind !== 'Namespace',
    });
  await api.start();
  api.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  api.put({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'reviews', namespace: 'default' },
    spec: {
      clusterIP: '10.96.0.10',
      selector: { app: 'reviews' },
      ports: [{ name: 'http', port: 9080, targetPort: 9080 }],
    },
  });
  api.put(pod('reviews-v1-0', '10.0.0.1', 'v1'));
  api.put(pod('reviews-v2-0', '10.0.0.2', 'v2'));
  api.put(pod('reviews-v3-0', '10.0.0.3', 'v3'));
  api.put(pod('reviews-v3-1', '10.0.0.4', 'v3'));
  api.put(
    slice([
      { addresses: ['10.0.0.1'], conditions: { ready: true }, targetRef: ref('reviews-v1-0') },
      { addresses: ['10.0.0.2'], conditions: {}, targetRef: ref('reviews-v2-0') },
      // Terminating (not ready, still serving): left out, as istiod leaves it out.
      {
        addresses: ['10.0.0.3'],
        conditions: { ready: false, serving: true, terminating: true },
        targetRef: ref('reviews-v3-0'),
      },
      // Not ready and not terminating: unhealthy, not sent.
      {
        addresses: ['10.0.0.4'],
        conditions: { ready: false, serving: false, terminating: false },
        targetRef: ref('reviews-v3-1'),
      },
      // Ready, but its Pod has not reached the informer: waits for it.
      { addresses: ['10.0.0.5'], conditions: { ready: true }, targetRef: ref('reviews-v4-0') },
    ]),
  );
  api.put({
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'reviews', namespace: 'default' },
    spec: {
      host: HOST,
      subsets: [
        { name: 'v1', labels: { version: 'v1' } },
        { name: 'v2', labels: { version: 'v2' } },
      ],
    },
  });
  api.put({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name: 'gw', namespace: 'istio-system' },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [
        {
          port: { number: 443, name: 'https', protocol: 'HTTPS' },
          hosts: ['*'],
          tls: { mode: 'SIMPLE', credentialName: 'gw-cert' },
        },
      ],
    },
  });
  for (const name of ['gw-cert', 'unrelated'])
    api.put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: 'istio-system' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': '', 'tls.key': '' },
    });
  api.put({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'istio', namespace: 'istio-system' },
    data: { mesh: 'trustDomain: example.org\n' },
  });
  return api;
}

const addresses = (source: KubeSource, port = 9080) => {
  const state = source.current()!;
  const svc = state.registry.servicesByHost(HOST)[0]!;
  return state.registry
    .instances(svc, port)
    .map((i) => `${i.endpoint.address}:${i.endpoint.port}:${i.endpoint.labels.version ?? ''}`)
    .sort();
};

test('endpoints come from EndpointSlices as istiod reads them; Secrets by credentialName; mesh config', async () => {
  const api = await fakeCluster();
  const source = new KubeSource({ kubeconfig: api.kubeconfig() });
  try {
    const state = await source.start();
    assert.deepEqual(addresses(source), ['10.0.0.1:9080:v1', '10.0.0.2:9080:v2']);
    const secrets = state.config.byKind('Secret').map((s) => s.metadata.name);
    assert.deepEqual(secrets, ['gw-cert']);
    assert.equal(state.config.meshConfig.trustDomain, 'example.org');
    // The missing Pod arrives: its endpoint joins; a slice change is followed.
    api.put(pod('reviews-v4-0', '10.0.0.5', 'v4'));
    await until('pod v4 joins', () => addresses(source).includes('10.0.0.5:9080:v4'));
    api.put(
      slice([
        { addresses: ['10.0.0.2'], conditions: { ready: true }, targetRef: ref('reviews-v2-0') },
      ]),
    );
    await until('slice shrinks', () => addresses(source).join() === '10.0.0.2:9080:v2');
    // A persistent-session Service keeps its draining (terminating, still serving) endpoint, as
    // DRAINING (istio/istio endpoint_builder.go); the unlabelled Service above dropped it.
    api.put({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'reviews',
        namespace: 'default',
        labels: { 'istio.io/persistent-session': 'sticky' },
      },
      spec: {
        clusterIP: '10.96.0.10',
        selector: { app: 'reviews' },
        ports: [{ name: 'http', port: 9080, targetPort: 9080 }],
      },
    });
    api.put(
      slice([
        { addresses: ['10.0.0.2'], conditions: { ready: true }, targetRef: ref('reviews-v2-0') },
        {
          addresses: ['10.0.0.3'],
          conditions: { ready: false, serving: true, terminating: true },
          targetRef: ref('reviews-v3-0'),
        },
      ]),
    );
    await until('draining endpoint kept', () => addresses(source).length === 2);
    const now = source.current()!;
    const svc = now.registry.servicesByHost(HOST)[0]!;
    const health = now.registry
      .instances(svc, 9080)
      .map((i) => `${i.endpoint.address}:${i.endpoint.health ?? 'HEALTHY'}`)
      .sort();
    assert.deepEqual(health, ['10.0.0.2:HEALTHY', '10.0.0.3:DRAINING']);
  } finally {
    source.stop();
    await api.stop();
  }
});

test('a VirtualService edit keeps the registry object (clusters are not rebuilt); an EndpointSlice or Pod change replaces it', async () => {
  const api = await fakeCluster();
  const source = new KubeSource({ kubeconfig: api.kubeconfig() });
  try {
    const first = (await source.start()).registry;
    api.put({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'reviews', namespace: 'default' },
      spec: { hosts: [HOST], http: [{ route: [{ destination: { host: HOST, subset: 'v2' } }] }] },
    });
    await until('the VirtualService arrives', () =>
      source
        .current()!
        .config.byKind('VirtualService')
        .some((v) => v.metadata.name === 'reviews'),
    );
    assert.equal(source.current()!.registry, first);
    api.put(
      slice([
        { addresses: ['10.0.0.2'], conditions: { ready: true }, targetRef: ref('reviews-v2-0') },
      ]),
    );
    await until('slice shrinks', () => addresses(source).join() === '10.0.0.2:9080:v2');
    assert.notEqual(source.current()!.registry, first);
    const second = source.current()!.registry;
    api.put(pod('reviews-v4-0', '10.0.0.5', 'v4'));
    await until('a new registry for the Pod', () => source.current()!.registry !== second);
  } finally {
    source.stop();
    await api.stop();
  }
});

test('served over ADS by the same generator; the API server away -> last config kept, one line each way', async () => {
  const api = await fakeCluster();
  const logs: string[] = [];
  const source = new KubeSource({
    kubeconfig: api.kubeconfig(),
    backoff: { initialMs: 20, maxMs: 200 },
    log: (l) => logs.push(l),
  });
  const server = new XdsServer({ port: 0, debounceMs: 10 });
  const c = { current: undefined as ReturnType<typeof adsClient> | undefined };
  try {
    server.setState(await source.start());
    source.onUpdate((s) => server.update(s));
    const port = await server.start();
    c.current = adsClient(port);
    const eds = async () => {
      c.current!.send({
        node: sidecarNode('productpage-v1-0', 'default'),
        type_url: TYPE.endpoint,
        resource_names: [`outbound|9080|v1|${HOST}`],
      });
      const r = await c.current!.next(TYPE.endpoint);
      const groups = r.resources[0]?.endpoints as {
        lb_endpoints: { endpoint: { address: { socket_address: { address: string } } } }[];
      }[];
      return groups.flatMap((g) =>
        g.lb_endpoints.map((e) => e.endpoint.address.socket_address.address),
      );
    };
    assert.deepEqual(await eds(), ['10.0.0.1']);
    const kubePort = api.port;
    await api.stop();
    await until('lost', () => logs.some((l) => l.startsWith('kube: lost ')));
    // Still served while the API server is away.
    assert.deepEqual(addresses(source), ['10.0.0.1:9080:v1', '10.0.0.2:9080:v2']);
    api.put(pod('reviews-v1-1', '10.0.0.9', 'v1'));
    api.put(
      slice([
        { addresses: ['10.0.0.1'], conditions: { ready: true }, targetRef: ref('reviews-v1-0') },
        { addresses: ['10.0.0.9'], conditions: { ready: true }, targetRef: ref('reviews-v1-1') },
      ]),
    );
    await api.start(kubePort);
    await until('reconnected', () => logs.some((l) => l.startsWith('kube: reconnected')));
    await until('new endpoint', () => addresses(source).includes('10.0.0.9:9080:v1'));
    const r = await c.current.next(TYPE.endpoint);
    const pushed = (
      r.resources[0]?.endpoints as {
        lb_endpoints: { endpoint: { address: { socket_address: { address: string } } } }[];
      }[]
    ).flatMap((g) => g.lb_endpoints.map((e) => e.endpoint.address.socket_address.address));
    assert.deepEqual(pushed.sort(), ['10.0.0.1', '10.0.0.9']);
    // One line when it went away and one when it came back, however many informers noticed.
    assert.equal(logs.filter((l) => l.startsWith('kube: lost ')).length, 1, logs.join('\n'));
    assert.equal(logs.filter((l) => l.startsWith('kube: reconnected')).length, 1, logs.join('\n'));
  } finally {
    c.current?.close();
    source.stop();
    await server.stop();
    await api.stop();
  }
});

test('the ClusterRole in docs/control-plane-kubernetes.md grants list and watch on every resource read', () => {
  const text = readFileSync(join(repoRoot, 'docs', 'control-plane-kubernetes.md'), 'utf8');
  const block = /```yaml\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
  const role = parseAllDocuments(block)
    .map(
      (d) =>
        d.toJS() as {
          kind?: string;
          rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
        },
    )
    .find((d) => d.kind === 'ClusterRole');
  const granted = new Set(
    (role?.rules ?? []).flatMap((r) =>
      r.apiGroups.flatMap((g) =>
        r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}/${v}`)),
      ),
    ),
  );
  const missing = WATCHED.flatMap((r) =>
    ['list', 'watch'].map((v) => `${r.group}/${r.plural}/${v}`),
  ).filter((k) => !granted.has(k));
  assert.deepEqual(missing, []);
});

test("a Pod's locality comes from its Node's topology labels; the Node's status updates change nothing", async () => {
  const api = await fakeCluster();
  // node-a in us-east1-b, its status as the kubelet's heartbeat last wrote it.
  const node = (heartbeat: string) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: 'node-a',
      labels: {
        'topology.kubernetes.io/region': 'us-east1',
        'topology.kubernetes.io/zone': 'us-east1-b',
      },
    },
    status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: heartbeat }] },
  });
  api.put(node('t0'));
  const v1 = pod('reviews-v1-0', '10.0.0.1', 'v1');
  api.put({ ...v1, spec: { ...(v1.spec as object), nodeName: 'node-a' } });
  const source = new KubeSource({ kubeconfig: api.kubeconfig() });
  try {
    await source.start();
    const locality = () => {
      const state = source.current()!;
      const svc = state.registry.servicesByHost(HOST)[0]!;
      return state.registry.instances(svc, 9080).find((i) => i.endpoint.address === '10.0.0.1')
        ?.endpoint.locality;
    };
    await until('the node locality', () => locality() === 'us-east1/us-east1-b/');
    const registry = source.current()!.registry;
    const revision = source.current()!.config.revision;
    // A heartbeat (status only) is read (a new config revision) but keeps the registry.
    api.put(node('t1'));
    await until('the heartbeat read', () => source.current()!.config.revision > revision);
    assert.equal(source.current()!.registry, registry);
    // A label change reaches the endpoint.
    api.put({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-a', labels: { 'topology.kubernetes.io/region': 'eu-west1' } },
    });
    await until('the new region', () => locality() === 'eu-west1//');
    assert.notEqual(source.current()!.registry, registry);
  } finally {
    source.stop();
    await api.stop();
  }
});

// SDS for the local mesh CA (issue #14 item 1): a sidecar whose clusters name the secrets `default`
// and `ROOTCA` through sds_config (istio/istio pilot/pkg/model/authentication.go) asks for them, over
// ADS or over SDS's own StreamSecrets, and gets a workload certificate for its SPIFFE identity signed
// by the mesh root plus its private key (istio/istio security/pkg/nodeagent/sds/sdsservice.go
// toEnvoySecret). The key is on the stream only: the generator's output and config dumps lack it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { compileProxy } from '../src/compile/index.js';
import { createMeshCa, meshCaSecrets } from '../src/mesh/mesh-ca.js';
import { proxyNames, resolveProxy } from '../src/registry/index.js';
import { envoyConfigDump } from '../src/xds/config-dump.js';
import {
  generateResources,
  meshFromFiles,
  SECRET_TYPE,
  TYPE,
  XdsServer,
  type ProtoObject,
} from '../src/xds/index.js';
import { adsClient, sidecarNode, type AdsClient } from './helpers/ads-client.js';
import { repoRoot } from './helpers/shared.js';

const BOOKINFO = join(repoRoot, 'test/fixtures/compile/bookinfo.yaml');

function pem(dataSource: unknown): string {
  const b64 = (dataSource as { inline_bytes?: string } | undefined)?.inline_bytes;
  assert.ok(b64, JSON.stringify(dataSource));
  return Buffer.from(b64, 'base64').toString('utf8');
}

async function secrets(c: AdsClient, node?: ProtoObject): Promise<Map<string, ProtoObject>> {
  c.send({
    ...(node ? { node } : {}),
    type_url: SECRET_TYPE,
    resource_names: ['default', 'ROOTCA'],
  });
  const r = await c.next(SECRET_TYPE);
  c.send({
    type_url: SECRET_TYPE,
    resource_names: ['default', 'ROOTCA'],
    version_info: r.version_info,
    response_nonce: r.nonce,
  });
  return new Map(r.resources.map((x) => [String(x.name), x]));
}

test('SDS serves default (workload cert + key) and ROOTCA from the mesh CA; dumps never hold the key', async () => {
  const { state } = meshFromFiles([BOOKINFO]);
  assert.ok(state);
  const ca = createMeshCa();
  const server = new XdsServer({ port: 0, debounceMs: 0, secrets: meshCaSecrets(ca) });
  server.setState(state);
  const port = await server.start();
  const name = proxyNames(state.registry).find((n) => n.startsWith('productpage'))!;
  const pod = name.split('.')[0]!;
  const ads = adsClient(port);
  const sds = adsClient(
    port,
    false,
    '/envoy.service.secret.v3.SecretDiscoveryService/StreamSecrets',
  );
  const grpcClient = adsClient(port);
  try {
    // Its clusters name the secrets by SDS name (auto mTLS: the tlsMode-istio transport socket).
    ads.send({ node: sidecarNode(pod, 'default'), type_url: TYPE.cluster });
    const cds = await ads.next(TYPE.cluster);
    const reviews = cds.resources.find(
      (r) => r.name === 'outbound|9080||reviews.default.svc.cluster.local',
    );
    const match = (reviews?.transport_socket_matches as ProtoObject[] | undefined)?.find(
      (m) => m.name === 'tlsMode-istio',
    );
    const ctx = ((match?.transport_socket as ProtoObject).typed_config as ProtoObject)
      .common_tls_context as ProtoObject;
    assert.deepEqual(
      (ctx.tls_certificate_sds_secret_configs as ProtoObject[]).map((x) => x.name),
      ['default'],
    );
    assert.equal(
      (
        (ctx.combined_validation_context as ProtoObject)
          .validation_context_sds_secret_config as ProtoObject
      ).name,
      'ROOTCA',
    );
    ads.send({ type_url: TYPE.cluster, version_info: cds.version_info, response_nonce: cds.nonce });

    // Over ADS: the workload certificate for its SPIFFE identity, its key, and the root that signed it.
    const got = await secrets(ads);
    assert.deepEqual([...got.keys()].sort(), ['ROOTCA', 'default']);
    const tlsCert = got.get('default')!.tls_certificate as ProtoObject;
    const cert = new X509Certificate(pem(tlsCert.certificate_chain));
    const keyPem = pem(tlsCert.private_key);
    const root = new X509Certificate(
      pem((got.get('ROOTCA')!.validation_context as ProtoObject).trusted_ca),
    );
    assert.match(
      cert.subjectAltName ?? '',
      /URI:spiffe:\/\/cluster\.local\/ns\/default\/sa\/bookinfo-productpage/,
    );
    assert.ok(cert.verify(root.publicKey), 'signed by the mesh root');
    assert.ok(cert.checkPrivateKey(createPrivateKey(keyPem)), 'the key belongs to the certificate');
    assert.equal(root.fingerprint256, new X509Certificate(ca.rootCert).fingerprint256);

    // Over SDS's own service (Envoy's sds-grpc cluster): the same root.
    const viaSds = await secrets(sds, sidecarNode(`${pod}-sds`, 'default'));
    const sdsRoot = pem((viaSds.get('ROOTCA')!.validation_context as ProtoObject).trusted_ca);
    assert.equal(new X509Certificate(sdsRoot).fingerprint256, root.fingerprint256);

    // A proxyless gRPC client's config names no SDS secret: none is served.
    const grpcNode = {
      ...sidecarNode('echo-client-0', 'default'),
      metadata: { fields: { GENERATOR: { stringValue: 'grpc' } } },
    };
    assert.equal((await secrets(grpcClient, grpcNode)).size, 0);

    // The generator's output and Envoy's config dump never carry the private key.
    const snapshot = compileProxy(
      state.config,
      state.registry,
      resolveProxy(state.registry, name)!,
    );
    const keyBody = keyPem.split('\n')[1]!;
    const generated = JSON.stringify(
      [...generateResources(snapshot)].map(([t, m]) => [t, [...m.values()]]),
    );
    const dump = JSON.stringify(envoyConfigDump(snapshot));
    for (const text of [generated, dump]) {
      assert.ok(!text.includes('PRIVATE KEY'));
      assert.ok(!text.includes(keyBody));
      assert.ok(!text.includes(Buffer.from(keyPem).toString('base64').slice(0, 40)));
    }
  } finally {
    ads.close();
    sds.close();
    grpcClient.close();
    await server.stop();
  }
});

test('a rotated workload certificate is pushed over SDS at its rotation time, on the same stream', async () => {
  const { state } = meshFromFiles([BOOKINFO]);
  assert.ok(state);
  // A 3 s certificate: the CA hands out a new one once half of it has passed (secretcache.go).
  const ca = createMeshCa({ workloadTtlMs: 3000 });
  const server = new XdsServer({ port: 0, debounceMs: 0, secrets: meshCaSecrets(ca) });
  server.setState(state);
  const port = await server.start();
  const pod = proxyNames(state.registry)
    .find((n) => n.startsWith('productpage'))!
    .split('.')[0]!;
  const ads = adsClient(port);
  try {
    const first = await secrets(ads, sidecarNode(pod, 'default'));
    const serial = (s: Map<string, ProtoObject>) =>
      new X509Certificate(pem((s.get('default')!.tls_certificate as ProtoObject).certificate_chain))
        .serialNumber;
    // No request from the client: the server pushes the new certificate by itself.
    const pushed = await ads.next(SECRET_TYPE);
    const second = new Map(pushed.resources.map((x) => [String(x.name), x]));
    assert.notEqual(serial(second), serial(first));
    const cert = new X509Certificate(
      pem((second.get('default')!.tls_certificate as ProtoObject).certificate_chain),
    );
    assert.ok(cert.verify(new X509Certificate(ca.rootCert).publicKey), 'signed by the same root');
  } finally {
    ads.close();
    await server.stop();
  }
});

// Certificate/key file paths in config under `switchyard up`: Istio's agent reads any path it is given
// (pkg/security/security.go file-cert:/file-root: SDS names); Switchyard reads only under the allowed
// roots (-f directories, ./certs, $SWITCHYARD_HOME, --cert-root), and dumps show a certificate file's
// name and `[redacted]` for private keys, as Envoy's /config_dump does — never the contents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPki } from './helpers/certs.js';
import { get, startMesh } from './helpers/mesh.js';

test('caCertificates: /etc/passwd is refused by path and reason; the cluster is left out (503 NC); dumps hold no key or file contents', async () => {
  const pki = createPki();
  const pem = pki.issue(['files.example.com']);
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-cert-files-'));
  const file = join(dir, 'mesh.yaml');
  writeFileSync(
    file,
    `apiVersion: switchyard.io/v1alpha1
kind: Workload
metadata: {name: httpbin, namespace: default}
spec:
  builtin: httpbin
  ports: [{containerPort: 8000}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: default}
spec:
  hosts: [api.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: 127.0.0.1}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api, namespace: default}
spec:
  host: api.example.com
  trafficPolicy:
    tls: {mode: SIMPLE, caCertificates: /etc/passwd}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: files, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
    - port: {number: 443, name: https, protocol: HTTPS}
      hosts: [files.example.com]
      tls: {mode: SIMPLE, serverCertificate: ${pem.certFile}, privateKey: ${pem.keyFile}}
`,
  );
  // The PKI lives in its own temp dir: allowed only through --cert-root.
  const mesh = await startMesh(['-f', file, '--no-watch', '--cert-root', pki.dir], 443);
  try {
    const out = mesh.output();
    assert.match(
      out,
      /caCertificates \/etc\/passwd: not under an allowed certificate root .*; cluster left out/,
    );
    assert.doesNotMatch(out, /root:x:0/);

    const sidecarDump = (await get(`${mesh.admin}/config_dump?proxy=httpbin`)).body;
    assert.doesNotMatch(sidecarDump, /root:x:0/);
    // Envoy's ConfigDump: the clusters are ClustersConfigDump.dynamic_active_clusters[].cluster.
    const configs = (
      JSON.parse(sidecarDump) as {
        configs: { '@type': string; dynamic_active_clusters?: { cluster: { name: string } }[] }[];
      }
    ).configs;
    const clusters = (
      configs.find((c) => c['@type'].endsWith('ClustersConfigDump'))?.dynamic_active_clusters ?? []
    ).map((c) => c.cluster.name);
    assert.ok(!clusters.includes('outbound|80||api.example.com'), 'the cluster is absent');
    assert.ok(clusters.includes('PassthroughCluster'));

    // Envoy redacts every string under a sensitive field (utility.cc MessageUtil::redact): the key's
    // file name too; the certificate chain is not sensitive and shows its file, by name.
    const gwDump = (await get(`${mesh.admin}/config_dump?proxy=istio-ingressgateway`)).body;
    assert.match(gwDump, /"private_key": \{\s*"filename": "\[redacted\]"\s*\}/);
    assert.ok(gwDump.includes(`"filename": ${JSON.stringify(pem.certFile)}`), 'the file, by name');
    assert.doesNotMatch(gwDump, /-----BEGIN/, 'no PEM in the dump');
    // The SDS secrets the gateway holds: its workload key is redacted bytes.
    assert.ok(gwDump.includes('"inline_bytes": "W3JlZGFjdGVkXQ=="'), 'the workload key, redacted');
    // `proxy-config secret`: istioctl's table of the SDS secrets, and its JSON (SecretsConfigDump).
    const secretTable = (await get(`${mesh.admin}/proxy-config/secret?proxy=httpbin`)).body;
    assert.match(secretTable, /^RESOURCE NAME +TYPE +STATUS +VALID CERT +SERIAL NUMBER/);
    assert.match(secretTable, /\ndefault +Cert Chain +ACTIVE +true +[0-9a-f]{32} /);
    assert.match(secretTable, /\nROOTCA +CA +ACTIVE +true +[0-9a-f]{32} /);
    const secretJson = JSON.parse(
      (await get(`${mesh.admin}/proxy-config/secret?proxy=httpbin&output=json`)).body,
    ) as { dynamicActiveSecrets: { name: string; secret: Record<string, unknown> }[] };
    assert.deepEqual(
      secretJson.dynamicActiveSecrets.map((x) => x.name),
      ['default', 'ROOTCA'],
    );
    assert.doesNotMatch(
      JSON.stringify(secretJson),
      /PRIVATE KEY|LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVk/,
    );

    // Envoy's never-warmed cluster is not there for requests: 503 with response flag NC.
    const proxies = JSON.parse((await get(`${mesh.admin}/proxies`)).body) as {
      items: { name: string; outbound?: string }[];
    };
    const outbound = proxies.items.find((p) => p.name.startsWith('httpbin-'))?.outbound;
    assert.ok(outbound);
    const r = await get(`http://${outbound}/get`, { host: 'api.example.com' });
    assert.equal(r.status, 503);
    const logs = (await get(`${mesh.admin}/logs?proxy=httpbin`)).body;
    assert.match(logs, / NC /);
  } finally {
    await mesh.stop();
  }
});

// Each analyzer over our own fixtures (test/fixtures/analyze): the exact (code, kind, ns/name) it
// reports, so every check is covered without ../shared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createConfigSnapshot, loadResources, parseMeshConfig } from '../src/config/index.js';
import { analyze, withDefaultResources, type AnalysisMessage } from '../src/analyze/index.js';
import { fixture } from './helpers/shared.js';

function run(file: string, analyzers: string[], meshFile?: string): AnalysisMessage[] {
  const loaded = loadResources([fixture('analyze', file)]);
  assert.deepEqual(
    loaded.diagnostics.filter((d) => d.level === 'Error'),
    [],
    `${file} loads without errors`,
  );
  const mesh = meshFile
    ? parseMeshConfig(readFileSync(fixture('analyze', meshFile), 'utf8'))
    : undefined;
  const snapshot = createConfigSnapshot(withDefaultResources(loaded.resources), mesh);
  return analyze(snapshot, { analyzers, now: new Date('2026-01-01T00:00:00Z') });
}

const keys = (ms: readonly AnalysisMessage[]): string[] =>
  ms
    .map((m) => `${m.code} ${m.resource?.kind} ${m.resource?.namespace}/${m.resource?.name}`)
    .sort();

interface Case {
  name: string;
  file: string;
  analyzers: string[];
  mesh?: string;
  want: string[];
  /** Rendered texts that must appear. */
  texts?: string[];
}

const CASES: Case[] = [
  {
    name: 'destination hosts and ports',
    file: 'destination-host.yaml',
    analyzers: ['virtualservice.DestinationHostAnalyzer'],
    want: [
      'IST0101 VirtualService shop/bogus-host',
      'IST0101 VirtualService shop/bogus-mirror',
      'IST0101 VirtualService shop/bogus-port',
      'IST0112 VirtualService shop/needs-port',
    ],
    texts: [
      'Referenced host not found: "reviews-typo"',
      'Referenced mirror host not found: "shadow"',
      'Referenced host:port not found: "reviews:8080"',
      'This VirtualService routes to a service "twoport" that exposes multiple ports [80 443]. Specifying a port in the destination is required to disambiguate.',
    ],
  },
  {
    name: 'subset that no DestinationRule defines',
    file: 'subset-missing.yaml',
    analyzers: ['virtualservice.DestinationRuleAnalyzer'],
    want: ['IST0101 VirtualService shop/reviews'],
    texts: ['Referenced host+subset in destinationrule not found: "reviews+v2"'],
  },
  {
    name: 'VirtualService bound to a Gateway that does not serve its hosts',
    file: 'gateway-host-mismatch.yaml',
    analyzers: ['virtualservice.GatewayAnalyzer'],
    want: [
      'IST0101 VirtualService shop/admin',
      'IST0132 VirtualService shop/admin',
      'IST0132 VirtualService shop/api',
    ],
    texts: [
      'one or more host [api.example.com] defined in VirtualService shop/api not found in Gateway shop/public.',
      'Referenced gateway not found: "shop/private"',
    ],
  },
  {
    name: 'weights not adding up to 100',
    file: 'weights.yaml',
    analyzers: ['switchyard.WeightAnalyzer'],
    want: ['SY0001 VirtualService shop/canary'],
    texts: [
      'The route weights of VirtualService rule http[0] "split" add up to 90, not 100; Istio scales them proportionally, so traffic will not split as written.',
    ],
  },
  {
    name: 'VirtualService matching a Gateway host but bound to no gateway',
    file: 'gateway-binding.yaml',
    analyzers: ['switchyard.GatewayBindingAnalyzer'],
    want: ['SY0002 VirtualService shop/storefront'],
  },
  {
    name: 'retries without outlier detection',
    file: 'retries.yaml',
    analyzers: ['switchyard.RetryAnalyzer'],
    want: ['SY0003 VirtualService shop/ratings'],
  },
  {
    name: 'route timeout shorter than its retries',
    file: 'retry-timeout.yaml',
    analyzers: ['switchyard.RetryTimeoutAnalyzer'],
    want: ['SY0004 VirtualService shop/ratings'],
    texts: [
      'VirtualService rule http[0] "too-short" has timeout 5s, shorter than attempts x perTryTimeout (3 x 2s = 6s); the route times out before its retries can run.',
    ],
  },
  {
    name: 'external host under REGISTRY_ONLY without a ServiceEntry',
    file: 'registry-only.yaml',
    mesh: 'registry-only-mesh.yaml',
    analyzers: ['switchyard.RegistryOnlyAnalyzer'],
    want: ['SY0005 VirtualService shop/egress'],
    texts: [
      'Host "api.weather.example" is not in the service registry and the outbound traffic policy is REGISTRY_ONLY; requests to it fail (502) until a ServiceEntry defines it.',
    ],
  },
  {
    name: 'external host under the default ALLOW_ANY is fine',
    file: 'registry-only.yaml',
    analyzers: ['switchyard.RegistryOnlyAnalyzer'],
    want: [],
  },
  {
    name: 'DestinationRule port the Service does not expose',
    file: 'destination-rule-port.yaml',
    analyzers: ['switchyard.DestinationRulePortAnalyzer'],
    want: ['SY0006 DestinationRule shop/reviews'],
    texts: [
      'DestinationRule portLevelSettings port 8080 is not exposed by host reviews (ports [9080]); the settings have no effect.',
    ],
  },
  {
    name: 'conflicting mesh VirtualService hosts',
    file: 'mesh-hosts.yaml',
    analyzers: ['virtualservice.ConflictingMeshGatewayHostsAnalyzer'],
    want: ['IST0109 VirtualService shop/reviews-a', 'IST0109 VirtualService shop/reviews-b'],
  },
  {
    name: 'sidecar selectors',
    file: 'sidecars.yaml',
    analyzers: ['sidecar.SelectorAnalyzer'],
    want: [
      'IST0101 Sidecar shop/nothing',
      'IST0110 Sidecar shop/by-app',
      'IST0110 Sidecar shop/by-version',
      'IST0111 Sidecar team/default-1',
      'IST0111 Sidecar team/default-2',
    ],
    texts: [
      'The Sidecars [by-app by-version] in namespace "shop" select the same workload pod "reviews-1", which can lead to undefined behavior.',
      'Referenced selector not found: "app=nothing"',
    ],
  },
  {
    name: 'gateway ports and selector',
    file: 'gateway-ports.yaml',
    analyzers: ['gateway.IngressGatewayPortAnalyzer'],
    want: ['IST0101 Gateway shop/typo', 'IST0162 Gateway shop/public'],
    texts: [
      'The gateway is listening on a target port (port 9999) that is not defined in the Service associated with its workload instances (Pod selector istio=ingressgateway). If you need to access the gateway port through the gateway Service, it will not be available.',
    ],
  },
  {
    name: 'gateway credentials',
    file: 'gateway-secrets.yaml',
    analyzers: ['gateway.SecretAnalyzer'],
    want: ['IST0101 Gateway shop/wrong-namespace', 'IST0161 Gateway shop/broken'],
    texts: ['Referenced credentialName not found: "shop-cert"'],
  },
  {
    name: 'conflicting gateways',
    file: 'conflicting-gateways.yaml',
    analyzers: ['gateway.ConflictingGatewayAnalyzer'],
    want: ['IST0145 Gateway istio-system/team-a', 'IST0145 Gateway istio-system/team-b'],
  },
  {
    name: 'duplicate gateway certificates',
    file: 'conflicting-gateways.yaml',
    analyzers: ['gateway.CertificateAnalyzer'],
    want: ['IST0138 Gateway istio-system/team-a', 'IST0138 Gateway istio-system/team-b'],
    texts: [
      'Duplicate certificate in multiple gateways [istio-system/team-a istio-system/team-b] may cause 404s if clients re-use HTTP2 connections.',
    ],
  },
  {
    name: 'client TLS without CA certificates',
    file: 'ca-certificates.yaml',
    analyzers: ['destinationrule.CaCertificateAnalyzer'],
    want: ['IST0128 DestinationRule shop/db', 'IST0129 DestinationRule shop/db'],
    texts: [
      'DestinationRule db in namespace shop has TLS mode set to MUTUAL but no caCertificates are set to validate server identity for host: db.example.com at port number:5432',
    ],
  },
  {
    name: 'subsets selecting no workload, unknown DestinationRule host',
    file: 'subsets.yaml',
    analyzers: ['destinationrule.SubsetSelectPodAnalyzer'],
    want: ['IST0173 DestinationRule shop/reviews', 'IST0174 DestinationRule shop/ghost'],
  },
  {
    name: 'ServiceEntry addresses',
    file: 'service-entries.yaml',
    analyzers: ['serviceentry.Analyzer'],
    want: ['IST0134 ServiceEntry shop/db'],
  },
  {
    name: 'ServiceEntry protocol conflicts',
    file: 'service-entries.yaml',
    analyzers: ['serviceentry.ConflictingServiceEntryProtocolAnalyzer'],
    want: ['IST0177 ServiceEntry shop/api-grpc', 'IST0177 ServiceEntry shop/api-http'],
    texts: [
      'Multiple ServiceEntries (shop/api-grpc, shop/api-http) define the same host "api.example.com" and port 8080 with conflicting protocols (GRPC, HTTP).',
    ],
  },
  {
    name: 'service port names',
    file: 'service-ports.yaml',
    analyzers: ['service.PortNameAnalyzer'],
    want: ['IST0118 Service shop/web', 'IST0150 Service shop/legacy'],
    texts: [
      "Port name metrics (port: 9090, targetPort: 9090) doesn't follow the naming convention of Istio port.",
    ],
  },
  {
    name: 'deprecated fields',
    file: 'misc-virtual-services.yaml',
    analyzers: ['deprecation.DeprecationAnalyzer'],
    want: ['IST0002 VirtualService shop/reviews'],
  },
  {
    name: 'JWT claim routing without RequestAuthentication',
    file: 'misc-virtual-services.yaml',
    analyzers: ['virtualservice.JWTClaimRouteAnalyzer'],
    want: ['IST0149 VirtualService shop/ingress'],
  },
  {
    name: 'internal gateway reference',
    file: 'misc-virtual-services.yaml',
    analyzers: ['virtualservice.GatewayAnalyzer'],
    want: ['IST0165 VirtualService shop/ingress'],
  },
  {
    name: 'subset routing bypassed by ingress',
    file: 'misc-virtual-services.yaml',
    analyzers: ['virtualservice.DestinationHostAnalyzer'],
    want: [
      'IST0101 VirtualService shop/ingress',
      'IST0101 VirtualService shop/reviews',
      'IST0140 VirtualService shop/ingress',
    ],
    texts: [
      'Subset in virtual service shop/reviews has no effect on ingress gateway shop/ingress requests',
    ],
  },
];

for (const c of CASES) {
  test(`analyze: ${c.name}`, () => {
    const got = run(c.file, c.analyzers, c.mesh);
    assert.deepEqual(keys(got), [...c.want].sort());
    for (const t of c.texts ?? [])
      assert.ok(
        got.some((m) => m.message === t),
        `expected text ${JSON.stringify(t)}; got ${JSON.stringify(got.map((m) => m.message))}`,
      );
    for (const m of got) {
      assert.ok(m.position, `${m.code} carries a file:line`);
      assert.ok(m.position.line > 0);
    }
  });
}

test('analyze: a clean application reports nothing at Warning or above (all analyzers)', () => {
  const got = run('clean-app.yaml', []).filter((m) => m.level !== 'Info');
  assert.deepEqual(
    got.map((m) => `${m.code} ${m.message}`),
    [],
  );
});

test('analyze: messages point at the offending field', () => {
  const [m] = run('subset-missing.yaml', ['virtualservice.DestinationRuleAnalyzer']);
  assert.ok(m?.position);
  const lines = readFileSync(fixture('analyze', 'subset-missing.yaml'), 'utf8').split('\n');
  assert.match(lines[m.position.line - 1] ?? '', /subset: v2/);
});

// Random mutations of valid resources never crash the loader or the validator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseResources, validateResources } from '../src/config/index.js';

const BASE: Record<string, unknown>[] = [
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'reviews' },
    spec: {
      hosts: ['reviews'],
      gateways: ['mesh'],
      http: [
        {
          name: 'r',
          match: [{ uri: { prefix: '/a' }, headers: { 'end-user': { exact: 'jason' } }, port: 80 }],
          route: [
            { destination: { host: 'reviews', subset: 'v2' }, weight: 50 },
            { destination: { host: 'reviews', subset: 'v1' }, weight: 50 },
          ],
          retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx' },
          timeout: '10s',
          fault: { delay: { fixedDelay: '1s', percentage: { value: 10 } } },
        },
      ],
      tcp: [{ match: [{ port: 3306 }], route: [{ destination: { host: 'db' } }] }],
    },
  },
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'reviews' },
    spec: {
      host: 'reviews',
      trafficPolicy: {
        connectionPool: {
          tcp: { maxConnections: 1, connectTimeout: '30ms' },
          http: { http1MaxPendingRequests: 1 },
        },
        outlierDetection: {
          consecutive5xxErrors: 1,
          interval: '1s',
          baseEjectionTime: '3m',
          maxEjectionPercent: 100,
        },
        loadBalancer: { simple: 'ROUND_ROBIN' },
        tls: { mode: 'ISTIO_MUTUAL' },
      },
      subsets: [{ name: 'v1', labels: { version: 'v1' } }],
    },
  },
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name: 'gw' },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [
        {
          port: { number: 443, name: 'https', protocol: 'HTTPS' },
          hosts: ['*/a.example.com'],
          tls: { mode: 'SIMPLE', credentialName: 'c' },
        },
      ],
    },
  },
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name: 'se' },
    spec: {
      hosts: ['api.example.com'],
      ports: [{ number: 443, name: 'tls', protocol: 'TLS' }],
      resolution: 'DNS',
      endpoints: [{ address: '1.2.3.4', ports: { tls: 8443 } }],
    },
  },
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: { name: 'default' },
    spec: {
      egress: [{ hosts: ['./*', 'istio-system/*'] }],
      ingress: [
        {
          port: { number: 9080, protocol: 'HTTP', name: 'http' },
          defaultEndpoint: '127.0.0.1:8080',
        },
      ],
    },
  },
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'WorkloadEntry',
    metadata: { name: 'vm' },
    spec: { address: '10.0.0.1', ports: { http: 8080 }, labels: { app: 'a' } },
  },
];

type Path = (string | number)[];

function paths(v: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy: unknown = structuredClone(root);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
}

const weird = fc.oneof(
  fc.constant(null),
  fc.constant(''),
  fc.constant('*'),
  fc.constant(-1),
  fc.constant(0),
  fc.constant(1e308),
  fc.constant(Number.NaN),
  fc.constant([]),
  fc.constant({}),
  fc.constant('(?=x'),
  fc.constant('-1ms'),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
);

test('mutated resources load and validate without throwing', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: BASE.length - 1 }),
      fc.nat(),
      weird,
      fc.boolean(),
      (bi, pi, value, asText) => {
        const base = BASE[bi]!;
        const all = paths(base);
        const mutated = setAt(base, all[pi % all.length]!, value);
        let text = stringify(mutated);
        if (asText) text = text.slice(0, pi % (text.length + 1)); // truncated YAML too
        const parsed = parseResources(text, 'm.yaml');
        const diags = validateResources(parsed.resources);
        for (const d of [...parsed.diagnostics, ...diags]) {
          assert.ok(d.level === 'Error' || d.level === 'Warning' || d.level === 'Info');
          assert.equal(typeof d.message, 'string');
        }
      },
    ),
    { numRuns: 400, seed: 20261126 },
  );
});

test('the unmutated bases are valid', () => {
  for (const b of BASE) {
    const parsed = parseResources(stringify(b), 'b.yaml');
    assert.deepEqual(validateResources(parsed.resources), [], String(b.kind));
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { specSchema, validateSpecSchema } from './index.js';

test('generated schemas exist for the six networking kinds', () => {
  for (const kind of [
    'VirtualService',
    'DestinationRule',
    'Gateway',
    'ServiceEntry',
    'WorkloadEntry',
    'Sidecar',
  ])
    assert.ok(specSchema(kind), kind);
  assert.equal(specSchema('Service'), undefined);
});

test('unknown fields are rejected with a did-you-mean hint', () => {
  const p = validateSpecSchema('DestinationRule', {
    host: 'r',
    trafficPolicy: { loadBalancer: { simpel: 'RANDOM' } },
  });
  assert.equal(p.length, 1);
  assert.deepEqual(p[0]!.path, ['spec', 'trafficPolicy', 'loadBalancer', 'simpel']);
  assert.match(p[0]!.hint, /did you mean `simple`/);
});

test('types, enums, required fields and oneofs', () => {
  const p = validateSpecSchema('Gateway', {
    servers: [
      {
        port: { number: 'eighty', name: 'http', protocol: 'HTTP' },
        hosts: ['*'],
        tls: { mode: 'SIMPEL' },
      },
      { hosts: ['*'] },
    ],
  });
  assert.deepEqual(
    p.map((x) => x.path.join('.')),
    ['spec.servers.0.port.number', 'spec.servers.0.tls.mode', 'spec.servers.1.port'],
  );
  const one = validateSpecSchema('VirtualService', {
    hosts: ['a'],
    http: [
      { match: [{ uri: { exact: '/', regex: '.*' } }], route: [{ destination: { host: 'a' } }] },
    ],
  });
  assert.equal(one.length, 1);
  assert.match(one[0]!.message, /only one of exact, prefix, regex/);
});

test('maps accept any keys, with typed values', () => {
  assert.deepEqual(
    validateSpecSchema('Gateway', { selector: { istio: 'ingressgateway' }, servers: [] }),
    [],
  );
  const p = validateSpecSchema('Gateway', { selector: { istio: 3 } });
  assert.deepEqual(p[0]!.path, ['spec', 'selector', 'istio']);
});

test('null means absent, as the API server prunes it', () => {
  assert.deepEqual(validateSpecSchema('VirtualService', { hosts: ['a'], http: null }), []);
});

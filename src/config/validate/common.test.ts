import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipSubnetError, wildcardDomainError, fqdnError } from './common.js';

test('host names: DNS-1123, wildcard only as the whole leftmost label', () => {
  assert.equal(wildcardDomainError('reviews'), undefined);
  assert.equal(wildcardDomainError('*.bookinfo.com'), undefined);
  assert.equal(wildcardDomainError('*'), undefined);
  assert.match(wildcardDomainError('a.*.com') ?? '', /label "\*" invalid/);
  assert.match(wildcardDomainError('bad_name.com') ?? '', /label "bad_name" invalid/);
  assert.match(wildcardDomainError('') ?? '', /empty domain name/);
  assert.match(wildcardDomainError('a.b.123') ?? '', /cannot be all-numeric/);
  assert.match(wildcardDomainError('x'.repeat(256)) ?? '', /too long/);
  assert.equal(fqdnError('istio.io.'), undefined);
  assert.match(fqdnError('*.istio.io') ?? '', /invalid/);
});

test('IP subnets', () => {
  assert.equal(ipSubnetError('10.0.0.0/8'), undefined);
  assert.equal(ipSubnetError('2001:db8::/32'), undefined);
  assert.equal(ipSubnetError('1.2.3.4'), undefined);
  assert.match(ipSubnetError('1.2.3.4/40') ?? '', /not a valid CIDR/);
  assert.match(ipSubnetError('nope') ?? '', /not a valid IP/);
});

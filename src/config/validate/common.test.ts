import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipSubnetError, parseGoDuration, wildcardDomainError, fqdnError } from './common.js';

test('Go durations parse exactly (ns) as time.ParseDuration does', () => {
  const cases: [string, bigint | undefined][] = [
    ['1h', 3600000000000n],
    ['5m', 300000000000n],
    ['0.5s', 500000000n],
    ['30ms', 30000000n],
    ['1m30s', 90000000000n],
    ['1.5h', 5400000000000n],
    ['250us', 250000n],
    ['0', 0n],
    ['-2s', -2000000000n],
    ['10', undefined],
    ['', undefined],
    ['1 s', undefined],
    ['s', undefined],
    ['1d', undefined],
  ];
  for (const [input, want] of cases) assert.equal(parseGoDuration(input), want, input);
});

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

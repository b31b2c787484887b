import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LookupAddress } from 'node:dns';
import { clusterLookup } from './dns-lookup.js';

function resolve(
  fn: ReturnType<typeof clusterLookup>,
  host: string,
  all = false,
): Promise<string | LookupAddress[]> {
  return new Promise((ok, fail) =>
    fn(host, { all }, (err, address) => (err ? fail(err) : ok(address))),
  );
}

test('names resolve IPv4 first, in the shape net.connect asks for; unknown names fail ENOTFOUND', async () => {
  const lookup = clusterLookup(true);
  assert.equal(await resolve(lookup, 'localhost'), '127.0.0.1');
  assert.deepEqual(await resolve(lookup, 'localhost', true), [{ address: '127.0.0.1', family: 4 }]);
  assert.equal(await resolve(clusterLookup(false), '127.0.0.7'), '127.0.0.7');
  await assert.rejects(resolve(lookup, 'no-such-host.invalid'), (e: NodeJS.ErrnoException) =>
    ['ENOTFOUND', 'EAI_AGAIN'].includes(e.code ?? ''),
  );
});

// The version every output shows is package.json's, the one npm publishes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SWITCHYARD_VERSION } from './version.js';

test('SWITCHYARD_VERSION is package.json version', () => {
  const pkg = JSON.parse(
    readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  assert.equal(SWITCHYARD_VERSION, pkg.version);
  assert.match(SWITCHYARD_VERSION, /^\d+\.\d+\.\d+/);
});

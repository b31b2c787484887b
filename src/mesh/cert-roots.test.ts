import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certRoots } from './cert-roots.js';

test('default certificate roots: $SWITCHYARD_HOME, ./certs when present, -f directories, --cert-root', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'switchyard-roots-'));
  mkdirSync(join(cwd, 'certs'));
  mkdirSync(join(cwd, 'conf'));
  writeFileSync(join(cwd, 'conf', 'mesh.yaml'), '');
  const { roots } = certRoots({
    cwd,
    env: { SWITCHYARD_HOME: join(cwd, 'home') },
    files: ['conf/mesh.yaml', join(cwd, 'conf'), '-'],
    extra: ['pki'],
  });
  assert.deepEqual(roots, [
    join(cwd, 'home'),
    join(cwd, 'certs'),
    join(cwd, 'conf'),
    join(cwd, 'pki'),
  ]);
  const bare = certRoots({ cwd: join(cwd, 'conf'), env: { SWITCHYARD_HOME: join(cwd, 'h') } });
  assert.deepEqual(bare.roots, [join(cwd, 'h')], 'no ./certs, no files: only the home');
});

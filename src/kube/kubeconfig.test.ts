import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { defaultKubeconfigPath, exportLine, writeKubeconfig } from './kubeconfig.js';

// client-go tools/clientcmd/api/v1 Config: one cluster, user and context, current-context set.
test('the kubeconfig names context switchyard, the server, the token and the CA; mode 0600', () => {
  const home = mkdtempSync(join(tmpdir(), 'sy-kc-'));
  const path = defaultKubeconfigPath({ SWITCHYARD_HOME: home });
  assert.equal(path, join(home, 'kubeconfig'));
  writeKubeconfig('https://127.0.0.1:1234', 'tok', path, 'PEM');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const cfg = parse(readFileSync(path, 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(cfg['current-context'], 'switchyard');
  assert.equal(cfg.clusters[0].cluster.server, 'https://127.0.0.1:1234');
  assert.equal(
    Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64').toString(),
    'PEM',
  );
  assert.equal(cfg.users[0].user.token, 'tok');
  assert.equal(exportLine(path), `export KUBECONFIG=${path}`);
});

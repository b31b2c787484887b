// The kubeconfig `switchyard up` writes so the user's own kubectl talks to the mesh: one cluster
// (the admin URL), one user (the admin token as bearer token), one context named `switchyard`.
// Written under $SWITCHYARD_HOME with mode 0600; the user's ~/.kube/config is never touched.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { switchyardHome } from '../admin/token.js';

export const KUBECONFIG_CONTEXT = 'switchyard';

/** `$SWITCHYARD_HOME/kubeconfig`. */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(switchyardHome(env), 'kubeconfig');
}

/** A v1 Config as kubectl reads it (k8s.io/client-go tools/clientcmd/api/v1 types.go). */
export function kubeconfigYaml(server: string, token: string, caCert?: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: KUBECONFIG_CONTEXT,
        cluster: {
          server,
          ...(caCert
            ? { 'certificate-authority-data': Buffer.from(caCert).toString('base64') }
            : {}),
        },
      },
    ],
    users: [{ name: KUBECONFIG_CONTEXT, user: { token } }],
    contexts: [
      {
        name: KUBECONFIG_CONTEXT,
        context: { cluster: KUBECONFIG_CONTEXT, user: KUBECONFIG_CONTEXT, namespace: 'default' },
      },
    ],
    'current-context': KUBECONFIG_CONTEXT,
    preferences: {},
  });
}

/** Writes the kubeconfig (0600 in a 0700 directory); returns its path. */
export function writeKubeconfig(
  server: string,
  token: string,
  path: string = defaultKubeconfigPath(),
  caCert?: string,
): string {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, kubeconfigYaml(server, token, caCert), { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

/** The shell line that points kubectl at it. */
export function exportLine(path: string): string {
  return `export KUBECONFIG=${path}`;
}

// Which mesh a command talks to when no --server is given: $SWITCHYARD_SERVER, else the admin URL the
// last `switchyard up` wrote to $SWITCHYARD_HOME/current, else Istio's admin port. Like kubectl's
// current-context, so a mesh started with `--admin-port 0` is found without repeating --server.
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { switchyardHome } from '../admin/token.js';

/** Istio's admin port (Envoy admin in every sidecar listens on 15000). */
export const DEFAULT_SERVER = 'http://127.0.0.1:15000';

/** `$SWITCHYARD_HOME/current`: one line, the admin URL of the mesh `up` started last. */
export function currentServerPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(switchyardHome(env), 'current');
}

/** The server a command uses when --server is absent. */
export function defaultServer(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.SWITCHYARD_SERVER?.trim();
  if (fromEnv) return fromEnv;
  try {
    const current = readFileSync(currentServerPath(env), 'utf8').trim();
    if (current !== '') return current;
  } catch {
    // No mesh recorded: Istio's default admin port.
  }
  return DEFAULT_SERVER;
}

/** Written by `up` once its admin API listens. */
export function writeCurrentServer(url: string, env: NodeJS.ProcessEnv = process.env): void {
  const path = currentServerPath(env);
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(path, url + '\n');
}

/** Removed by `up` on stop, unless a later `up` has since recorded its own URL. */
export function clearCurrentServer(url: string, env: NodeJS.ProcessEnv = process.env): void {
  const path = currentServerPath(env);
  try {
    if (readFileSync(path, 'utf8').trim() === url) rmSync(path, { force: true });
  } catch {
    // Already gone.
  }
}

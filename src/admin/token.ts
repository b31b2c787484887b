// The admin API's bearer token: created by `switchyard up`, kept in a file only its user can read.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Where Switchyard keeps per-user state: $SWITCHYARD_HOME, else ~/.switchyard. */
export function switchyardHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.SWITCHYARD_HOME && env.SWITCHYARD_HOME !== ''
    ? env.SWITCHYARD_HOME
    : join(homedir(), '.switchyard');
}

/** `$SWITCHYARD_HOME/admin-token`: where `up` writes the token and the CLI reads it. */
export function defaultTokenPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(switchyardHome(env), 'admin-token');
}

/** 32 random bytes, hex. A credential, so it comes from the OS CSPRNG, not the injectable Random. */
export function createToken(): string {
  return randomBytes(32).toString('hex');
}

/** Writes the token (a new one unless given) with mode 0600 in a 0700 directory; returns it. */
export function writeTokenFile(
  path: string = defaultTokenPath(),
  token: string = createToken(),
): string {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, token + '\n', { mode: 0o600 });
  // The mode only applies when the file is created; an existing file is tightened too.
  chmodSync(path, 0o600);
  return token;
}

/** The token in a token file, or undefined when there is no readable file. */
export function readTokenFile(path: string = defaultTokenPath()): string | undefined {
  try {
    const token = readFileSync(path, 'utf8').trim();
    return token === '' ? undefined : token;
  } catch {
    return undefined;
  }
}

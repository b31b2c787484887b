// The directories certificate/key file paths in config may point into (compile/tls-files.ts): what the
// user handed to Switchyard on purpose, never the whole disk.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { TlsFileRoots } from '../compile/tls-files.js';
import { switchyardHome } from '../admin/token.js';

export interface CertRootOptions {
  /** `-f` paths: a file's directory, or the directory itself. */
  files?: readonly string[];
  /** `--cert-root DIR`, repeatable. */
  extra?: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** $SWITCHYARD_HOME, ./certs when present, the directories of the -f files, and --cert-root dirs. */
export function certRoots(options: CertRootOptions = {}): TlsFileRoots {
  const cwd = options.cwd ?? process.cwd();
  const roots = new Set<string>([resolve(switchyardHome(options.env))]);
  const projectCerts = join(cwd, 'certs');
  if (existsSync(projectCerts)) roots.add(projectCerts);
  for (const f of options.files ?? []) {
    if (f === '-') continue;
    const abs = resolve(cwd, f);
    let isDir = false;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      // A missing path is reported where it is loaded.
    }
    roots.add(isDir ? abs : dirname(abs));
  }
  for (const d of options.extra ?? []) roots.add(resolve(cwd, d));
  return { roots: [...roots] };
}

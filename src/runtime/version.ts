// Switchyard's own version, read once from package.json so the CLI and the load tool never disagree with it.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** package.json sits at the package root, three levels above the compiled dist/src/runtime/. */
function readPackageVersion(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const pkg = JSON.parse(readFileSync(join(here, '..', '..', '..', 'package.json'), 'utf8')) as {
    version?: unknown;
  };
  if (typeof pkg.version !== 'string') throw new Error('package.json has no "version"');
  return pkg.version;
}

export const SWITCHYARD_VERSION: string = readPackageVersion();

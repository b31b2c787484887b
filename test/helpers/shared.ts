// Locates ../shared (the conformance corpus we are handed); suites skip with a printed reason without it.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this compiled file (dist/test/helpers/shared.js) or its source. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const sharedPath = resolve(repoRoot, '..', 'shared');

/** Absolute path of a file under ../shared, or undefined when ../shared is absent. */
export function sharedFile(...parts: string[]): string | undefined {
  const path = join(sharedPath, ...parts);
  return existsSync(path) ? path : undefined;
}

/** The reason a suite reading ../shared is skipped, or false when it can run. */
export function sharedSkipReason(...parts: string[]): string | false {
  if (sharedFile(...parts)) return false;
  const reason = `../shared/${parts.join('/')} is not present; this suite reads Istio's conformance data from it`;
  console.log(`# skip: ${reason}`);
  return reason;
}

/** A file of our own fixtures under test/fixtures (source tree, not dist). */
export function fixture(...parts: string[]): string {
  return join(repoRoot, 'test', 'fixtures', ...parts);
}

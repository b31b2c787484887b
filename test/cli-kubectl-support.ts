// Runs the real CLI (dist/src/cli/main.js) as a child process against an admin server in this process.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './helpers/shared.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const MAIN = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

/** Spawns `node dist/src/cli/main.js ...args` (asynchronously: the server shares our event loop). */
export function runCli(
  args: readonly string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: repoRoot,
      env: {
        ...process.env,
        SWITCHYARD_HOME: join(repoRoot, 'dist', 'no-such-home'),
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** Lines of output without the trailing empty line. */
export const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

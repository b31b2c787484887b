// Headless Chromium for the UI tests: the system binary (scripts/install-chromium.sh installs it) driven
// by playwright-core. Without a browser the tests skip and say why; screenshots go to test-results/.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { repoRoot } from './shared.js';

/** Git-ignored folder the browser tests leave their screenshots in. */
export const SCREENSHOTS = join(repoRoot, 'test-results', 'screenshots');

export function chromiumPath(): string | undefined {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}

/** A launched browser, or the reason there is none (printed, for the test to skip with). */
export async function launchChromium(): Promise<Browser | string> {
  const executablePath = chromiumPath();
  if (!executablePath) {
    const reason = 'no chromium on PATH (scripts/install-chromium.sh installs it)';
    console.log(`# skip: ${reason}`);
    return reason;
  }
  const { chromium } = await import('playwright-core');
  try {
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    return await chromium.launch({ executablePath, args: ['--no-sandbox'], headless: true });
  } catch (err) {
    const reason = `chromium at ${executablePath} did not start: ${(err as Error).message}`;
    console.log(`# skip: ${reason}`);
    return reason;
  }
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, name);
}

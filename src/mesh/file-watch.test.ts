// `up -f` re-applies on every save, whether the editor writes in place or writes a temporary file and
// renames it over the original, and `-R` sees files in subdirectories, also ones created later.
import { test } from 'node:test';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchFiles } from './file-watch.js';

/** A watch whose callbacks can be awaited one at a time. */
function awaitable(paths: string[], recursive = false) {
  let waiting: (() => void) | undefined;
  let pending = 0;
  const w = watchFiles(
    paths,
    () => {
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w();
      } else pending++;
    },
    20,
    { recursive },
  );
  return {
    next: () =>
      new Promise<void>((resolve) => {
        if (pending > 0) {
          pending--;
          resolve();
        } else waiting = resolve;
      }),
    close: () => w.close(),
  };
}

const saveByRename = (path: string, text: string, n: number): void => {
  const tmp = `${path}.${n}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
};

test('a watched file reports each of five saves made by write-temp-then-rename', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-watch-'));
  const file = join(dir, 'vs.yaml');
  writeFileSync(file, 'a: 0\n');
  const w = awaitable([file]);
  try {
    for (let i = 1; i <= 5; i++) {
      const seen = w.next();
      saveByRename(file, `a: ${i}\n`, i);
      await seen;
    }
  } finally {
    w.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('-R: changes in nested and newly created subdirectories are reported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-watch-'));
  mkdirSync(join(dir, 'a', 'b'), { recursive: true });
  const w = awaitable([dir], true);
  try {
    let seen = w.next();
    writeFileSync(join(dir, 'a', 'b', 'deep.yaml'), 'x: 1\n');
    await seen;
    seen = w.next();
    mkdirSync(join(dir, 'later'));
    await seen;
    seen = w.next();
    saveByRename(join(dir, 'later', 'new.yaml'), 'y: 1\n', 1);
    await seen;
  } finally {
    w.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Watches the `up -f` paths and calls back once per burst of saves (editors write in several steps).
import { watch, type FSWatcher } from 'node:fs';

export interface FileWatch {
  close(): void;
}

/** Calls onChange debounceMs after the last change under any of paths; `-` (stdin) is not watched. */
export function watchFiles(
  paths: readonly string[],
  onChange: () => void,
  debounceMs = 200,
): FileWatch {
  let timer: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = [];
  const changed = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, debounceMs);
  };
  for (const path of paths) {
    if (path === '-') continue;
    try {
      watchers.push(watch(path, { recursive: false }, changed));
    } catch {
      // A path that cannot be watched is applied once; nothing else depends on watching.
    }
  }
  return {
    close() {
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}

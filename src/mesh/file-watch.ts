// Watches the `up -f` paths and calls back once per burst of saves (editors write in several steps).
// Directories are watched, never a file's own inode: an editor that saves by writing a temporary file
// and renaming it over the original (vim, JetBrains, `sed -i`) replaces the inode, and a watch on the
// old one goes silent after the first save. `-R` watches every subdirectory, including ones created later.
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';

export interface FileWatch {
  close(): void;
}

export interface FileWatchOptions {
  /** Watch directories given in paths with all their subdirectories (`up -R`). */
  recursive?: boolean;
}

/** The directories below dir (dir excluded), depth first; unreadable ones are skipped. */
function subdirectories(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      if (statSync(path).isDirectory()) out.push(path, ...subdirectories(path));
    } catch {
      // Gone between readdir and stat: the next event rescans.
    }
  }
  return out;
}

/** Calls onChange debounceMs after the last change under any of paths; `-` (stdin) is not watched. */
export function watchFiles(
  paths: readonly string[],
  onChange: () => void,
  debounceMs = 200,
  options: FileWatchOptions = {},
): FileWatch {
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const changed = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, debounceMs);
  };
  /** Directory -> the file names in it that were given as -f paths (watched alone). */
  const filesIn = new Map<string, Set<string>>();
  /** Directories given as -f paths (every entry in them counts). */
  const roots: string[] = [];
  for (const path of paths) {
    if (path === '-') continue;
    const abs = resolve(path);
    let isDir: boolean;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      continue; // A path that cannot be watched is applied once; nothing else depends on watching.
    }
    if (isDir) roots.push(abs);
    else {
      const dir = dirname(abs);
      const names = filesIn.get(dir) ?? new Set<string>();
      names.add(basename(abs));
      filesIn.set(dir, names);
    }
  }
  const watchers = new Map<string, FSWatcher>();
  const wanted = (): Set<string> =>
    new Set([
      ...filesIn.keys(),
      ...roots,
      ...(options.recursive ? roots.flatMap(subdirectories) : []),
    ]);
  const isTreeDir = (dir: string): boolean =>
    roots.some((r) => dir === r || (options.recursive === true && dir.startsWith(r + sep)));
  const sync = (): void => {
    const want = wanted();
    for (const [dir, w] of watchers)
      if (!want.has(dir)) {
        w.close();
        watchers.delete(dir);
      }
    for (const dir of want) {
      if (watchers.has(dir)) continue;
      try {
        const w = watch(dir, { recursive: false }, (_event, name) => {
          if (isTreeDir(dir)) {
            // A directory created, renamed or removed below a -R root changes what is watched.
            if (options.recursive) sync();
            changed();
            return;
          }
          const names = filesIn.get(dir);
          if (name === null || names?.has(name.toString())) changed();
        });
        // A watched directory that disappears stops its watcher; the rest keep working.
        w.on('error', () => {
          w.close();
          watchers.delete(dir);
        });
        watchers.set(dir, w);
      } catch {
        // Not watchable (gone, no permission): applied once, as at startup.
      }
    }
  };
  sync();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}

// Reads resources from files, directories (optionally recursive) and stdin (`-f -`), as kubectl -f does.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseResources, type ParseOptions, type ParseResult } from './parse.js';

const CONFIG_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface LoadOptions extends ParseOptions {
  /** Descend into subdirectories (kubectl -R). */
  recursive?: boolean;
  /** What `-` reads; defaults to this process's stdin. */
  readStdin?: () => string;
}

/** Lists the config files a set of -f arguments names, in a stable order. */
export function expandPaths(paths: readonly string[], recursive = false): string[] {
  const out: string[] = [];
  for (const path of paths) {
    if (path === '-') {
      out.push(path);
      continue;
    }
    const st = statSync(path);
    if (st.isDirectory()) out.push(...listDir(path, recursive));
    else out.push(path);
  }
  return out;
}

function listDir(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) {
      if (recursive) out.push(...listDir(path, recursive));
    } else if (CONFIG_EXTENSIONS.has(extname(name).toLowerCase())) {
      out.push(path);
    }
  }
  return out;
}

/** Loads every resource from the given -f arguments; unreadable paths become diagnostics. */
export function loadResources(paths: readonly string[], options: LoadOptions = {}): ParseResult {
  const merged: ParseResult = { resources: [], skipped: [], diagnostics: [] };
  let files: string[];
  try {
    files = expandPaths(paths, options.recursive);
  } catch (err) {
    merged.diagnostics.push({ level: 'Error', message: `cannot read: ${(err as Error).message}` });
    return merged;
  }
  for (const file of files) {
    let text: string;
    try {
      text =
        file === '-'
          ? (options.readStdin ?? (() => readFileSync(0, 'utf8')))()
          : readFileSync(file, 'utf8');
    } catch (err) {
      merged.diagnostics.push({
        level: 'Error',
        message: `cannot read ${file}: ${(err as Error).message}`,
      });
      continue;
    }
    const r = parseResources(text, file === '-' ? '<stdin>' : file, options);
    merged.resources.push(...r.resources);
    merged.skipped.push(...r.skipped);
    merged.diagnostics.push(...r.diagnostics);
    if (r.meshConfig) merged.meshConfig = r.meshConfig;
  }
  return merged;
}

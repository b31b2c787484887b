// Every CLI verb registers itself here; keep one line per command file.
import type { Command } from 'commander';
import { registerAnalyze } from './analyze.js';
import { registerLoad } from './load.js';
import { registerValidate } from './validate.js';
import { registerWorkload } from './workload.js';

export function registerCommands(program: Command): void {
  registerValidate(program);
  registerAnalyze(program);
  registerWorkload(program);
  registerLoad(program);
}

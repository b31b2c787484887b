// Every CLI verb registers itself here; keep one line per command file.
import type { Command } from 'commander';
import { registerLoad } from './load.js';
import { registerValidate } from './validate.js';
import { registerWorkload } from './workload.js';

export function registerCommands(program: Command): void {
  registerValidate(program);
  registerWorkload(program);
  registerLoad(program);
}

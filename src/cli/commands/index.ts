// Every CLI verb registers itself here; keep one line per command file.
import type { Command } from 'commander';
import { registerValidate } from './validate.js';

export function registerCommands(program: Command): void {
  registerValidate(program);
}

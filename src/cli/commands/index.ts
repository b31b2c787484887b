// Every CLI verb registers itself here; keep one line per command file.
import type { Command } from 'commander';
import { registerValidate } from './validate.js';
import { registerApply } from './apply.js';
import { registerDelete } from './delete.js';
import { registerGet } from './get.js';
import { registerPatch } from './patch.js';

export function registerCommands(program: Command): void {
  registerValidate(program);
  registerApply(program);
  registerDelete(program);
  registerGet(program);
  registerPatch(program);
}

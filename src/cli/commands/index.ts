// Every CLI verb registers itself here; keep one line per command file.
import type { Command } from 'commander';
import { registerValidate } from './validate.js';
import { registerProxyConfig } from './proxy-config.js';

export function registerCommands(program: Command): void {
  registerValidate(program);
  registerProxyConfig(program);
}

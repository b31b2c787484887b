// Every CLI verb registers itself here; keep one line per command file.
import type { Command } from 'commander';
import { registerAnalyze } from './analyze.js';
import { registerApply } from './apply.js';
import { registerCompletion } from './completion.js';
import { registerDashboard } from './dashboard.js';
import { registerDelete } from './delete.js';
import { registerEnvoyStats } from './envoy-stats.js';
import { registerGet } from './get.js';
import { registerKubeconfig } from './kubeconfig.js';
import { registerLoad } from './load.js';
import { registerLogs } from './logs.js';
import { registerPatch } from './patch.js';
import { registerProxyConfig } from './proxy-config.js';
import { registerUp } from './up.js';
import { registerValidate } from './validate.js';
import { registerWorkload } from './workload.js';

export function registerCommands(program: Command): void {
  registerValidate(program);
  registerAnalyze(program);
  registerApply(program);
  registerGet(program);
  registerPatch(program);
  registerDelete(program);
  registerProxyConfig(program);
  registerLogs(program);
  registerUp(program);
  registerKubeconfig(program);
  registerWorkload(program);
  registerLoad(program);
  registerEnvoyStats(program);
  registerCompletion(program);
  registerDashboard(program);
}

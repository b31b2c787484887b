// Every CLI verb registers itself here; keep one line per command file.
import type { Command } from 'commander';
import { registerAnalyze } from './analyze.js';
import { registerApply } from './apply.js';
import { registerBootstrap } from './bootstrap.js';
import { registerControlPlane } from './control-plane.js';
import { registerCompletion } from './completion.js';
import { registerDashboard } from './dashboard.js';
import { registerDelete } from './delete.js';
import { registerEnvoyStats } from './envoy-stats.js';
import { registerExplain } from './explain.js';
import { registerExec } from './exec.js';
import { registerGet } from './get.js';
import { registerKubeconfig } from './kubeconfig.js';
import { registerLoad } from './load.js';
import { registerLogs } from './logs.js';
import { registerPatch } from './patch.js';
import { registerPortForward } from './port-forward.js';
import { registerProxyConfig } from './proxy-config.js';
import { registerProxyStatus } from './proxy-status.js';
import { registerTest } from './test.js';
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
  registerProxyStatus(program);
  registerLogs(program);
  registerExec(program);
  registerPortForward(program);
  registerUp(program);
  registerControlPlane(program);
  registerBootstrap(program);
  registerKubeconfig(program);
  registerWorkload(program);
  registerLoad(program);
  registerEnvoyStats(program);
  registerExplain(program);
  registerTest(program);
  registerCompletion(program);
  registerDashboard(program);
}

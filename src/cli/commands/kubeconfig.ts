// `switchyard kubeconfig`: prints where `up` writes the kubeconfig for kubectl ($SWITCHYARD_HOME/kubeconfig).
import type { Command } from 'commander';
import { defaultKubeconfigPath } from '../../kube/kubeconfig.js';

export function registerKubeconfig(program: Command): void {
  program
    .command('kubeconfig')
    .description('print the path of the kubeconfig `switchyard up` writes (export KUBECONFIG=...)')
    .action(() => {
      console.log(defaultKubeconfigPath());
    });
}

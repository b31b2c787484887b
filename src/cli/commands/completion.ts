// `switchyard completion bash|zsh|fish`: prints a shell completion script, as `kubectl completion` does.
import type { Command } from 'commander';
import { COMPLETION_SCRIPTS } from '../completion.js';
import { EXIT } from '../exit-codes.js';

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description(
      'print a shell completion script (bash, zsh or fish); names come from the running mesh',
    )
    .argument('<shell>', 'bash, zsh or fish')
    .action((shell: string) => {
      const script = COMPLETION_SCRIPTS[shell];
      if (!script) {
        console.error(
          `error: unsupported shell type "${shell}" (one of: ${Object.keys(COMPLETION_SCRIPTS).join(', ')})`,
        );
        process.exit(EXIT.usage);
      }
      process.stdout.write(script);
    });
}

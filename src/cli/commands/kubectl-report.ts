// One place that prints a failed kubectl-style command and sets exit code 1.
import { printError } from '../client.js';
import { EXIT } from '../exit-codes.js';
import { CliError } from './kubectl-args.js';

export function reportFailure(err: unknown): void {
  if (err instanceof CliError) {
    console.error(`error: ${err.message}`);
    for (const line of err.lines) console.error(line);
  } else {
    printError(err);
  }
  process.exitCode = EXIT.failure;
}

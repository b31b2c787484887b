#!/usr/bin/env node
// The `switchyard` command line: one file per verb under commands/, registered in commands/index.ts.
import { Command } from 'commander';
import { registerCommands } from './commands/index.js';
import { EXIT } from './exit-codes.js';
import { COMPLETE_COMMAND, runComplete } from './completion.js';
import { addExamples } from './help-examples.js';
import { SWITCHYARD_VERSION } from '../runtime/version.js';

const program = new Command();
program
  .name('switchyard')
  .description(
    "Istio's traffic management, run locally: validate, analyze and serve networking.istio.io YAML",
  )
  .version(SWITCHYARD_VERSION)
  .showHelpAfterError()
  .exitOverride((err) => {
    // commander exits 1 on usage errors; sysexits' EX_USAGE (64) is what istioctl uses.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(0);
    process.exit(err.exitCode === 0 ? 0 : EXIT.usage);
  });

registerCommands(program);
addExamples(program);

// The completion scripts' callback bypasses flag parsing: its arguments are a half-typed command line.
const [verb, ...words] = process.argv.slice(2);
const run: Promise<unknown> =
  verb === COMPLETE_COMMAND ? runComplete(program, words) : program.parseAsync(process.argv);
run.catch((err: unknown) => {
  console.error(`error: ${(err as Error).message ?? String(err)}`);
  process.exit(EXIT.failure);
});

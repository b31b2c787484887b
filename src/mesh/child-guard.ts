// Runs a workload's own command (`Workload command:`, `switchyard.io/command`) for `switchyard up` and
// ends it with `up`: any program, Node or not, gets no say in how it learns its parent died, so this
// small wrapper holds the lifeline (parent-watch.ts) and signals the command's whole process group.
// Usage: node child-guard.js <command> [args...]; started detached, so it leads the group.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { watchParent } from './parent-watch.js';

const GRACE_MS = 3000;

function main(argv: readonly string[]): void {
  const [cmd, ...args] = argv;
  if (!cmd) {
    process.stderr.write('child-guard: no command\n');
    process.exit(2);
  }
  // Same group as this guard (its leader): one signal to -pgid reaches the command and its children.
  const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  let stopping = false;
  const stopGroup = () => {
    if (stopping) return;
    stopping = true;
    signalGroup('SIGTERM');
    setTimeout(() => signalGroup('SIGKILL'), GRACE_MS).unref();
  };
  // SIGTERM from the supervisor reaches the whole group (the guard included): wait for the command.
  process.on('SIGTERM', stopGroup);
  process.on('SIGINT', stopGroup);
  watchParent(stopGroup);
  child.on('error', (err) => {
    process.stderr.write(`failed to start: ${err.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    // Whatever the command left running in its group goes with it.
    stopping = true;
    signalGroup('SIGTERM');
    process.exit(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
  });
}

function signalGroup(sig: NodeJS.Signals): void {
  try {
    process.kill(-process.pid, sig);
  } catch {
    // The group is already gone.
  }
}

main(process.argv.slice(2));

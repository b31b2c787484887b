// Runs an exec'd command "in the pod": a child process (src/podshell) with exactly the container's
// environment (so HTTP_PROXY leads to the pod's sidecar, as the app's own calls do), its output streamed
// to the exec channels, killed when the client goes away. A child rather than in-process: a `fortio
// load` or a shell loop never stalls the API server's event loop, a disconnect is one SIGKILL, and the
// environment is the process's own, not a parameter every command must remember to use.
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PodContainerView, PodView } from '../../model/pod-runtime.js';
import type { ExecChannels, StreamOptions } from './exec-channels.js';
import { execExited, execFailed, execSucceeded } from './exec-status.js';

/** The pod shell's entry point (dist/src/podshell/main.js beside this file's dist/src/kube/pods/). */
export const PODSHELL_ENTRY = fileURLToPath(new URL('../../podshell/main.js', import.meta.url));

/** What the pod shell asks its parent over IPC: a file the container "has". */
export interface ReadFileRequest {
  type: 'readFile';
  id: number;
  path: string;
}

export interface ReadFileAnswer {
  type: 'file';
  id: number;
  /** base64, absent when the container has no such file. */
  data?: string;
}

export function runExec(
  pod: PodView,
  container: PodContainerView,
  command: readonly string[],
  options: StreamOptions,
  channels: ExecChannels,
): ChildProcess {
  const child = spawn(process.execPath, [PODSHELL_ENTRY, ...command], {
    env: { ...container.env, HOSTNAME: container.env.HOSTNAME ?? pod.name },
    stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
  }) as ChildProcessWithoutNullStreams;
  let done = false;
  child.stdout.on('data', (d: Buffer) => channels.stdout(d));
  child.stderr.on('data', (d: Buffer) => {
    // With a tty there is one output stream (the kubelet drops stderr when tty is set).
    if (options.tty) channels.stdout(d);
    else channels.stderr(d);
  });
  child.stdin.on('error', () => undefined);
  if (options.stdin) {
    channels.onStdin((d) => child.stdin.write(d));
    channels.onStdinEnd(() => child.stdin.end());
  } else child.stdin.end();
  child.on('message', (msg: ReadFileRequest) => {
    if (msg?.type !== 'readFile') return;
    const data = container.readFile(msg.path);
    const answer: ReadFileAnswer = {
      type: 'file',
      id: msg.id,
      ...(data ? { data: data.toString('base64') } : {}),
    };
    if (child.connected) child.send(answer);
  });
  channels.onGone(() => {
    if (!done) child.kill('SIGKILL');
  });
  child.on('error', (err) => {
    if (done) return;
    done = true;
    channels.finish(execFailed(err.message));
  });
  // 'close' (not 'exit'): every byte of stdout/stderr is delivered before the status.
  child.on('close', (code, signal) => {
    if (done) return;
    done = true;
    const exitCode = code ?? (signal ? 128 + signalNumber(signal) : 1);
    channels.finish(exitCode === 0 ? execSucceeded() : execExited(command, exitCode));
  });
  return child;
}

function signalNumber(signal: NodeJS.Signals): number {
  return signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : signal === 'SIGINT' ? 2 : 1;
}

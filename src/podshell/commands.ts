// The commands a pod "has" for exec: the clients Istio's tasks run inside pods (curl, fortio), the
// few coreutils they lean on (env, hostname, cat, echo, seq, sleep, date, true, false), busybox's
// `nc` (Istio's TCP tasks) and `sh -c`.
// Anything else is what a shell says of a missing program: `<cmd>: command not found`, status 127
// (POSIX sh "Command Search and Execution").
import { curl } from './curl.js';
import { fortio } from './fortio.js';
import { nc } from './nc.js';
import type { PodCommand, PodIo } from './io.js';
import { runScript } from './shell.js';

const env: PodCommand = async (_args, io) => {
  for (const [k, v] of Object.entries(io.env)) io.out(`${k}=${v}\n`);
  return 0;
};

const printenv: PodCommand = async (args, io) => {
  if (args.length === 0) return env(args, io);
  let code = 0;
  for (const name of args) {
    const v = io.env[name];
    if (v === undefined) code = 1;
    else io.out(`${v}\n`);
  }
  return code;
};

const hostname: PodCommand = async (_args, io) => {
  io.out(`${io.env.HOSTNAME ?? ''}\n`);
  return 0;
};

const cat: PodCommand = async (args, io) => {
  if (args.length === 0) {
    io.out(await io.readStdin());
    return 0;
  }
  let code = 0;
  for (const path of args) {
    const data = await io.readFile(path);
    if (data === undefined) {
      io.err(`cat: ${path}: No such file or directory\n`);
      code = 1;
    } else io.out(data);
  }
  return code;
};

const echo: PodCommand = async (args, io) => {
  const noNewline = args[0] === '-n';
  io.out(`${(noNewline ? args.slice(1) : args).join(' ')}${noNewline ? '' : '\n'}`);
  return 0;
};

/** seq [FIRST [INCREMENT]] LAST (GNU coreutils seq). */
const seq: PodCommand = async (args, io) => {
  const nums = args.map(Number);
  if (nums.length === 0 || nums.length > 3 || nums.some((n) => !Number.isFinite(n))) {
    io.err(`seq: invalid argument\n`);
    return 1;
  }
  const [first, step, last] =
    nums.length === 1
      ? [1, 1, nums[0] ?? 1]
      : nums.length === 2
        ? [nums[0] ?? 1, 1, nums[1] ?? 1]
        : [nums[0] ?? 1, nums[1] ?? 1, nums[2] ?? 1];
  if (step === 0) return 1;
  const lines: string[] = [];
  for (let n = first; step > 0 ? n <= last : n >= last; n += step) lines.push(String(n));
  if (lines.length) io.out(`${lines.join('\n')}\n`);
  return 0;
};

/** `date` with busybox's default format, `%a %b %e %H:%M:%S %Z %Y`, in UTC (a pod's TZ unset). */
const date: PodCommand = async (_args, io) => {
  const d = new Date();
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()] ?? '';
  const month =
    ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][
      d.getUTCMonth()
    ] ?? '';
  const two = (n: number) => String(n).padStart(2, '0');
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  io.out(
    `${day} ${month} ${String(d.getUTCDate()).padStart(2, ' ')} ${time} UTC ${d.getUTCFullYear()}\n`,
  );
  return 0;
};

const sleep: PodCommand = async (args, io) => {
  const s = Number((args[0] ?? '').replace(/s$/, ''));
  if (!Number.isFinite(s) || s < 0) {
    io.err(`sleep: invalid time interval '${args[0] ?? ''}'\n`);
    return 1;
  }
  await new Promise((r) => setTimeout(r, s * 1000));
  return 0;
};

const sh: PodCommand = async (args, io) => {
  if (args[0] !== '-c' || args[1] === undefined) {
    io.err('sh: only `sh -c SCRIPT` is supported in a Switchyard pod\n');
    return 2;
  }
  return runScript(args[1], io, runCommand);
};

const COMMANDS: Record<string, PodCommand> = {
  curl,
  fortio,
  nc,
  date,
  env,
  printenv,
  hostname,
  cat,
  echo,
  seq,
  sleep,
  sh,
  bash: sh,
  ash: sh,
  true: async () => 0,
  false: async () => 1,
};

/** Runs argv[0] with the rest; a path (`/bin/sh`, `/usr/bin/curl`) runs its base name. */
export async function runCommand(argv: readonly string[], io: PodIo): Promise<number> {
  const [name = '', ...args] = argv;
  const base = name.slice(name.lastIndexOf('/') + 1);
  const command = COMMANDS[base];
  if (!command) {
    io.err(`${name}: command not found\n`);
    return 127;
  }
  try {
    return await command(args, io);
  } catch (err) {
    io.err(`${base}: ${(err as Error).message}\n`);
    return 1;
  }
}

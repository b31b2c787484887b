// The pod shell's process: `node main.js CMD ARGS...`, started by the API server's exec with the
// container's environment; runs one command and exits with its status. Files come from the parent
// over IPC; the IPC channel closing (the API server gone) ends the process.
import { runCommand } from './commands.js';
import type { PodIo } from './io.js';

interface FileAnswer {
  type: 'file';
  id: number;
  data?: string;
}

const waiting = new Map<number, (data: Buffer | undefined) => void>();
let nextId = 1;
process.on('message', (msg: FileAnswer) => {
  if (msg?.type !== 'file') return;
  waiting.get(msg.id)?.(msg.data === undefined ? undefined : Buffer.from(msg.data, 'base64'));
  waiting.delete(msg.id);
});
process.on('disconnect', () => process.exit(137));

const io: PodIo = {
  env: Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
  ),
  out: (d) => void process.stdout.write(d),
  err: (d) => void process.stderr.write(d),
  readStdin: () =>
    new Promise((resolve) => {
      const chunks: Buffer[] = [];
      process.stdin.on('data', (c: Buffer) => chunks.push(c));
      process.stdin.on('end', () => resolve(Buffer.concat(chunks)));
    }),
  readFile: (path) =>
    new Promise((resolve) => {
      if (!process.send) return resolve(undefined);
      const id = nextId++;
      waiting.set(id, resolve);
      process.send({ type: 'readFile', id, path });
    }),
};

const code = await runCommand(process.argv.slice(2), io);
// Let stdout/stderr drain, then leave (the IPC channel would otherwise keep the process alive).
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));

// A real proxyless gRPC client (@grpc/grpc-js-xds) run as a child process: its XdsClient is a
// per-process singleton that keeps the ADS stream open, so each suite gets its own process. Reads one
// JSON batch per stdin line (CallBatch in xds-grpc-support.ts) and answers one JSON line
// {counts, minMs, maxMs}, preceded by {progress} lines when asked.
// Bootstrap: GRPC_XDS_BOOTSTRAP_CONFIG (grpc-js-xds bootstrap.ts); default target: argv[2].
import * as grpc from '@grpc/grpc-js';
import * as xds from '@grpc/grpc-js-xds';
import { createInterface } from 'node:readline';

xds.register();
const defaultTarget = process.argv[2] ?? '';
const clients = new Map<string, grpc.Client>();
const identity = (b: Buffer) => b;

function clientFor(target: string): grpc.Client {
  let c = clients.get(target);
  if (!c) {
    c = new grpc.Client(target, grpc.credentials.createInsecure());
    clients.set(target, c);
  }
  return c;
}

interface Batch {
  target?: string;
  calls: number;
  metadata?: Record<string, string>;
  deadlineMs?: number;
  concurrent?: boolean;
  staggerMs?: number;
  untilSeen?: Record<string, number>;
  progress?: boolean;
  exit?: boolean;
}

function call(b: Batch): Promise<{ answer: string; ms: number }> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(b.metadata ?? {})) md.set(k, v);
  const start = performance.now();
  return new Promise((resolve) => {
    clientFor(b.target ?? defaultTarget).makeUnaryRequest<Buffer, Buffer>(
      '/echo.Echo/Call',
      identity,
      identity,
      Buffer.from('hi'),
      md,
      { deadline: Date.now() + (b.deadlineMs ?? 10_000) },
      (err, res) => {
        const answer = err ? `error:${grpc.status[err.code ?? 2]}` : (res?.toString() ?? '');
        if (b.progress) process.stdout.write(JSON.stringify({ progress: answer }) + '\n');
        resolve({ answer, ms: performance.now() - start });
      },
    );
  });
}

async function runBatch(b: Batch): Promise<void> {
  const counts: Record<string, number> = {};
  let minMs = Infinity;
  let maxMs = 0;
  const note = ({ answer, ms }: { answer: string; ms: number }) => {
    counts[answer] = (counts[answer] ?? 0) + 1;
    minMs = Math.min(minMs, ms);
    maxMs = Math.max(maxMs, ms);
  };
  const done = () =>
    !!b.untilSeen && Object.entries(b.untilSeen).every(([k, n]) => (counts[k] ?? 0) >= n);
  if (b.concurrent) {
    const started: Promise<{ answer: string; ms: number }>[] = [];
    for (let i = 0; i < b.calls; i++) {
      if (i > 0 && b.staggerMs) await new Promise((r) => setTimeout(r, b.staggerMs));
      started.push(call(b));
    }
    for (const r of await Promise.all(started)) note(r);
  } else {
    for (let i = 0; i < b.calls && !done(); i++) note(await call(b));
  }
  process.stdout.write(JSON.stringify({ counts, minMs, maxMs }) + '\n');
}

const lines = createInterface({ input: process.stdin });
// Batches run one after the other, in the order they arrive.
let queue = Promise.resolve();
lines.on('line', (line) => {
  const batch = JSON.parse(line) as Batch;
  if (batch.exit) {
    for (const c of clients.values()) c.close();
    process.exit(0);
  }
  queue = queue.then(() => runBatch(batch));
});
lines.on('close', () => process.exit(0));

// A real proxyless gRPC client (@grpc/grpc-js-xds) run as a child process: its XdsClient is a
// per-process singleton that keeps the ADS stream open, so each test gets its own process. Reads one
// JSON command per stdin line ({calls, metadata?}) and answers one JSON line {counts, errors}.
// Bootstrap: GRPC_XDS_BOOTSTRAP_CONFIG (grpc-js-xds bootstrap.ts); target: argv[2].
import * as grpc from '@grpc/grpc-js';
import * as xds from '@grpc/grpc-js-xds';
import { createInterface } from 'node:readline';

xds.register();
const target = process.argv[2] ?? '';
const client = new grpc.Client(target, grpc.credentials.createInsecure());
const identity = (b: Buffer) => b;

function call(metadata: Record<string, string>): Promise<string> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest<Buffer, Buffer>(
      '/echo.Echo/Call',
      identity,
      identity,
      Buffer.from('hi'),
      md,
      { deadline: Date.now() + 10_000 },
      (err, res) => resolve(err ? `error:${grpc.status[err.code ?? 2]}` : (res?.toString() ?? '')),
    );
  });
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const cmd = JSON.parse(line) as {
    calls: number;
    metadata?: Record<string, string>;
    exit?: boolean;
  };
  if (cmd.exit) {
    client.close();
    process.exit(0);
  }
  void (async () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < cmd.calls; i++) {
      const who = await call(cmd.metadata ?? {});
      counts[who] = (counts[who] ?? 0) + 1;
    }
    process.stdout.write(JSON.stringify({ counts }) + '\n');
  })();
});
lines.on('close', () => process.exit(0));

// The two ends of a proxyless gRPC test: real @grpc/grpc-js echo servers that answer with their name,
// and a real @grpc/grpc-js-xds client process (xds-grpc-client.ts) bootstrapped to an xDS server with
// an Istio node id and GENERATOR grpc (istio/istio pilot/pkg/networking/grpcgen/testdata/xds_bootstrap.json).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { CLI } from './mesh.js';

export async function startEchoServer(name: string): Promise<{ port: number; stop: () => void }> {
  const server = new grpc.Server();
  const identity = (b: Buffer) => b;
  server.addService(
    {
      Call: {
        path: '/echo.Echo/Call',
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    } as grpc.ServiceDefinition,
    {
      Call: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.from(name)),
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return { port, stop: () => server.forceShutdown() };
}

export interface ClientHandle {
  run(calls: number, metadata?: Record<string, string>): Promise<Record<string, number>>;
  stop(): void;
}

/** A grpc-js-xds client process calling `target` (`xds:///host:port`), routed by the xDS server. */
export function startClient(xdsPort: number, target: string): ClientHandle {
  // istio/istio pilot/pkg/networking/grpcgen/testdata/xds_bootstrap.json: node id and GENERATOR grpc.
  const bootstrap = {
    xds_servers: [
      {
        server_uri: `127.0.0.1:${xdsPort}`,
        channel_creds: [{ type: 'insecure' }],
        server_features: ['xds_v3'],
      },
    ],
    node: {
      id: 'sidecar~127.0.0.1~echo-client-0.default~default.svc.cluster.local',
      cluster: 'echo-client',
      locality: {},
      metadata: { GENERATOR: 'grpc', NAMESPACE: 'default' },
    },
  };
  const proc = spawn(
    process.execPath,
    [join(CLI, '..', '..', '..', 'test', 'helpers', 'xds-grpc-client.js'), target],
    { env: { ...process.env, GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(bootstrap) } },
  );
  const answers: ((line: string) => void)[] = [];
  createInterface({ input: proc.stdout }).on('line', (line) => answers.shift()?.(line));
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return {
    run: (calls, metadata) =>
      new Promise((resolve, reject) => {
        answers.push((line) =>
          resolve((JSON.parse(line) as { counts: Record<string, number> }).counts),
        );
        proc.once('exit', () => reject(new Error(`client exited: ${stderr}`)));
        proc.stdin.write(JSON.stringify({ calls, metadata }) + '\n');
      }),
    stop: () => proc.kill(),
  };
}

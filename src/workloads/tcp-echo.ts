// tcp-echo: each line received is sent back with a prefix, as Istio's sample server does
// (istio/istio samples/tcp-echo/src/main.go: `fmt.Sprintf("%s %s", prefix, line)`).
import net from 'node:net';
import type { RunningWorkload, WorkloadOptions } from './types.js';

/** TCP_ECHO_PREFIX, else the prefix Istio's tcp-echo-services.yaml gives the version (v1 `one`,
 * v2 `two`), else `hello` (samples/tcp-echo/tcp-echo.yaml). */
export function tcpEchoPrefix(options: WorkloadOptions): string {
  if (options.prefix !== undefined) return options.prefix;
  const env = options.env ?? process.env;
  if (env.TCP_ECHO_PREFIX) return env.TCP_ECHO_PREFIX;
  if (options.version === 'v1') return 'one';
  if (options.version === 'v2') return 'two';
  return 'hello';
}

export async function startTcpEcho(options: WorkloadOptions): Promise<RunningWorkload> {
  const host = options.host ?? '127.0.0.1';
  const prefix = tcpEchoPrefix(options);
  const sockets = new Set<net.Socket>();
  const handle = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl + 1);
        pending = pending.slice(nl + 1);
        options.log?.(`request: ${line.trimEnd()}`);
        socket.write(`${prefix} ${line}`);
      }
    });
    // a final line without newline is dropped, as bufio ReadBytes('\n') returns it with io.EOF
    socket.on('end', () => socket.end());
  };
  // One listener per port, as main.go serves each port of its comma-separated first argument.
  const servers = [options.port, ...(options.extraPorts ?? [])].map(() => net.createServer(handle));
  const ports: number[] = [];
  for (const [i, server] of servers.entries()) {
    const wanted = i === 0 ? options.port : (options.extraPorts?.[i - 1] ?? 0);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // The first port may be a socket inherited from `up` (supervisor.ts reservePort).
      if (i === 0 && options.listenFd !== undefined)
        server.listen({ fd: options.listenFd }, () => resolve());
      else server.listen(wanted, host, () => resolve());
    });
    const address = server.address();
    ports.push(typeof address === 'object' && address ? address.port : wanted);
    options.log?.(`listening on ${host}:${ports[i]}, prefix: ${prefix}`);
  }
  const port = ports[0] ?? options.port;
  return {
    name: 'tcp-echo',
    version: options.version ?? 'v1',
    host,
    port,
    close: () =>
      Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              for (const s of sockets) s.destroy();
            }),
        ),
      ).then(() => undefined),
  };
}

// `nc HOST PORT` inside a pod, as busybox nc (the curl/sleep images' nc) behaves: stdin goes to the
// connection, whose bytes go to stdout; stdin's end half-closes the connection ("close outgoing
// half-connection so they get EOF", busybox networking/nc.c) and nc exits once the peer closes. The
// connection leaves through the pod's sidecar like any other: a CONNECT tunnel on its proxy env,
// which the sidecar treats as the captured connection to HOST:PORT (connect-tunnel.ts).
import net from 'node:net';
import { bypassesProxy, connectTunnel, httpsProxyFromEnv } from '../workloads/mesh-client.js';
import type { PodCommand } from './io.js';

const USAGE = 'Usage: nc [-w SEC] [-v] HOST PORT\n';

export const nc: PodCommand = async (args, io) => {
  let waitSec: number | undefined;
  let verbose = false;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '-w') waitSec = Number(args[++i]);
    else if (a.startsWith('-w') && a.length > 2) waitSec = Number(a.slice(2));
    else if (a === '-v') verbose = true;
    else if (a.startsWith('-') && a !== '-') {
      io.err(`nc: unrecognized option '${a}'\n${USAGE}`);
      return 1;
    } else rest.push(a);
  }
  const [host, portText] = rest;
  const port = Number(portText);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
    io.err(USAGE);
    return 1;
  }
  const env = io.env as NodeJS.ProcessEnv;
  const proxyRaw = bypassesProxy(host, env) ? undefined : httpsProxyFromEnv(env);
  let socket: net.Socket;
  try {
    socket = proxyRaw
      ? await connectTunnel(
          new URL(proxyRaw.includes('://') ? proxyRaw : `http://${proxyRaw}`),
          `${net.isIPv6(host) ? `[${host}]` : host}:${port}`,
        )
      : await direct(host, port);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') io.err(`nc: bad address '${host}'\n`);
    else io.err(`nc: can't connect to remote host (${host}): ${strerror(e)}\n`);
    return 1;
  }
  if (verbose) io.err(`${host} (${host}:${port}) open\n`);
  return new Promise<number>((resolve) => {
    let idle: NodeJS.Timeout | undefined;
    const arm = (): void => {
      if (waitSec === undefined || !(waitSec > 0)) return;
      clearTimeout(idle);
      idle = setTimeout(() => socket.destroy(), waitSec * 1000);
    };
    arm();
    socket.on('data', (chunk: Buffer) => {
      arm();
      io.out(chunk);
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(idle);
      resolve(0);
    });
    void io.readStdin().then((input) => {
      if (socket.destroyed) return;
      if (input.length > 0) socket.write(input);
      socket.end();
    });
  });
};

function direct(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

function strerror(e: NodeJS.ErrnoException): string {
  if (e.code === 'ECONNREFUSED') return 'Connection refused';
  if (e.code === 'ETIMEDOUT') return 'Connection timed out';
  if (e.code === 'EHOSTUNREACH') return 'No route to host';
  return e.message;
}

// Free local ports for workloads and sidecars: bind port 0, read the port, release it.
import { createServer } from 'node:net';
import { parseListenPort, parsePort } from '../units/index.js';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Parses `--port-map 80=8080,443=8443` (gateway port -> local port; 0 = any free port) for non-root users. */
export function parsePortMap(spec: string | undefined): Map<number, number> {
  const map = new Map<number, number>();
  if (!spec) return map;
  for (const part of spec.split(',')) {
    const [fromText, toText, extra] = part.split('=').map((s) => s.trim());
    const from = parsePort(fromText);
    const to = parseListenPort(toText);
    if (from === undefined || to === undefined || extra !== undefined) {
      throw new Error(`--port-map: "${part}" is not PORT=LOCALPORT (e.g. 80=8080)`);
    }
    map.set(from, to);
  }
  return map;
}

/** The local port a gateway server port binds to: mapped, else itself; below 1024 needs root or a mapping. */
export function localGatewayPort(
  port: number,
  map: ReadonlyMap<number, number>,
  offset = 0,
): number {
  const mapped = map.get(port);
  if (mapped !== undefined) return mapped;
  if (offset) return port + offset;
  return port;
}

// Starting the xDS server beside `switchyard up`'s own proxies: on the port asked for, or, when the
// port is only the default (istiod's 15010) and already taken, without xDS and with a line saying so.
import { XdsServer } from './ads-server.js';
import type { SecretSource } from './secrets.js';

export interface MeshXdsOptions {
  port: number;
  /** True when the port is the default rather than given with --xds-port. */
  defaultPort: boolean;
  /** The mesh CA's certificates for SDS. */
  secrets?: SecretSource;
}

export async function startMeshXds(
  options: MeshXdsOptions,
  out: (line: string) => void,
): Promise<XdsServer | undefined> {
  const server = new XdsServer({
    port: options.port,
    log: out,
    ...(options.secrets ? { secrets: options.secrets } : {}),
  });
  try {
    const port = await server.start();
    out(`xDS (ADS) listening on 127.0.0.1:${port}`);
    return server;
  } catch (err) {
    if (!options.defaultPort) throw err;
    out(
      `warning: xDS port ${options.port} is in use (${(err as Error).message}); not serving xDS (use --xds-port 0 for any free port)`,
    );
    return undefined;
  }
}

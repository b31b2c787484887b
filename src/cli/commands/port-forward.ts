// `switchyard port-forward pod/NAME|deploy/NAME|svc/NAME [LOCAL:]REMOTE...`: kubectl port-forward
// through the same API path (pods/portforward, SPDY/3.1 `portforward.k8s.io`: per connection an error
// and a data stream sharing a requestID), printing kubectl's "Forwarding from ..." lines
// (k8s.io/client-go tools/portforward/portforward.go). svc/NAME maps the service port to targetPort.
import type { Command } from 'commander';
import { request } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { defaultTokenPath, readTokenFile } from '../../admin/token.js';
import { SpdySession } from '../../kube/spdy/session.js';
import { addServerOptions, AdminClient, printError, type ServerFlags } from '../client.js';
import { EXIT } from '../exit-codes.js';
import { podPortFor, resolvePodTarget, TargetError } from '../pod-target.js';

interface PortForwardFlags extends ServerFlags {
  namespace: string;
  address: string;
}

export function registerPortForward(program: Command): void {
  addServerOptions(
    program
      .command('port-forward <target> <ports...>')
      .description(
        'forward local ports to a pod of the running mesh (as kubectl port-forward), e.g. port-forward svc/productpage 9080:9080',
      )
      .option('-n, --namespace <ns>', 'namespace', 'default')
      .option('--address <ip>', 'local address to listen on', '127.0.0.1'),
  ).action(async (target: string, specs: string[], opts: PortForwardFlags) => {
    try {
      const client = new AdminClient(opts);
      const pod = await resolvePodTarget(client, target, opts.namespace);
      const phase = (pod.podObject.status as { phase?: string } | undefined)?.phase;
      if (phase !== 'Running')
        throw new Error(
          `unable to forward port because pod is not running. Current status=${phase ?? ''}`,
        );
      const pairs = specs.map((spec) => {
        const [l, r] = spec.includes(':') ? spec.split(':') : [spec, spec];
        const remote = Number(r);
        if (!Number.isInteger(remote) || remote < 1 || remote > 65535)
          throw new Error(`invalid port format '${spec}'`);
        return { local: l === '' ? 0 : Number(l), remote: podPortFor(pod, remote) };
      });
      const token = opts.token ?? readTokenFile(defaultTokenPath());
      const session = await connect(
        client.server,
        `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.pod)}/portforward`,
        token,
      );
      let requestId = 0;
      for (const { local, remote } of pairs) {
        const server = createServer((socket: Socket) => {
          const id = String(requestId++);
          const headers = (type: string) =>
            new Map([
              ['streamtype', type],
              ['port', String(remote)],
              ['requestid', id],
            ]);
          const error = session.openStream(headers('error'));
          error.end();
          let message = '';
          error.onData((b) => (message += b.toString('utf8')));
          error.onEnd(() => {
            if (message)
              console.error(
                `error: an error occurred forwarding ${boundPort} -> ${remote}: ${message}`,
              );
          });
          const data = session.openStream(headers('data'));
          socket.on('data', (b: Buffer) => data.write(b));
          socket.on('end', () => data.end());
          socket.on('error', () => data.end());
          data.onData((b) => socket.write(b));
          data.onEnd(() => socket.end());
        });
        let boundPort = local;
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(local, opts.address, () => {
            boundPort = (server.address() as AddressInfo).port;
            resolve();
          });
        });
        console.log(`Forwarding from ${opts.address}:${boundPort} -> ${remote}`);
      }
      session.onClose(() => {
        console.error('error: lost connection to pod');
        process.exit(EXIT.failure);
      });
    } catch (err) {
      printError(err instanceof TargetError ? new Error(err.message) : err);
      process.exitCode = EXIT.failure;
    }
  });
}

/** POST with `Upgrade: SPDY/3.1` and `X-Stream-Protocol-Version: portforward.k8s.io`, as kubectl < 1.31. */
function connect(server: string, path: string, token: string | undefined): Promise<SpdySession> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, server);
    const req = request(url, {
      method: 'POST',
      headers: {
        connection: 'Upgrade',
        upgrade: 'SPDY/3.1',
        'x-stream-protocol-version': 'portforward.k8s.io',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
    req.on('upgrade', (_res, socket: Duplex, head: Buffer) => {
      const session = new SpdySession(
        { write: (b) => socket.write(b), end: () => socket.end() },
        () => undefined,
      );
      socket.on('data', (b: Buffer) => session.receive(b));
      socket.on('close', () => session.transportClosed());
      socket.on('error', () => socket.destroy());
      if (head.length) session.receive(head);
      resolve(session);
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => reject(new Error(`unable to upgrade connection: ${body.trim()}`)));
    });
    req.on('error', (err) => reject(err));
    req.end();
  });
}

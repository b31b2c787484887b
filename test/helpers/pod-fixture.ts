// A PodRuntime made of real sockets for the API server's exec/portforward/log tests: the "app" is a
// real HTTP server on port 0, the "sidecar" a real HTTP proxy endpoint on port 0 that answers every
// absolute-form request itself (so a test sees that exec'd commands leave through HTTP_PROXY), and
// each container keeps log lines that tests append to.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  PodContainerView,
  PodLogLine,
  PodLookupFailure,
  PodRuntime,
  PodView,
} from '../../src/model/pod-runtime.js';

export class FixtureContainer implements PodContainerView {
  running = true;
  readonly lines: PodLogLine[] = [];
  readonly previousLines: PodLogLine[] = [];
  private readonly followers = new Set<(l: PodLogLine) => void>();
  env: Record<string, string> = {};
  files = new Map<string, Buffer>();

  constructor(
    readonly name: string,
    readonly image: string,
  ) {}

  log(text: string, time = new Date()): void {
    const line = { time, text };
    this.lines.push(line);
    for (const fn of this.followers) fn(line);
  }

  readFile(path: string): Buffer | undefined {
    return this.files.get(path);
  }

  logs(previous: boolean): readonly PodLogLine[] {
    return previous ? this.previousLines : this.lines;
  }

  follow(onLine: (line: PodLogLine) => void): () => void {
    this.followers.add(onLine);
    return () => void this.followers.delete(onLine);
  }

  get followerCount(): number {
    return this.followers.size;
  }
}

export interface FixturePod extends PodView {
  phase: PodView['phase'];
  containers: FixtureContainer[];
  /** containerPort -> where it listens locally. */
  ports: Map<number, number>;
}

export interface PodFixture {
  runtime: PodRuntime;
  pods: Map<string, FixturePod>;
  app: Server;
  sidecar: Server;
  appPort: number;
  sidecarPort: number;
  /** Absolute-form request lines the sidecar received. */
  sidecarSaw: string[];
  /** A Pod object as the API lists it, for kubectl's GET before exec/logs/port-forward. */
  podObject(pod: FixturePod): Record<string, unknown>;
  close(): Promise<void>;
}

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

export async function startPodFixture(): Promise<PodFixture> {
  const app = createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`app answered ${req.method} ${req.url}\n`);
  });
  const sidecarSaw: string[] = [];
  const sidecar = createServer((req, res) => {
    sidecarSaw.push(`${req.method} ${req.url}`);
    res.setHeader('content-type', 'text/plain');
    res.setHeader('server', 'envoy');
    res.end(`sidecar routed ${req.method} ${req.url}\n`);
  });
  const appPort = await listen(app);
  const sidecarPort = await listen(sidecar);
  const pods = new Map<string, FixturePod>();
  const runtime: PodRuntime = {
    lookup(namespace, name): PodView | PodLookupFailure {
      const pod = pods.get(`${namespace}/${name}`);
      return pod ?? { code: 404, reason: 'NotFound', message: `pods "${name}" not found` };
    },
  };
  return {
    runtime,
    pods,
    app,
    sidecar,
    appPort,
    sidecarPort,
    sidecarSaw,
    podObject(pod) {
      return {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: pod.name,
          namespace: pod.namespace,
          uid: `uid-${pod.name}`,
          resourceVersion: '1',
          creationTimestamp: '2026-01-01T00:00:00Z',
          labels: { app: 'fixture' },
        },
        spec: {
          nodeName: 'switchyard',
          containers: pod.containers.map((c) => ({
            name: c.name,
            image: c.image,
            ports:
              c.name === 'istio-proxy'
                ? []
                : [...pod.ports.keys()].map((p) => ({ containerPort: p })),
          })),
        },
        status: {
          phase: pod.phase,
          podIP: pod.podIP,
          conditions: [{ type: 'Ready', status: pod.phase === 'Running' ? 'True' : 'False' }],
          containerStatuses: pod.containers.map((c) => ({
            name: c.name,
            ready: c.running,
            restartCount: 0,
            started: c.running,
          })),
        },
      };
    },
    close: async () => {
      await Promise.all(
        [app, sidecar].map(
          (s) =>
            new Promise<void>((r) => {
              s.closeAllConnections();
              s.close(() => r());
            }),
        ),
      );
    },
  };
}

/** A running pod with an `app` container (env with HTTP_PROXY at the fixture's sidecar) and istio-proxy. */
export function fixturePod(f: PodFixture, name: string, namespace = 'default'): FixturePod {
  const proxy = `http://127.0.0.1:${f.sidecarPort}`;
  const app = new FixtureContainer('app', 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.2');
  app.env = {
    HTTP_PROXY: proxy,
    http_proxy: proxy,
    HTTPS_PROXY: proxy,
    https_proxy: proxy,
    HOSTNAME: name,
    SERVICE_VERSION: 'v1',
  };
  app.files.set('/etc/certs/root-cert.pem', Buffer.from('-----BEGIN CERTIFICATE-----\nfixture\n'));
  const sidecar = new FixtureContainer('istio-proxy', 'docker.io/istio/proxyv2:1.24.0');
  sidecar.env = { HOSTNAME: name };
  const ports = new Map([[9080, f.appPort]]);
  const pod: FixturePod = {
    namespace,
    name,
    podIP: '127.0.0.1',
    phase: 'Running',
    containers: [app, sidecar],
    ports,
    resolvePort(port) {
      const local = ports.get(port);
      return local === undefined ? undefined : { host: '127.0.0.1', port: local };
    },
  };
  f.pods.set(`${namespace}/${name}`, pod);
  return pod;
}

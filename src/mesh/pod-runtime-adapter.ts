// Until the kubelet (Deployments -> ReplicaSets -> Pods) lands, the runner's workload instances presented
// as pods to the API server's exec / portforward / log: one app container named as the Pod object
// names it, plus `istio-proxy`, with the env the runner starts the app with (HTTP_PROXY at its sidecar),
// its output and its sidecar's access log as their logs. The kubelet's PodRuntime replaces this file.
import type { WorkloadInstance } from './workload-plan.js';
import type {
  PodContainerView,
  PodLogLine,
  PodLookupFailure,
  PodRuntime,
  PodView,
} from '../model/pod-runtime.js';

/** What the adapter reads of one running workload instance. */
export interface AdapterWorkload {
  instance: WorkloadInstance;
  /** containerPort -> the app's local port. */
  appPorts: Readonly<Record<string, number>>;
  host: string;
  /** The env the runner gave the app (HTTP_PROXY etc.). */
  env: Readonly<Record<string, string>>;
  ready: boolean;
  /** Proxy id (`<pod>.<namespace>`): its access-log lines are istio-proxy's log. */
  proxyId: string;
  /** Files the pod has (`/etc/certs/*.pem` from its workload certificate). */
  files(): ReadonlyMap<string, string>;
}

const MAX_LINES = 5000;

class LineBook {
  readonly lines: PodLogLine[] = [];
  readonly followers = new Set<(l: PodLogLine) => void>();

  push(text: string): void {
    const line = { time: new Date(), text };
    this.lines.push(line);
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
    for (const fn of this.followers) fn(line);
  }
}

export class PodRuntimeAdapter implements PodRuntime {
  private readonly books = new Map<string, LineBook>();

  constructor(private readonly workloads: () => readonly AdapterWorkload[]) {}

  /** A line the app printed (stdout or stderr, as a container runtime interleaves them). */
  appOutput(instanceName: string, line: string): void {
    this.book(`app/${instanceName}`).push(line);
  }

  /** An access-log line of a proxy. */
  proxyOutput(proxyId: string, line: string): void {
    this.book(`proxy/${proxyId}`).push(line.replace(/\n$/, ''));
  }

  lookup(namespace: string, name: string): PodView | PodLookupFailure {
    const w = this.workloads().find(
      (x) => x.instance.namespace === namespace && x.instance.name === name,
    );
    if (!w) return { code: 404, reason: 'NotFound', message: `pods "${name}" not found` };
    const env: Record<string, string> = {
      ...w.instance.launch.env,
      ...w.env,
      HOSTNAME: name,
    };
    const files = () => w.files();
    const container = (
      containerName: string,
      image: string,
      book: LineBook,
      containerEnv: Record<string, string>,
    ): PodContainerView => ({
      name: containerName,
      image,
      running: w.ready,
      env: containerEnv,
      readFile: (path) => {
        const f = files().get(path);
        return f === undefined ? undefined : Buffer.from(f);
      },
      // The runner keeps no output of an earlier instance of the process.
      logs: (previous) => (previous ? [] : [...book.lines]),
      follow: (fn) => {
        book.followers.add(fn);
        return () => void book.followers.delete(fn);
      },
    });
    return {
      namespace,
      name,
      podIP: w.host,
      phase: w.ready ? 'Running' : 'Pending',
      containers: [
        container(w.instance.owner, w.instance.launch.builtin ?? '', this.book(`app/${name}`), env),
        container('istio-proxy', 'docker.io/istio/proxyv2', this.book(`proxy/${w.proxyId}`), {
          HOSTNAME: name,
        }),
      ],
      resolvePort: (port) => {
        const local = w.appPorts[String(port)];
        return local === undefined ? undefined : { host: w.host, port: local };
      },
    };
  }

  private book(key: string): LineBook {
    let b = this.books.get(key);
    if (!b) this.books.set(key, (b = new LineBook()));
    return b;
  }
}

/** The runner's view of a workload, as much as the adapter reads. */
export interface RunnerWorkload {
  instance: WorkloadInstance;
  local: { appPorts?: Readonly<Record<string, number>> };
  proxy: {
    outbound?: { host: string; port: number };
    identity: { id: string };
    certificate: { get(): { certChain: string; privateKey: string; rootCert: string } };
  };
  ready: boolean;
}

export function adapterWorkload(w: RunnerWorkload, host: string): AdapterWorkload {
  // The env runner.ts starts the app with: HTTP(S)_PROXY at its sidecar's outbound listener.
  const proxyUrl = w.proxy.outbound
    ? `http://${w.proxy.outbound.host}:${w.proxy.outbound.port}`
    : '';
  return {
    instance: w.instance,
    appPorts: w.local.appPorts ?? {},
    host,
    env: {
      HTTP_PROXY: proxyUrl,
      http_proxy: proxyUrl,
      HTTPS_PROXY: proxyUrl,
      https_proxy: proxyUrl,
      NO_PROXY: '',
      SERVICE_VERSION: w.instance.labels.version ?? '',
    },
    ready: w.ready,
    proxyId: w.proxy.identity.id,
    files: () => {
      // Istio's legacy mounted-cert paths (/etc/certs, as its mTLS tasks `cat` them) and the
      // root istio-agent mounts at /var/run/secrets/istio/root-cert.pem.
      const id = w.proxy.certificate.get();
      return new Map([
        ['/etc/certs/cert-chain.pem', id.certChain],
        ['/etc/certs/key.pem', id.privateKey],
        ['/etc/certs/root-cert.pem', id.rootCert],
        ['/var/run/secrets/istio/root-cert.pem', id.rootCert],
      ]);
    },
  };
}

// The local kubelet: every Pod in the store (made by the controllers in workload-controller.ts, or
// applied bare) becomes an app process with its sidecar, restarted with the kubelet's back-off, probed
// for readiness, and reported back through the pod's status (as pkg/kubelet/status writes it); a pod
// deleted from the store is stopped and its ports freed. It also serves the pod subresources' view
// (PodRuntime: exec, port-forward, logs).
import { createServer } from 'node:net';
import {
  resourceFromObject,
  type ConfigStore,
  type KubePodSpec,
  type Resource,
} from '../config/index.js';
import type { JsonObject } from '../config/json-value.js';
import type {
  PodContainerView,
  PodLookupFailure,
  PodPhase,
  PodRuntime,
  PodView,
} from '../model/pod-runtime.js';
import type { LocalWorkload } from '../registry/index.js';
import { podLocality } from '../registry/index.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { systemRandom, type Random } from '../runtime/random.js';
import { ContainerBackoff, type BackoffPolicy } from './container-backoff.js';
import { ContainerLog } from './container-log.js';
import type { MeshProxy } from './mesh-proxy.js';
import { freePort } from './ports.js';
import { ReconcileLoop } from './reconcile-loop.js';
import { Supervisor, canConnect, type ChildRecord } from './supervisor.js';
import { readinessProbeOf, runProbe } from './readiness-probe.js';
import {
  LOCALITY_ANNOTATION,
  reconcileControllers,
  workloadNameOf,
} from './workload-controller.js';
import {
  launchFailed,
  launchForPod,
  type LaunchFailure,
  type LaunchSpec,
  type WorkloadInstance,
} from './workload-plan.js';
import { podStatus, type PodState } from './pod-status.js';
import { injectionFor, type Injection } from './injection.js';
import { PodEvents } from './pod-events.js';
import type { PlainEndpoint } from './service-proxy.js';

/** The sidecar's container name (istio/istio manifests/charts/istio-control/istio-discovery/files/injection-template.yaml). */
export const PROXY_CONTAINER = 'istio-proxy';
const PROXY_IMAGE = 'docker.io/istio/proxyv2:1.24.0';

export interface SidecarRequest {
  namespace: string;
  name: string;
  owner: string;
  labels: Record<string, string>;
  serviceAccount: string;
  podIP: string;
  containerPorts: readonly number[];
  /**
   * Ports the app listens on that no container port declares (tcp-echo's 9002) -> where the app
   * listens: Istio's sidecar still captures them (inbound passthrough chain).
   */
  passthroughPorts: ReadonlyMap<number, { host: string; port: number }>;
  /** The pod's istio-proxy log (the sidecar's access log lines). */
  log: ContainerLog;
}

export interface KubeletHooks {
  createSidecar(req: SidecarRequest): Promise<MeshProxy>;
  closeSidecar(mp: MeshProxy): Promise<void>;
  /** Where an uninjected pod's outbound HTTP goes (a plain service proxy), host:port. */
  plainProxy(): string | undefined;
  /** A pod's readiness or set of pods changed: the mesh reconciles its proxies. */
  changed(): void;
  out(line: string): void;
}

export interface KubeletOptions {
  store: ConfigStore;
  host: string;
  hooks: KubeletHooks;
  record?: ChildRecord;
  backoff?: BackoffPolicy;
  clock?: Clock;
  random?: Random;
  /** How often a not-yet-ready container is probed (ms). */
  probeIntervalMs?: number;
}

interface PodRecord extends PodState {
  key: string;
  uid: string;
  owner: string;
  pod: Resource;
  local: LocalWorkload;
  instance?: WorkloadInstance;
  appPorts: Map<number, number>;
  appPort: number;
  env: Record<string, string>;
  proxy?: MeshProxy;
  injection: Injection;
  logs: { app: ContainerLog; proxy: ContainerLog };
  removed: boolean;
  probe?: NodeJS.Timeout;
  /** Bumped at each (re)start of probing: a probe in flight from an older run is ignored. */
  probeToken: number;
  /** The app container's spec (its readinessProbe, ports). */
  container?: JsonObject;
}

export class Kubelet implements PodRuntime {
  private readonly records = new Map<string, PodRecord>();
  private readonly supervisor: Supervisor;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly loop: ReconcileLoop<null>;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly events: PodEvents;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private nextIp = 1;
  private podIpUsable = true;
  private readonly probeIntervalMs: number;

  constructor(private readonly options: KubeletOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? systemRandom;
    this.probeIntervalMs = options.probeIntervalMs ?? 200;
    this.events = new PodEvents(options.store, this.clock);
    this.loop = new ReconcileLoop(
      () => this.pass(),
      (err) => options.hooks.out(`error: kubelet: ${(err as Error).stack ?? String(err)}`),
    );
    this.supervisor = new Supervisor(
      {
        onStart: (key) => this.started(key),
        onExit: (key, code, signal) => this.exited(key, code, signal),
        onBackoff: (key, delay) => this.backingOff(key, delay),
        onOutput: (key, _stream, line) => this.records.get(key)?.logs.app.push(line),
      },
      options.record,
      new ContainerBackoff(options.backoff, this.clock),
    );
  }

  /** Starts watching the store; resolves after the first pass. */
  async start(): Promise<void> {
    this.podIpUsable = await canBind('127.1.0.1');
    this.unsubscribe = this.options.store.subscribe(() => this.request());
    await this.request();
  }

  /** Resolves when every pod is ready or cannot become ready without a change (or timeoutMs passed). */
  async settle(timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.loop.idle();
      await Promise.all([...this.pending]);
      const waiting = [...this.records.values()].filter(
        (r) => !r.ready && !launchFailed(r.launch) && r.restartCount === 0 && !r.removed,
      );
      if (waiting.length === 0 || Date.now() > deadline)
        return waiting.map((r) => `${r.namespace}/${r.name}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  request(): Promise<void> {
    return this.loop.request(null);
  }

  /** Every pod with a sidecar, for the mesh's reconcile. */
  sidecars(): { local: LocalWorkload; proxy: MeshProxy; ready: boolean }[] {
    return [...this.records.values()]
      .filter((r) => r.proxy && !r.removed)
      .map((r) => ({ local: r.local, proxy: r.proxy as MeshProxy, ready: r.ready }));
  }

  /** Pods without a sidecar: endpoints only. */
  plain(): { local: LocalWorkload; ready: boolean }[] {
    return [...this.records.values()]
      .filter((r) => !r.proxy && !r.removed && !launchFailed(r.launch))
      .map((r) => ({ local: { ...r.local, sidecar: false }, ready: r.ready }));
  }

  /** Every running pod as a plain Service proxy reaches it (service-proxy.ts). */
  plainEndpoints(): PlainEndpoint[] {
    return [...this.records.values()]
      .filter((r) => !r.removed)
      .map((r) => ({
        namespace: r.namespace,
        labels: r.pod.metadata.labels,
        ready: r.ready,
        ports: new Map(
          [...r.appPorts].map(([p, local]) => {
            const inbound = r.proxy?.inbound.get(p);
            return [
              p,
              inbound !== undefined
                ? { host: r.podIP, port: inbound }
                : { host: this.options.host, port: local },
            ];
          }),
        ),
      }));
  }

  /** The running pods, for the banner and `get proxies`. */
  pods(): readonly {
    namespace: string;
    name: string;
    owner: string;
    proxy?: MeshProxy;
    appPort: number;
    ready: boolean;
    pid?: number;
  }[] {
    return [...this.records.values()].map((r) => ({
      namespace: r.namespace,
      name: r.name,
      owner: r.owner,
      ...(r.proxy ? { proxy: r.proxy } : {}),
      appPort: r.appPort,
      ready: r.ready,
      ...(this.supervisor.pid(r.name, r.namespace) !== undefined
        ? { pid: this.supervisor.pid(r.name, r.namespace) }
        : {}),
    }));
  }

  pid(namespace: string, name: string): number | undefined {
    return this.supervisor.pid(name, namespace);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    await this.loop.idle();
    await Promise.all([...this.pending]);
    for (const r of this.records.values()) if (r.probe) clearTimeout(r.probe);
    await this.supervisor.stopAll();
  }

  // ------------------------------------------------------------------ the pass

  private async pass(): Promise<void> {
    if (this.stopped) return;
    const store = this.options.store;
    reconcileControllers(
      store,
      (p) => this.records.get(keyOf(p))?.ready ?? false,
      () => this.random.next(),
    );
    const pods = store.list('Pod');
    const seen = new Set<string>();
    for (const pod of pods) {
      const key = keyOf(pod);
      seen.add(key);
      const uid = uidOf(pod);
      const r = this.records.get(key);
      if (r && r.uid === uid) {
        r.pod = pod;
        continue;
      }
      if (r) this.remove(r);
      this.add(pod);
    }
    for (const r of [...this.records.values()]) if (!seen.has(r.key)) this.remove(r);
    this.writeStatuses();
  }

  private track<T>(p: Promise<T>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private allocateIp(): string {
    if (!this.podIpUsable) return this.options.host;
    const n = this.nextIp++;
    // 127.1.0.1, 127.1.0.2, ...: one loopback address per pod (Linux routes all of 127/8 to lo).
    return `127.1.${(n >> 8) & 255}.${n & 255}`;
  }

  private add(input: Resource): void {
    const namespaceLabels =
      this.options.store.get('Namespace', '', input.metadata.namespace)?.metadata.labels ?? {};
    const injection = injectionFor(input, namespaceLabels);
    const pod = injection.inject ? this.injected(input) : input;
    const rawSpec = (pod.spec ?? {}) as KubePodSpec;
    // The app containers: everything but the injected sidecar.
    const spec: KubePodSpec = {
      ...rawSpec,
      containers: (rawSpec.containers ?? []).filter((c) => c.name !== PROXY_CONTAINER),
    };
    const container = spec.containers?.[0];
    const launch = launchForPod(pod.metadata.annotations, spec);
    const containerPorts = (spec.containers ?? [])
      .flatMap((c) => (c.ports ?? []).map((p) => p.containerPort ?? 0))
      .filter((p) => p > 0);
    const podIP = this.allocateIp();
    const now = this.clock.now();
    const serviceAccount = spec.serviceAccountName ?? spec.serviceAccount ?? 'default';
    const owner = workloadNameOf(pod);
    const locality =
      pod.metadata.annotations[LOCALITY_ANNOTATION] ||
      podLocality(this.options.store.snapshot(), pod.metadata.labels, spec.nodeName || undefined);
    const r: PodRecord = {
      key: keyOf(pod),
      uid: uidOf(pod),
      namespace: pod.metadata.namespace,
      name: pod.metadata.name,
      owner,
      pod,
      podIP,
      hostIP: this.options.host,
      containerName: container?.name ?? owner,
      probeToken: 0,
      ...(container ? { container: container as unknown as JsonObject } : {}),
      image: container?.image ?? '',
      launch,
      sidecar: injection.inject,
      scheduledAt: now,
      running: false,
      ready: false,
      proxyReady: false,
      restartCount: 0,
      local: {
        name: pod.metadata.name,
        namespace: pod.metadata.namespace,
        labels: pod.metadata.labels,
        serviceAccount,
        address: podIP,
        ports: {},
        appAddress: this.options.host,
        appPorts: {},
        ...(locality ? { locality } : {}),
      },
      appPorts: new Map(),
      appPort: 0,
      env: {},
      injection,
      logs: { app: new ContainerLog(), proxy: new ContainerLog() },
      removed: false,
    };
    this.records.set(r.key, r);
    this.events.record(
      pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${r.namespace}/${r.name} to switchyard`,
      'default-scheduler',
    );
    if (launchFailed(launch)) {
      r.waiting = { reason: launch.reason, message: launch.message };
      this.events.record(
        pod,
        'Warning',
        launch.reason === 'ErrImageNeverPull' ? 'ErrImageNeverPull' : 'InspectFailed',
        `${launch.message}; ${launch.hint}`,
        'kubelet',
        `spec.containers{${r.containerName}}`,
      );
      return;
    }
    r.waiting = { reason: 'ContainerCreating', message: '' };
    this.track(this.startPod(r, launch, containerPorts, serviceAccount));
  }

  /**
   * What Istio's injection webhook adds at admission: the istio-proxy container and the
   * sidecar.istio.io/status annotation (istio/istio pkg/kube/inject/inject.go); written once.
   */
  private injected(pod: Resource): Resource {
    const raw = pod.raw as JsonObject;
    const spec = (raw.spec ?? {}) as JsonObject;
    const containers = (spec.containers ?? []) as JsonObject[];
    if (containers.some((c) => c.name === PROXY_CONTAINER)) return pod;
    const meta = (raw.metadata ?? {}) as JsonObject;
    const next = resourceFromObject(
      {
        ...raw,
        metadata: {
          ...meta,
          annotations: {
            ...((meta.annotations as JsonObject | undefined) ?? {}),
            'sidecar.istio.io/status': JSON.stringify({
              initContainers: null,
              containers: [PROXY_CONTAINER],
              volumes: [
                'istio-envoy',
                'istio-data',
                'istio-podinfo',
                'istio-token',
                'istiod-ca-cert',
              ],
              imagePullSecrets: null,
            }),
          },
        },
        spec: {
          ...spec,
          containers: [
            ...containers,
            {
              name: PROXY_CONTAINER,
              image: PROXY_IMAGE,
              args: ['proxy', 'sidecar', '--domain', `${pod.metadata.namespace}.svc.cluster.local`],
              ports: [{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }],
            },
          ],
        },
      } as unknown as JsonObject,
      pod.metadata.namespace,
    );
    if (!next) return pod;
    try {
      return this.options.store.update(next);
    } catch {
      return pod;
    }
  }

  private async startPod(
    r: PodRecord,
    launch: LaunchSpec,
    containerPorts: readonly number[],
    serviceAccount: string,
  ): Promise<void> {
    const host = this.options.host;
    const ports = [...new Set([...containerPorts, ...(launch.listenPorts ?? [])])];
    for (const [i, p] of ports.entries())
      // The first is the port the app serves: held bound until it starts (supervisor.reservePort).
      r.appPorts.set(p, await (i === 0 ? this.supervisor.reservePort(host) : freePort(host)));
    r.appPort =
      r.appPorts.get(containerPorts[0] ?? -1) ??
      r.appPorts.values().next().value ??
      (await freePort(host));
    r.local.appPorts = Object.fromEntries(
      containerPorts.map((p) => [String(p), r.appPorts.get(p) ?? 0]),
    );
    let proxyUrl: string | undefined;
    if (r.sidecar) {
      try {
        const mp = await this.options.hooks.createSidecar({
          namespace: r.namespace,
          name: r.name,
          owner: r.owner,
          labels: { ...r.pod.metadata.labels },
          serviceAccount,
          podIP: r.podIP,
          containerPorts,
          passthroughPorts: new Map(
            [...r.appPorts]
              .filter(([p]) => !containerPorts.includes(p))
              .map(([p, local]) => [p, { host, port: local }]),
          ),
          log: r.logs.proxy,
        });
        if (r.removed) {
          this.supervisor.release(r.appPort);
          await this.options.hooks.closeSidecar(mp);
          return;
        }
        r.proxy = mp;
        r.proxyReady = true;
        r.local.ports = Object.fromEntries([...mp.inbound].map(([p, local]) => [String(p), local]));
        proxyUrl = mp.outbound ? `http://${mp.outbound.host}:${mp.outbound.port}` : undefined;
        this.events.record(
          r.pod,
          'Normal',
          'Started',
          `Started container ${PROXY_CONTAINER}`,
          'kubelet',
          `spec.containers{${PROXY_CONTAINER}}`,
        );
      } catch (err) {
        this.options.hooks.out(`error: pod ${r.key}: sidecar: ${(err as Error).message}`);
        this.supervisor.release(r.appPort);
        return;
      }
    } else {
      r.local.ports = Object.fromEntries(
        containerPorts.map((p) => [String(p), r.appPorts.get(p) ?? 0]),
      );
      r.local.address = host;
      const plain = this.options.hooks.plainProxy();
      proxyUrl = plain ? `http://${plain}` : undefined;
    }
    if (r.removed || this.stopped) {
      this.supervisor.release(r.appPort);
      return;
    }
    r.env = {
      ...launch.env,
      ...(proxyUrl
        ? {
            HTTP_PROXY: proxyUrl,
            http_proxy: proxyUrl,
            // https:// leaves through the same sidecar socket with CONNECT (connect-tunnel.ts).
            HTTPS_PROXY: proxyUrl,
            https_proxy: proxyUrl,
            NO_PROXY: '',
          }
        : {}),
      SERVICE_VERSION: r.pod.metadata.labels.version ?? '',
      HOSTNAME: r.name,
      POD_NAME: r.name,
      POD_NAMESPACE: r.namespace,
      INSTANCE_IP: r.podIP,
    };
    r.instance = {
      name: r.name,
      owner: r.owner,
      namespace: r.namespace,
      labels: r.pod.metadata.labels,
      serviceAccount,
      containerPorts,
      launch,
      ...(r.local.locality ? { locality: r.local.locality } : {}),
    };
    this.events.record(
      r.pod,
      'Normal',
      'Pulled',
      `Container image "${r.image}" already present on machine`,
      'kubelet',
      `spec.containers{${r.containerName}}`,
    );
    this.events.record(
      r.pod,
      'Normal',
      'Created',
      `Created container ${r.containerName}`,
      'kubelet',
      `spec.containers{${r.containerName}}`,
    );
    this.supervisor.start(r.instance, r.appPort, r.env, r.appPorts);
  }

  private remove(r: PodRecord): void {
    r.removed = true;
    this.records.delete(r.key);
    if (r.probe) clearTimeout(r.probe);
    this.events.record(
      r.pod,
      'Normal',
      'Killing',
      `Stopping container ${r.containerName}`,
      'kubelet',
      `spec.containers{${r.containerName}}`,
    );
    const proxy = r.proxy;
    this.track(
      (async () => {
        await this.supervisor.stop(r.namespace, r.name);
        if (proxy) await this.options.hooks.closeSidecar(proxy);
        this.options.hooks.changed();
      })(),
    );
  }

  private started(key: string): void {
    const r = this.records.get(key);
    if (!r) return;
    if (r.startedAt !== undefined) r.logs.app.restarted();
    r.running = true;
    r.startedAt = this.clock.now();
    r.waiting = undefined;
    this.events.record(
      r.pod,
      'Normal',
      'Started',
      `Started container ${r.containerName}`,
      'kubelet',
      `spec.containers{${r.containerName}}`,
    );
    this.probe(r);
    void this.request();
  }

  /**
   * The container's readinessProbe (httpGet / tcpSocket) when it has one, run for as long as the
   * container runs; else, with ports, a tcpSocket check of the first port until it answers; without
   * ports, ready once running.
   */
  private probe(r: PodRecord): void {
    if (r.probe) clearTimeout(r.probe);
    const token = ++r.probeToken;
    const spec = readinessProbeOf(r.container);
    const local = spec ? r.appPorts.get(spec.port) : undefined;
    if (spec && local !== undefined) {
      // worker.go: the readiness result starts as Failure and changes once a threshold agrees.
      let last: boolean | undefined;
      let run = 0;
      const started = this.clock.now();
      const tick = async (): Promise<void> => {
        r.probe = undefined;
        if (!r.running || r.removed || this.stopped || token !== r.probeToken) return;
        if (this.clock.now() - started >= spec.initialDelayMs) {
          const res = await runProbe(spec, { host: this.options.host, port: local }, r.podIP);
          if (!r.running || r.removed || this.stopped || token !== r.probeToken) return;
          run = res.ok === last ? run + 1 : 1;
          last = res.ok;
          if (!res.ok)
            // pkg/kubelet/prober/prober.go: "%s probe failed: %s", reason Unhealthy (events.go).
            this.events.record(
              r.pod,
              'Warning',
              'Unhealthy',
              `Readiness probe failed: ${res.output}`,
              'kubelet',
              `spec.containers{${r.containerName}}`,
            );
          if (run >= (res.ok ? spec.successThreshold : spec.failureThreshold))
            this.setReady(r, res.ok);
        }
        r.probe = setTimeout(() => void tick(), spec.periodMs);
      };
      void tick();
      return;
    }
    const ports = Object.keys(r.local.appPorts ?? {});
    if (ports.length === 0) {
      this.setReady(r, true);
      return;
    }
    const attempt = async () => {
      r.probe = undefined;
      if (!r.running || r.removed || this.stopped) return;
      if (await canConnect(r.appPort)) {
        this.setReady(r, true);
        return;
      }
      r.probe = setTimeout(() => void attempt(), this.probeIntervalMs);
    };
    void attempt();
  }

  private setReady(r: PodRecord, ready: boolean): void {
    if (r.ready === ready) return;
    r.ready = ready;
    r.readyChangedAt = this.clock.now();
    this.options.hooks.changed();
    void this.request();
  }

  private exited(key: string, code: number | null, signal: NodeJS.Signals | null): void {
    const r = this.records.get(key);
    if (!r) return;
    if (r.probe) clearTimeout(r.probe);
    r.running = false;
    const exitCode = code ?? 128 + signalNumber(signal);
    r.lastTerminated = {
      exitCode,
      ...(signal ? { signal } : {}),
      // pkg/kubelet/kuberuntime: reason Completed for exit 0, Error otherwise (OOMKilled not modelled).
      reason: exitCode === 0 ? 'Completed' : 'Error',
      startedAt: r.startedAt ?? this.clock.now(),
      finishedAt: this.clock.now(),
    };
    if (!this.stopped && !r.removed)
      this.options.hooks.out(
        `pod ${r.key}: container ${r.containerName} exited (${signal ?? code}); restarting`,
      );
    this.setReady(r, false);
    void this.request();
  }

  private backingOff(key: string, delayMs: number): void {
    const r = this.records.get(key);
    if (!r) return;
    r.restartCount++;
    if (delayMs > 0) {
      const backoff = Math.round(this.supervisor.backoffMs(r.namespace, r.name) / 1000);
      // pkg/kubelet/kuberuntime/kuberuntime_manager.go doBackOff: the CrashLoopBackOff message.
      r.waiting = {
        reason: 'CrashLoopBackOff',
        message: `back-off ${formatSeconds(backoff)} restarting failed container=${r.containerName} pod=${r.name}_${r.namespace}(${r.uid})`,
      };
      this.events.record(
        r.pod,
        'Warning',
        'BackOff',
        'Back-off restarting failed container',
        'kubelet',
        `spec.containers{${r.containerName}}`,
      );
    }
    void this.request();
  }

  private writeStatuses(): void {
    const store = this.options.store;
    const now = this.clock.now();
    for (const r of this.records.values()) {
      const live = store.get('Pod', r.namespace, r.name);
      if (!live || uidOf(live) !== r.uid) continue;
      const status = podStatus(r, now);
      const before = JSON.stringify((live.raw as JsonObject).status ?? null);
      if (before === JSON.stringify(status)) continue;
      const next = resourceFromObject(
        { ...(live.raw as JsonObject), status } as unknown as JsonObject,
        r.namespace,
      );
      if (!next) continue;
      try {
        r.pod = store.update(next);
      } catch (err) {
        this.options.hooks.out(`error: pod ${r.key}: writing status: ${(err as Error).message}`);
      }
    }
  }

  // ------------------------------------------------------------------ PodRuntime

  lookup(namespace: string, name: string): PodView | PodLookupFailure {
    const r = this.records.get(`${namespace}/${name}`);
    if (!r) return { code: 404, reason: 'NotFound', message: `pods "${name}" not found` };
    const app: PodContainerView = {
      name: r.containerName,
      image: r.image,
      running: r.running,
      env: { ...r.env },
      readFile: (path) => this.readFile(r, path),
      logs: (previous) => r.logs.app.lines(previous),
      follow: (fn) => r.logs.app.follow(fn),
    };
    const containers: PodContainerView[] = [app];
    if (r.proxy)
      containers.push({
        name: PROXY_CONTAINER,
        image: PROXY_IMAGE,
        running: r.proxyReady,
        env: { ...r.env },
        readFile: (path) => this.readFile(r, path),
        logs: (previous) => r.logs.proxy.lines(previous),
        follow: (fn) => r.logs.proxy.follow(fn),
      });
    const phase: PodPhase = podStatus(r, this.clock.now()).phase as PodPhase;
    return {
      namespace,
      name,
      podIP: r.podIP,
      phase,
      containers,
      resolvePort: (port) => {
        const local = r.appPorts.get(port);
        return local !== undefined ? { host: this.options.host, port: local } : undefined;
      },
    };
  }

  /** The files a pod "has": its workload certificate under /etc/certs (Istio's legacy mount paths). */
  private readFile(r: PodRecord, path: string): Buffer | undefined {
    const id = r.proxy?.certificate.get();
    if (!id) return undefined;
    if (path === '/etc/certs/cert-chain.pem') return Buffer.from(id.certChain);
    if (path === '/etc/certs/key.pem') return Buffer.from(id.privateKey);
    if (path === '/etc/certs/root-cert.pem') return Buffer.from(id.rootCert);
    return undefined;
  }
}

function keyOf(pod: Resource): string {
  return `${pod.metadata.namespace}/${pod.metadata.name}`;
}

function uidOf(pod: Resource): string {
  return String((pod.raw.metadata as Record<string, unknown> | undefined)?.uid ?? '');
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const table: Record<string, number> = {
    SIGKILL: 9,
    SIGTERM: 15,
    SIGINT: 2,
    SIGSEGV: 11,
    SIGABRT: 6,
  };
  return signal ? (table[signal] ?? 0) : 0;
}

/** Go's time.Duration String for whole seconds (10s, 1m20s, 5m0s), as the back-off message prints it. */
function formatSeconds(s: number): string {
  if (s < 60) return `${s}s`;
  return `${Math.floor(s / 60)}m${s % 60}s`;
}

function canBind(host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(0, host, () => server.close(() => resolve(true)));
  });
}

export type { LaunchFailure };

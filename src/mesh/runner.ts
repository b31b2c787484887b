// The local mesh: a config store, one in-process sidecar per workload process, the ingress and egress
// gateways, and the admin API — what `switchyard up` starts, recompiled on every config change.
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigStore,
  StoreError,
  formatDiagnostic,
  loadResources,
  meshConfigFrom,
  type ConfigSnapshot,
  type Resource,
} from '../config/index.js';
import {
  createToken,
  defaultTokenPath,
  startAdminServer,
  switchyardHome,
  writeTokenFile,
  type AdminServer,
  type ProxyInfo,
} from '../admin/index.js';
import { registerProxyRoutes } from '../admin/proxy-routes.js';
import { SnapshotCache } from '../compile/index.js';
import { RegistryCache } from '../registry/index.js';
import { createMeshCa, meshCaSecrets } from './mesh-ca.js';
import { Kubelet } from './kubelet.js';
import type { PodRuntime } from '../model/pod-runtime.js';
import type { ContainerLog } from './container-log.js';
import type { BackoffPolicy } from './container-backoff.js';
import { RunRecord, stopLeftovers } from './run-record.js';
import { MeshTelemetry, registerTelemetryRoutes } from '../telemetry/index.js';
import { registerExplainRoute } from '../admin/explain-route.js';
import { formatHostPort } from '../units/index.js';
import { certRoots } from './cert-roots.js';
import type { TlsFileRoots } from '../compile/tls-files.js';
import { defaultKubeconfigPath, writeKubeconfig } from '../kube/kubeconfig.js';
import { resourceFromObject } from '../config/store.js';
import type { JsonObject } from '../config/json-value.js';
import { adminHandle, createMeshProxy, type MeshProxy, type MeshProxyKind } from './mesh-proxy.js';
import { ReconcileLoop } from './reconcile-loop.js';
import { reconcileProxies } from './reconcile.js';
import { watchFiles, type FileWatch } from './file-watch.js';
import { bannerLines } from './banner.js';
import { ServiceProxy } from './service-proxy.js';
import { startMeshXds, type MeshXdsOptions } from '../xds/start.js';
import type { XdsServer } from '../xds/index.js';
import { openStateStore, type StateStore } from './state-store.js';
import { meshConnectionBudget } from './connection-budget.js';
import { ClusterMirror } from './cluster-mirror.js';

export interface MeshOptions {
  /** Config files/dirs (`up -f`), watched and re-applied on save. */
  files: readonly string[];
  recursive?: boolean;
  /** Extra resources (e.g. the Bookinfo demo) applied before the files. */
  baseResources?: readonly Resource[];
  adminPort: number;
  /** Seed for every proxy's Random (reproducible runs); default: Math.random. */
  seed?: number;
  host?: string;
  /** Gateway server port -> local port (ports below 1024 need root otherwise). */
  portMap?: ReadonlyMap<number, number>;
  /** Where per-proxy access logs go; default `<SWITCHYARD_HOME>/logs`. */
  logDir?: string;
  watchFiles?: boolean;
  /** How long `up` waits for pods to become ready before it serves anyway (default 20 s). */
  readyTimeoutMs?: number;
  /** The kubelet's restart back-off (default Kubernetes': 10 s doubling to 5 min); tests shorten it. */
  backoff?: BackoffPolicy;
  /** `up --cert-root DIR`: more directories certificate/key paths in config may name. */
  certRoots?: readonly string[];
  /** `up --xds-port`: serve the mesh's config over xDS too (src/xds). */
  xds?: MeshXdsOptions;
  /** `up --fresh`: discard the config store saved in `$SWITCHYARD_HOME/state` by earlier runs. */
  fresh?: boolean;
  /** `up --max-connections`: downstream connections all proxies together accept (connection-budget.ts). */
  maxConnections?: number;
  /** `up --kubeconfig`: Istio config from that Kubernetes API server instead of the store (cluster-mirror.ts). */
  kubeconfig?: string;
  out?: (line: string) => void;
}

/** Istio's default gateways, as the istio-ingressgateway / istio-egressgateway Deployments label them. */
const GATEWAYS: readonly { kind: MeshProxyKind; name: string; labels: Record<string, string> }[] = [
  {
    kind: 'ingressgateway',
    name: 'istio-ingressgateway',
    labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
  },
  {
    kind: 'egressgateway',
    name: 'istio-egressgateway',
    labels: { app: 'istio-egressgateway', istio: 'egressgateway' },
  },
];

export class Mesh {
  readonly store: ConfigStore;
  /** Istio's standard metrics per proxy and the live service graph. */
  readonly telemetry = new MeshTelemetry();
  private readonly proxies = new Map<string, MeshProxy>();
  /** The local kubelet: every Pod in the store runs as a process with its sidecar (kubelet.ts). */
  private readonly kubelet: Kubelet;
  /** Uninjected pods' HTTP_PROXY: Services without the mesh's routing (service-proxy.ts). */
  private readonly serviceProxy: ServiceProxy;
  private serviceProxyAddress: string | undefined;
  /** The pods as the API server's exec/portforward/log subresources see them. */
  readonly pods: PodRuntime;
  private admin: AdminServer | undefined;
  private readonly compileCache = new SnapshotCache();
  private readonly registries = new RegistryCache();
  private fileWatch: FileWatch | undefined;
  /** One reconcile at a time, latest config wins (reconcile-loop.ts). */
  private readonly reconciler = new ReconcileLoop<ConfigSnapshot>(
    (config) => this.reconcilePass(config),
    (err) => this.out(`error: reconciling: ${(err as Error).message}`),
  );
  private xds: XdsServer | undefined;
  private mirror: ClusterMirror | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly out: (line: string) => void;
  private readonly host: string;
  private readonly logDir: string;
  private stopping = false;
  private readonly tlsFileRoots: TlsFileRoots;
  /** Compile warnings already printed: each is said once, not on every recompile of every proxy. */
  private readonly warned = new Set<string>();
  /** This run's pid file: what a later `up` stops if this one dies without cleaning up. */
  private runRecord: RunRecord | undefined;
  private state: StateStore | undefined;
  private readonly connections: ReturnType<typeof meshConnectionBudget>;
  tokenPath = '';
  /** The kubeconfig written for kubectl (context `switchyard`, the admin token as bearer token). */
  kubeconfigPath = '';
  private startedAt = 0;
  /** The mesh CA (istiod's): every proxy gets a SPIFFE workload certificate from it (mesh-ca.ts). */
  readonly ca = createMeshCa();

  constructor(private readonly options: MeshOptions) {
    this.out = options.out ?? ((l) => console.log(l));
    this.host = options.host ?? '127.0.0.1';
    this.logDir = options.logDir ?? join(switchyardHome(), 'logs');
    this.tlsFileRoots = certRoots({ files: options.files, extra: options.certRoots ?? [] });
    this.store = new ConfigStore();
    this.connections = meshConnectionBudget(options.maxConnections);
    this.kubelet = new Kubelet({
      store: this.store,
      host: this.host,
      ...(options.backoff ? { backoff: options.backoff } : {}),
      record: {
        add: (pid, name) => this.runRecord?.add(pid, name),
        remove: (pid) => this.runRecord?.remove(pid),
      },
      hooks: {
        createSidecar: (req) => this.createSidecar(req),
        closeSidecar: (mp) => this.closeSidecar(mp),
        plainProxy: () => this.serviceProxyAddress,
        changed: () => void this.requestReconcile(),
        out: this.out,
      },
    });
    this.pods = this.kubelet;
    this.serviceProxy = new ServiceProxy(this.store, () => this.kubelet.plainEndpoints());
  }

  /** Loads config, starts proxies, gateways, workloads and the admin API; resolves once serving. */
  async start(): Promise<void> {
    // Before binding anything: a crashed earlier run's workloads may still hold ports and CPU.
    const home = switchyardHome();
    for (const p of await stopLeftovers(home))
      this.out(`stopped ${p.name} (pid ${p.pid}), left over from an earlier switchyard up`);
    this.runRecord = new RunRecord(home);
    // State and logs are the user's alone (docs/security-model.md): 0700, tightened if they existed.
    mkdirSync(this.logDir, { recursive: true, mode: 0o700 });
    for (const dir of [home, this.logDir]) tighten(dir);
    // What earlier runs committed comes back first; -f files and the demo re-apply on top.
    this.state = openStateStore(this.store, join(home, 'state'), { fresh: !!this.options.fresh });
    for (const line of this.state.lines) this.out(line);
    const loaded = loadResources(this.options.files, { recursive: this.options.recursive });
    const errors = loaded.diagnostics.filter((d) => d.level === 'Error');
    if (errors.length > 0) throw new MeshConfigError(errors.map(formatDiagnostic));
    for (const d of loaded.diagnostics) this.out(formatDiagnostic(d));
    if (loaded.meshConfig) this.store.setMeshConfig(meshConfigFrom(loaded.meshConfig.value));
    try {
      this.store.apply([...(this.options.baseResources ?? []), ...loaded.resources]);
    } catch (err) {
      if (err instanceof StoreError) throw new MeshConfigError(storeErrorLines(err));
      throw err;
    }
    if (this.options.kubeconfig) {
      this.mirror = new ClusterMirror(this.store, this.options.kubeconfig, this.out);
      this.out(`reading Istio config from the Kubernetes API at ${this.mirror.server}`);
      await this.mirror.start();
    }
    this.labelWorkloadNamespaces();
    for (const gw of GATEWAYS) {
      this.newProxy(
        `${gw.name}-0.istio-system`,
        gw.kind,
        gw.name,
        gw.labels,
        'istio-system',
        `${gw.name}-service-account`,
        this.host,
      );
    }
    // The gateways' first certificates, generated off the event loop in parallel (istio-agent fetches
    // them before Envoy starts); each pod's sidecar gets its own before its app starts.
    await Promise.all([...this.proxies.values()].map((mp) => mp.certificate.ready()));
    if (this.options.xds)
      this.xds = await startMeshXds(
        { ...this.options.xds, secrets: meshCaSecrets(this.ca) },
        this.out,
      );
    await this.reconciler.request(this.store.snapshot());
    this.unsubscribe = this.store.subscribe(() => void this.requestReconcile());

    // The kubelet runs every pod (the demo's and the files' Deployments are pods like any other);
    // a pod that does not become ready is reported, never fatal to the rest of the mesh.
    const token = createToken();
    this.tokenPath = defaultTokenPath();
    writeTokenFile(this.tokenPath, token);
    this.admin = await startAdminServer({
      store: this.store,
      token,
      host: '127.0.0.1',
      port: this.options.adminPort,
    });
    // kubectl can watch the pods start; /ready says 200 only once they have settled.
    this.admin.setReady(false);
    this.registerAdminRoutes(this.admin);
    this.startedAt = Date.now();
    this.admin.pods.setRuntime(this.pods);
    this.kubeconfigPath = writeKubeconfig(
      this.admin.tlsUrl,
      token,
      defaultKubeconfigPath(),
      this.admin.servingCert.cert,
    );

    this.serviceProxyAddress = await this.serviceProxy.listen(this.host);
    await this.kubelet.start();
    for (const key of await this.kubelet.settle(this.options.readyTimeoutMs ?? 20_000))
      this.out(`warning: pod ${key} is not ready yet; the mesh serves without it`);
    await this.reconciler.idle();
    if (this.options.watchFiles !== false)
      this.fileWatch = watchFiles(this.options.files, () => this.reapplyFiles(), 200, {
        recursive: this.options.recursive,
      });
    this.admin.setReady(true);
  }

  private newProxy(
    id: string,
    kind: MeshProxyKind,
    workload: string,
    labels: Record<string, string>,
    namespace: string,
    serviceAccount: string,
    ip: string,
    log?: ContainerLog,
  ): MeshProxy {
    const mp = createMeshProxy(
      { id, kind, workload, labels, namespace, serviceAccount, ip },
      {
        ...(log ? { onAccessLog: (line: string) => log.push(line.replace(/\n$/, '')) } : {}),
        ca: this.ca,
        globalConnections: this.connections,
        logDir: this.logDir,
        accessLogEncoding: this.store.snapshot().meshConfig.accessLogEncoding,
        ...(this.options.seed !== undefined ? { seed: this.options.seed } : {}),
      },
    );
    this.proxies.set(id, mp);
    this.telemetry.attach(mp.proxy, mp.identity, workload);
    return mp;
  }

  /** A pod's sidecar: outbound for its app, one inbound per container port on the pod's IP. */
  private async createSidecar(req: {
    namespace: string;
    name: string;
    owner: string;
    labels: Record<string, string>;
    serviceAccount: string;
    podIP: string;
    containerPorts: readonly number[];
    passthroughPorts: ReadonlyMap<number, { host: string; port: number }>;
    log: ContainerLog;
  }): Promise<MeshProxy> {
    const mp = this.newProxy(
      `${req.name}.${req.namespace}`,
      'sidecar',
      req.owner,
      req.labels,
      req.namespace,
      req.serviceAccount,
      req.podIP,
      req.log,
    );
    try {
      mp.outbound = await mp.proxy.listen('virtualOutbound', { host: this.host, port: 0 });
      for (const containerPort of req.containerPorts) {
        const bound = await mp.proxy.listen(
          'virtualInbound',
          { host: req.podIP, port: 0 },
          { destinationPort: containerPort },
        );
        mp.inbound.set(containerPort, bound.port);
      }
      // Undeclared ports on the pod's own IP (never on a shared 127.0.0.1): a connection to
      // podIP:<port> reaches the app as Istio's inbound passthrough chain forwards it.
      if (req.podIP !== this.host)
        for (const [port, app] of req.passthroughPorts)
          await mp.proxy
            .listen(
              'virtualInbound',
              { host: req.podIP, port },
              { destinationPort: port, passthrough: app },
            )
            .catch((err: Error) =>
              this.out(`warning: pod ${req.name}: passthrough port ${port}: ${err.message}`),
            );
      await mp.certificate.ready();
      // Its first config before its app starts (Envoy is ready before the app, holdApplicationUntilProxyStarts).
      await this.requestReconcile();
    } catch (err) {
      await this.closeSidecar(mp);
      throw err;
    }
    return mp;
  }

  private async closeSidecar(mp: MeshProxy): Promise<void> {
    this.proxies.delete(mp.identity.id);
    await mp.proxy.close(5000);
    mp.certificate.close();
  }

  /**
   * Istio's docs label a namespace before deploying into it (`kubectl label namespace default
   * istio-injection=enabled`): `up` does so for `default` and every namespace its config puts
   * workloads in that has no Namespace object of its own.
   */
  private labelWorkloadNamespaces(): void {
    const namespaces = new Set(['default']);
    for (const r of this.store.list())
      if (['Deployment', 'Pod', 'Workload'].includes(r.kind)) namespaces.add(r.metadata.namespace);
    for (const ns of namespaces) {
      if (this.store.get('Namespace', '', ns)) continue;
      const resource = resourceFromObject(
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: {
            name: ns,
            labels: { 'kubernetes.io/metadata.name': ns, 'istio-injection': 'enabled' },
          },
        } as unknown as JsonObject,
        '',
      );
      if (resource) this.store.create(resource);
    }
  }

  /** Asks the reconcile loop for a pass with the store's latest config (never an older one). */
  private requestReconcile(): Promise<void> {
    return this.reconciler.request(this.store.snapshot());
  }

  /** One reconcile pass; a newly bound egress listener asks for one more (sidecars must see it). */
  private async reconcilePass(config: ConfigSnapshot): Promise<void> {
    const { egressBound } = await reconcileProxies(
      {
        host: this.host,
        proxies: () => this.proxies.values(),
        sidecars: () => this.kubelet.sidecars(),
        plain: () => this.kubelet.plain(),
        compileCache: this.compileCache,
        registries: this.registries,
        tlsFileRoots: this.tlsFileRoots,
        portMap: this.options.portMap ?? new Map(),
        warned: this.warned,
        out: this.out,
        onRegistry: (c, registry) => this.xds?.update({ config: c, registry }),
      },
      config,
    );
    if (egressBound) void this.requestReconcile();
  }

  /** Resolves once no reconcile pass is running or queued (every proxy has the latest config). */
  settled(): Promise<void> {
    return this.reconciler.idle();
  }

  /** The config revision each proxy last received, by proxy id. */
  proxyRevisions(): Map<string, number> {
    return new Map([...this.proxies].map(([id, mp]) => [id, mp.proxy.snapshot()?.version ?? -1]));
  }

  /** What `get proxies` and `load --from` read. */
  proxyInfos(): ProxyInfo[] {
    return [...this.proxies.values()].map((mp) => ({
      name: mp.identity.id,
      kind: mp.kind,
      workload: mp.workload,
      namespace: mp.identity.namespace,
      listeners: [
        ...(mp.outbound ? [`outbound ${formatHostPort(mp.outbound.host, mp.outbound.port)}`] : []),
        ...[...mp.inbound].map(
          ([port, local]) => `inbound ${port} -> ${formatHostPort(mp.identity.ip, local)}`,
        ),
        ...[...mp.gatewayListeners]
          .filter(([, p]) => p > 0)
          .map(([name, p]) => `${name} ${formatHostPort(this.host, p)}`),
      ],
      ...(mp.outbound ? { outbound: formatHostPort(mp.outbound.host, mp.outbound.port) } : {}),
      ready: this.kubelet.pods().find((p) => p.proxy === mp)?.ready ?? true,
      pid:
        mp.kind === 'sidecar'
          ? this.kubelet.pid(mp.identity.namespace, mp.identity.id.split('.')[0] ?? '')
          : process.pid,
    }));
  }

  private findProxy(name: string | null): MeshProxy | undefined {
    if (!name) return undefined;
    const exact = this.proxies.get(name);
    if (exact) return exact;
    return [...this.proxies.values()].find(
      (p) => p.identity.id.startsWith(name) || p.workload === name,
    );
  }

  private registerAdminRoutes(admin: AdminServer): void {
    admin.setProxyProvider(() => this.proxyInfos());
    registerTelemetryRoutes(admin, this.telemetry, (name) => this.findProxy(name)?.identity.id);
    registerExplainRoute(
      admin,
      (n) => this.findProxy(n)?.proxy,
      () => this.store.snapshot(),
      () => [...this.proxies.keys()],
    );
    registerProxyRoutes(admin, {
      find: (name) => {
        const mp = this.findProxy(name);
        return mp ? adminHandle(mp) : undefined;
      },
      ids: () => [...this.proxies.keys()],
      runtimeObjects: () => this.runtimeObjects(),
    });
  }

  /** The running workloads as Kubernetes would show them (Pods), for `analyze --server`. */
  runtimeObjects(): Record<string, unknown>[] {
    // Pods are API objects in the store; the gateways run no pod there, so they are shown here.
    const pods = [...this.proxies.values()]
      .filter((mp) => mp.kind !== 'sidecar')
      .map((mp) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: mp.identity.id.split('.')[0],
          namespace: mp.identity.namespace,
          labels: mp.identity.labels,
        },
        spec: {
          serviceAccountName: mp.identity.serviceAccount,
          containers: [
            { name: mp.workload, ports: [...mp.inbound.keys()].map((p) => ({ containerPort: p })) },
          ],
        },
      }));
    // The gateway Services as Istio's gateway chart defines them (80->8080, 443->8443).
    const services = GATEWAYS.map((gw) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: gw.name, namespace: 'istio-system', labels: gw.labels },
      spec: {
        selector: { istio: gw.labels.istio },
        ports: [
          { name: 'status-port', port: 15021, targetPort: 15021, protocol: 'TCP' },
          { name: 'http2', port: 80, targetPort: 8080, protocol: 'TCP' },
          { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
        ],
      },
    }));
    return [...pods, ...services];
  }

  /** `up -f` files saved again: re-applied; a refused change leaves the mesh on its previous config. */
  private reapplyFiles(): void {
    const loaded = loadResources(this.options.files, { recursive: this.options.recursive });
    const errors = loaded.diagnostics.filter((d) => d.level === 'Error');
    if (errors.length > 0) {
      this.out(`refused the change; the mesh keeps serving the previous config:`);
      for (const d of errors) this.out(`  ${formatDiagnostic(d)}`);
      return;
    }
    try {
      const outcome = this.store.apply(loaded.resources);
      for (const r of outcome.results)
        if (r.action !== 'unchanged') this.out(`${r.typeName}/${r.ref.name} ${r.action}`);
    } catch (err) {
      this.out(`refused the change; the mesh keeps serving the previous config:`);
      for (const l of err instanceof StoreError ? storeErrorLines(err) : [(err as Error).message])
        this.out(`  ${l}`);
    }
  }

  /** Ctrl-C: stop accepting, drain in-flight requests, stop every child. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.admin?.setReady(false);
    this.fileWatch?.close();
    this.mirror?.stop();
    this.unsubscribe?.();
    await this.reconciler.idle();
    await this.xds?.stop();
    // Edge first: gateways stop accepting and wait for their requests in flight, which still need
    // every sidecar and workload behind them; only then do the sidecars and workloads go.
    const all = [...this.proxies.values()];
    await Promise.all(
      all.filter((mp) => mp.kind !== 'sidecar').map((mp) => mp.proxy.close(10_000)),
    );
    await Promise.all(all.filter((mp) => mp.kind === 'sidecar').map((mp) => mp.proxy.close(5000)));
    await this.kubelet.stop();
    await this.serviceProxy.close();
    this.runRecord?.close();
    this.state?.close();
    for (const mp of all) mp.certificate.close();
    await this.admin?.close();
  }

  /** Where things listen, for the startup banner. */
  summary(): string[] {
    return bannerLines({
      host: this.host,
      proxies: this.proxies.values(),
      pods: this.kubelet.pods().map((p) => ({
        name: p.name,
        app: formatHostPort(this.host, p.appPort),
        ...(p.proxy?.outbound
          ? { outbound: formatHostPort(p.proxy.outbound.host, p.proxy.outbound.port) }
          : {}),
      })),
      adminUrl: this.admin?.url ?? '',
      tokenPath: this.tokenPath,
      logDir: this.logDir,
    });
  }

  /** The admin API's URL once serving (the real port when --admin-port 0). */
  adminUrl(): string | undefined {
    return this.admin?.url;
  }

  gatewayUrl(kind: MeshProxyKind = 'ingressgateway'): string | undefined {
    const mp = [...this.proxies.values()].find((p) => p.kind === kind);
    const port = mp ? [...mp.gatewayListeners.values()].find((p) => p > 0) : undefined;
    return port ? `http://${this.host}:${port}` : undefined;
  }
}

/** chmod 0700 a directory this user owns; leaves others' directories (a shared --log-dir) alone. */
function tighten(dir: string): void {
  try {
    if (statSync(dir).uid === process.getuid?.()) chmodSync(dir, 0o700);
  } catch {
    // Not ours or not there: nothing to tighten.
  }
}

export class MeshConfigError extends Error {
  constructor(readonly lines: readonly string[]) {
    super(lines.join('\n'));
  }
}

function storeErrorLines(err: StoreError): string[] {
  const diags = (err as StoreError & { diagnostics?: Parameters<typeof formatDiagnostic>[0][] })
    .diagnostics;
  return diags && diags.length > 0 ? diags.map(formatDiagnostic) : [err.message];
}
